import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildGguf, f32Data, kv, sampleGguf } from '../../../../tests/support/gguf-builder'
import { GGUF_TYPE, GgufError, parseGgufHeader, readGgufHeader } from './gguf-header'
import { fileTypeName, readGgufInfo } from './gguf-info'

const dir = mkdtempSync(path.join(os.tmpdir(), 'llmnet-gguf-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function write(name: string, data: Buffer): string {
  const file = path.join(dir, name)
  writeFileSync(file, data)
  return file
}

describe('GGUF header', () => {
  it('reads every metadata value type, arrays included (a mis-sized type would shift every later key)', () => {
    const h = parseGgufHeader(sampleGguf())
    const md = h.metadata
    expect(h.version).toBe(3)
    expect(md.get('general.architecture')).toBe('llama')
    expect(md.get('test.u8')).toBe(200)
    expect(md.get('test.i8')).toBe(-100)
    expect(md.get('test.u16')).toBe(60000)
    expect(md.get('test.i16')).toBe(-30000)
    expect(md.get('test.i32')).toBe(-2_000_000_000)
    expect(md.get('test.f32')).toBe(1.5)
    expect(md.get('test.bool')).toBe(true)
    expect(md.get('test.u64')).toBe(2n ** 60n)
    expect(md.get('test.i64')).toBe(-5)
    expect(md.get('test.f64')).toBe(3.25)
    expect(md.get('tokenizer.ggml.tokens')).toEqual(['<s>', '</s>', 'hello'])
    expect(md.get('test.ints')).toEqual([1, -2, 3])
  })

  it('reads the tensor infos and stops at the aligned start of tensor data (never reading tensors)', () => {
    const buf = sampleGguf()
    const h = parseGgufHeader(buf)
    expect(h.tensors).toEqual([{ name: 'token_embd.weight', dims: [3, 2], type: 0, offset: 0 }])
    expect(h.tensorDataOffset % 32).toBe(0)
    // The F32 data really starts there.
    expect(buf.readFloatLE(h.tensorDataOffset)).toBe(1)
    expect(buf.readFloatLE(h.tensorDataOffset + 20)).toBe(6)
  })

  it('summarises architecture, name, quantisation, context length, parameters and size on disk', async () => {
    const file = write('tiny.gguf', sampleGguf())
    const info = await readGgufInfo(file)
    expect(info).toMatchObject({
      version: 3,
      architecture: 'llama',
      name: 'Tiny Test',
      quantisation: 'F32',
      fileType: 0,
      contextLength: 2048,
      parameterCount: 6,
      tensorCount: 1
    })
    expect(info.sizeBytes).toBe(sampleGguf().length)
  })

  it('prefers general.parameter_count over summing tensor shapes (the sum misses nothing only for full files)', async () => {
    const file = write(
      'counted.gguf',
      sampleGguf({
        metadata: [
          kv.str('general.architecture', 'qwen2'),
          kv.u64('general.parameter_count', 494_032_768),
          kv.u32('general.file_type', 15)
        ]
      })
    )
    const info = await readGgufInfo(file)
    expect(info.parameterCount).toBe(494_032_768)
    expect(info.quantisation).toBe('Q4_K_M')
    expect(info.contextLength).toBeUndefined()
  })

  it('falls back to the dominant tensor type when general.file_type is absent', () => {
    const buf = buildGguf({
      metadata: [kv.str('general.architecture', 'llama')],
      tensors: [
        { name: 'a', dims: [4], type: 1, data: Buffer.alloc(8) },
        { name: 'b', dims: [2], type: 0, data: f32Data([1, 2]) }
      ]
    })
    const h = parseGgufHeader(buf)
    expect(h.tensors.map((t) => t.offset)).toEqual([0, 32])
    expect(fileTypeName(1)).toBe('F16')
  })

  it('reads version 2 files as well as 3', () => {
    expect(parseGgufHeader(sampleGguf({ version: 2 })).version).toBe(2)
  })

  it('grows the read when the metadata is larger than the first read (big vocabularies)', async () => {
    const tokens = Array.from({ length: 5000 }, (_, i) => `token-${i}-${'x'.repeat(20)}`)
    const file = write(
      'big-vocab.gguf',
      buildGguf({
        metadata: [
          kv.str('general.architecture', 'llama'),
          kv.arr('tokenizer.ggml.tokens', GGUF_TYPE.STRING, tokens),
          kv.u32('llama.context_length', 4096)
        ],
        tensors: [{ name: 'w', dims: [2, 2] }]
      })
    )
    const h = await readGgufHeader(file, { initialBytes: 1024 })
    expect((h.metadata.get('tokenizer.ggml.tokens') as string[]).length).toBe(5000)
    expect(h.metadata.get('llama.context_length')).toBe(4096)
    expect(h.tensors[0]?.name).toBe('w')
  })

  it('rejects a file that is not GGUF with a clear message', async () => {
    const file = write('not.gguf', Buffer.from('PK\u0003\u0004 this is a zip file, not a model'))
    await expect(readGgufInfo(file)).rejects.toThrow(/not a GGUF file/)
  })

  it('rejects GGUF version 1 and unknown versions instead of misreading them', () => {
    expect(() => parseGgufHeader(sampleGguf({ version: 1 }))).toThrow(/version 1 is not supported/)
    expect(() => parseGgufHeader(sampleGguf({ version: 7 }))).toThrow(/unsupported GGUF version 7/)
  })

  it('reports a truncated file as corrupt instead of hanging or reading garbage', async () => {
    const full = sampleGguf()
    const file = write('cut.gguf', full.subarray(0, 60))
    await expect(readGgufHeader(file, { initialBytes: 16 })).rejects.toBeInstanceOf(GgufError)
    await expect(readGgufHeader(file)).rejects.toThrow(/corrupt/)
  })

  it('rejects an impossible string length instead of allocating it', () => {
    const buf = sampleGguf()
    // The first key's length field sits right after magic, version, tensor count and kv count.
    buf.writeBigUInt64LE(2n ** 40n, 24)
    expect(() => parseGgufHeader(buf)).toThrow(/past the end of the file|does not fit/)
  })

  it('agrees with node-llama-cpp’s independent parser on keys, tensors and the data offset (a builder and reader sharing one misreading would pass alone)', async () => {
    const file = write('cross-check.gguf', sampleGguf())
    const { readGgufFileInfo } = await import('node-llama-cpp')
    const theirs = await readGgufFileInfo(file, { readTensorInfo: true })
    const ours = await readGgufHeader(file)
    const md = theirs.metadata as unknown as Record<string, Record<string, unknown>>
    expect(md.general).toMatchObject({ architecture: 'llama', name: 'Tiny Test', file_type: 0 })
    expect(md.test).toMatchObject({ u8: 200, i16: -30000, f64: 3.25, bool: true, ints: [1, -2, 3] })
    expect(BigInt(md.test?.u64 as bigint)).toBe(ours.metadata.get('test.u64'))
    const tensor = theirs.fullTensorInfo?.[0]
    expect(tensor?.name).toBe('token_embd.weight')
    expect(tensor?.dimensions.map(Number)).toEqual(ours.tensors[0]?.dims)
    expect(Number(tensor?.fileOffset)).toBe(ours.tensorDataOffset)
  })
})
