import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  getLlama,
  LlamaChat,
  LlamaLogLevel,
  readGgufFileInfo,
  type Llama,
  type LlamaModel,
  type Token
} from 'node-llama-cpp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTinyGguf, CHATML_TEMPLATE, writeTinyGguf, type TinyGgufInfo } from './tiny-gguf'

let dir: string
let info: TinyGgufInfo
let llama: Llama
let model: LlamaModel

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmnet-tiny-gguf-'))
  info = await writeTinyGguf(join(dir, 'tiny.gguf'))
  llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error })
  model = await llama.loadModel({ modelPath: info.path })
})

afterAll(async () => {
  await model?.dispose()
  await llama?.dispose()
  await rm(dir, { recursive: true, force: true })
})

describe('writeTinyGguf', () => {
  it('writes a GGUF v3 header and stays around 0.6 MB (catches a wrong magic/version or a bloated default)', async () => {
    const bytes = await readFile(info.path)
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('GGUF')
    expect(bytes.readUInt32LE(4)).toBe(3)
    expect(bytes.length).toBe(info.bytes)
    expect(info.bytes).toBeGreaterThan(300_000)
    expect(info.bytes).toBeLessThan(900_000)
  })

  it('is deterministic per seed (catches an unseeded PRNG that makes test runs differ)', () => {
    const a = buildTinyGguf({ seed: 7 }).bytes
    const b = buildTinyGguf({ seed: 7 }).bytes
    const c = buildTinyGguf({ seed: 8 }).bytes
    expect(a.equals(b)).toBe(true)
    expect(a.equals(c)).toBe(false)
  })

  it('rejects a width that cannot be split into heads (catches silently invalid files)', () => {
    expect(() => buildTinyGguf({ width: 30 })).toThrow(/width/)
    expect(() => buildTinyGguf({ layers: 0 })).toThrow(/layers/)
  })

  it('declares every llama hyper-parameter and the tokenizer llama.cpp needs (catches a missing key that only fails at load)', async () => {
    const gguf = await readGgufFileInfo(info.path)
    const meta = gguf.metadata as unknown as {
      general: { architecture: string; name: string; file_type: number }
      llama: Record<string, unknown> & {
        attention: Record<string, unknown>
        rope: Record<string, unknown>
      }
      tokenizer: { ggml: Record<string, unknown> & { tokens: string[] }; chat_template: string }
    }
    expect(gguf.version).toBe(3)
    expect(meta.general.architecture).toBe('llama')
    expect(meta.general.name).toMatch(/tiny/)
    expect(meta.general.file_type).toBe(0)
    expect(meta.llama).toMatchObject({
      context_length: 4096,
      embedding_length: 64,
      block_count: 2,
      feed_forward_length: 192
    })
    expect(meta.llama.attention).toMatchObject({ head_count: 4, head_count_kv: 2 })
    expect(meta.llama.attention.layer_norm_rms_epsilon).toBeCloseTo(1e-5)
    expect(meta.llama.rope.dimension_count).toBe(16)
    expect(meta.tokenizer.ggml.model).toBe('llama')
    const tokens = meta.tokenizer.ggml.tokens
    expect(tokens.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>'])
    expect(tokens).toContain('<0xFF>')
    expect(tokens.at(-2)).toBe('<|im_start|>')
    expect(tokens.at(-1)).toBe('<|im_end|>')
    expect(meta.tokenizer.ggml.eos_token_id).toBe(tokens.indexOf('<|im_end|>'))
    expect(meta.tokenizer.ggml.bos_token_id).toBe(1)
    expect((meta.tokenizer.ggml.scores as number[]).length).toBe(tokens.length)
    expect((meta.tokenizer.ggml.token_type as number[]).length).toBe(tokens.length)
    expect(meta.tokenizer.chat_template).toBe(CHATML_TEMPLATE)
    expect(gguf.tensorInfo?.length).toBe(3 + 9 * 2)
  })
})

describe('the tiny model in node-llama-cpp', () => {
  it('tokenizes and detokenizes text round-trip, spaces and UTF-8 included (catches a byte tokenizer that loses spaces)', () => {
    for (const text of ['Hello world', 'route: "alpha" | beta\n', 'grüße, 東京 ✓']) {
      const tokens = model.tokenize(text)
      expect(tokens.length).toBeGreaterThan(0)
      expect(model.detokenize(tokens)).toBe(text)
    }
    const special = model.tokenize('<|im_start|>user', true)
    expect(special[0]).toBe(info.tokens.imStart as Token)
    expect(model.isEogToken(info.tokens.imEnd as Token)).toBe(true)
  })

  it('generates with the ChatML template and stops when a grammar completes (catches an eos that is not <|im_end|>)', async () => {
    const context = await model.createContext({ contextSize: 512, threads: 1 })
    try {
      const chat = new LlamaChat({ contextSequence: context.getSequence() })
      expect(chat.chatWrapper.wrapperName).toBe('ChatML')
      const free = await chat.generateResponse(
        [
          { type: 'user', text: 'hi' },
          { type: 'model', response: [] }
        ],
        { maxTokens: 6, temperature: 0 }
      )
      expect(free.metadata.stopReason).toBe('maxTokens')
      expect(free.response.length).toBeGreaterThan(0)
      const grammar = await llama.createGrammar({ grammar: 'root ::= "ok"' })
      const constrained = await chat.generateResponse(
        [
          { type: 'user', text: 'again' },
          { type: 'model', response: [] }
        ],
        { maxTokens: 40, grammar }
      )
      expect(constrained.response).toBe('ok')
      expect(constrained.metadata.stopReason).not.toBe('maxTokens')
    } finally {
      await context.dispose()
    }
  })
})
