/**
 * @module Writes a tiny but valid GGUF v3 `llama` model with seeded pseudo-random F32 weights, so
 * the local llama.cpp runtime can be tested on a machine with no internet and no model weights.
 *
 * The model is nonsense (its weights are random) but it is real: llama.cpp loads it, tokenizes with
 * its SentencePiece-style byte tokenizer, renders its ChatML template and generates. The output head
 * is tilted towards printable ASCII so the generated text is readable and valid UTF-8, and
 * `<|im_end|>` is the end-of-sequence token, so a grammar that completes ends the generation.
 */
import { writeFile } from 'node:fs/promises'
import { GGUF_TYPE } from '../models/gguf-header'
import { kv, writeGguf } from '../models/gguf-writer'
import { mulberry32 } from '../random'

/** Options of {@link writeTinyGguf}. */
export interface TinyGgufOptions {
  /** PRNG seed; the same seed and shape always give byte-identical files. Default 1. */
  seed?: number
  /** Transformer blocks. Default 2. */
  layers?: number
  /** Embedding width; a multiple of {@link TINY_GGUF_HEADS}. Default 64. */
  width?: number
  /** Trained context length written to `llama.context_length`. Default 4096. */
  contextLength?: number
}

/** What {@link writeTinyGguf} wrote. */
export interface TinyGgufInfo {
  path: string
  bytes: number
  vocabSize: number
  layers: number
  width: number
  contextLength: number
  /** Token ids of the special tokens. */
  tokens: { unk: number; bos: number; eos: number; imStart: number; imEnd: number }
}

/** Attention heads of the tiny model (head size = width / heads). */
export const TINY_GGUF_HEADS = 4
/** Key/value heads (grouped-query attention, as in current small llamas). */
export const TINY_GGUF_KV_HEADS = 2

/** The ChatML template written to `tokenizer.chat_template`. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

const ALIGNMENT = 32

/** SentencePiece token types as llama.cpp reads them. */
const enum TokenType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  BYTE = 6
}

interface Tensor {
  name: string
  /** ggml order: dims[0] is the contiguous (input) dimension. */
  dims: number[]
  data: Float32Array
}

interface Vocab {
  tokens: string[]
  scores: number[]
  types: number[]
  ids: TinyGgufInfo['tokens']
}

/** SentencePiece's visible space, U+2581. */
const SPACE_PIECE = '\u2581'

/** `<unk>`, `<s>`, `</s>`, the 256 byte tokens, `▁`, then the ChatML specials. */
function buildVocab(): Vocab {
  const tokens: string[] = ['<unk>', '<s>', '</s>']
  const types: number[] = [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL]
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`)
    types.push(TokenType.BYTE)
  }
  // The SentencePiece word-boundary piece: the tokenizer turns every space into `▁`, and only a
  // normal token maps it back to a space when detokenizing (a byte-encoded `▁` would not).
  tokens.push(SPACE_PIECE)
  types.push(TokenType.NORMAL)
  const imStart = tokens.push('<|im_start|>') - 1
  types.push(TokenType.CONTROL)
  const imEnd = tokens.push('<|im_end|>') - 1
  types.push(TokenType.CONTROL)
  const scores = tokens.map(() => 0)
  return { tokens, scores, types, ids: { unk: 0, bos: 1, eos: imEnd, imStart, imEnd } }
}

/** Printable ASCII (space to `~`) plus newline: the bytes the output head favours. */
function isReadableByte(b: number): boolean {
  return (b >= 0x20 && b <= 0x7e) || b === 0x0a
}

/** Builds every tensor of a llama model, in the order llama.cpp names them. */
function buildTensors(
  vocab: Vocab,
  layers: number,
  width: number,
  ff: number,
  rand: () => number
): Tensor[] {
  const headDim = width / TINY_GGUF_HEADS
  const kvWidth = headDim * TINY_GGUF_KV_HEADS
  const nVocab = vocab.tokens.length
  const uniform = (n: number, scale: number): Float32Array => {
    const out = new Float32Array(n)
    for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * scale
    return out
  }
  const ones = (n: number): Float32Array => new Float32Array(n).fill(1)

  // Every embedding carries a constant component in dimension 0, which survives the random blocks
  // and the final RMS norm; the output head reads it as a bias towards readable bytes.
  const embd = uniform(width * nVocab, 0.05)
  for (let t = 0; t < nVocab; t++) embd[t * width] = 1
  const output = uniform(width * nVocab, 0.15)
  for (let t = 0; t < nVocab; t++) {
    const byte = vocab.types[t] === TokenType.BYTE ? t - 3 : -1
    // Readable bytes up, everything else (control tokens, high bytes) down; <|im_end|> stays
    // mildly possible so free generation can end on its own now and then.
    const readable = (byte >= 0 && isReadableByte(byte)) || vocab.tokens[t] === SPACE_PIECE
    const bias = readable ? 0.6 : t === vocab.ids.imEnd ? 0.1 : -0.8
    output[t * width] = bias
  }

  const tensors: Tensor[] = [
    { name: 'token_embd.weight', dims: [width, nVocab], data: embd },
    { name: 'output_norm.weight', dims: [width], data: ones(width) },
    { name: 'output.weight', dims: [width, nVocab], data: output }
  ]
  const scale = 1 / Math.sqrt(width)
  for (let l = 0; l < layers; l++) {
    const p = `blk.${l}.`
    tensors.push(
      { name: `${p}attn_norm.weight`, dims: [width], data: ones(width) },
      { name: `${p}attn_q.weight`, dims: [width, width], data: uniform(width * width, scale) },
      { name: `${p}attn_k.weight`, dims: [width, kvWidth], data: uniform(width * kvWidth, scale) },
      { name: `${p}attn_v.weight`, dims: [width, kvWidth], data: uniform(width * kvWidth, scale) },
      {
        name: `${p}attn_output.weight`,
        dims: [width, width],
        data: uniform(width * width, scale * 0.5)
      },
      { name: `${p}ffn_norm.weight`, dims: [width], data: ones(width) },
      { name: `${p}ffn_gate.weight`, dims: [width, ff], data: uniform(width * ff, scale) },
      { name: `${p}ffn_up.weight`, dims: [width, ff], data: uniform(width * ff, scale) },
      {
        name: `${p}ffn_down.weight`,
        dims: [ff, width],
        data: uniform(ff * width, (1 / Math.sqrt(ff)) * 0.5)
      }
    )
  }
  return tensors
}

/**
 * Builds the bytes of a tiny GGUF v3 `llama` model. Pure and deterministic: the same options give
 * the same bytes.
 */
export function buildTinyGguf(opts: TinyGgufOptions = {}): {
  bytes: Buffer
  info: Omit<TinyGgufInfo, 'path' | 'bytes'>
} {
  const seed = opts.seed ?? 1
  const layers = opts.layers ?? 2
  const width = opts.width ?? 64
  const contextLength = opts.contextLength ?? 4096
  if (!Number.isInteger(layers) || layers < 1)
    throw new RangeError(`layers must be a positive integer, got ${layers}`)
  if (
    !Number.isInteger(width) ||
    width < TINY_GGUF_HEADS * 2 ||
    width % TINY_GGUF_HEADS !== 0 ||
    (width / TINY_GGUF_HEADS) % 2 !== 0
  ) {
    throw new RangeError(`width must be a multiple of ${TINY_GGUF_HEADS * 2}, got ${width}`)
  }
  if (!Number.isInteger(contextLength) || contextLength < 16)
    throw new RangeError(`contextLength must be an integer >= 16, got ${contextLength}`)
  const ff = width * 3
  const headDim = width / TINY_GGUF_HEADS
  const vocab = buildVocab()
  const tensors = buildTensors(vocab, layers, width, ff, mulberry32(seed))

  const metadata = [
    kv.str('general.architecture', 'llama'),
    kv.str('general.name', `llmnet tiny test model (seed ${seed}, ${layers}x${width})`),
    kv.u32('general.file_type', 0), // ALL_F32
    kv.u32('general.alignment', ALIGNMENT),
    kv.u32('llama.vocab_size', vocab.tokens.length),
    kv.u32('llama.context_length', contextLength),
    kv.u32('llama.embedding_length', width),
    kv.u32('llama.block_count', layers),
    kv.u32('llama.feed_forward_length', ff),
    kv.u32('llama.attention.head_count', TINY_GGUF_HEADS),
    kv.u32('llama.attention.head_count_kv', TINY_GGUF_KV_HEADS),
    kv.u32('llama.rope.dimension_count', headDim),
    kv.f32('llama.rope.freq_base', 10000),
    kv.f32('llama.attention.layer_norm_rms_epsilon', 1e-5),
    kv.str('tokenizer.ggml.model', 'llama'),
    kv.arr('tokenizer.ggml.tokens', GGUF_TYPE.STRING, vocab.tokens),
    kv.arr('tokenizer.ggml.scores', GGUF_TYPE.FLOAT32, vocab.scores),
    kv.arr('tokenizer.ggml.token_type', GGUF_TYPE.INT32, vocab.types),
    kv.u32('tokenizer.ggml.bos_token_id', vocab.ids.bos),
    kv.u32('tokenizer.ggml.eos_token_id', vocab.ids.eos),
    kv.u32('tokenizer.ggml.unknown_token_id', vocab.ids.unk),
    kv.bool('tokenizer.ggml.add_bos_token', false),
    kv.bool('tokenizer.ggml.add_eos_token', false),
    kv.bool('tokenizer.ggml.add_space_prefix', false),
    kv.str('tokenizer.chat_template', CHATML_TEMPLATE)
  ]
  const bytes = writeGguf({
    alignment: ALIGNMENT,
    metadata,
    tensors: tensors.map((t) => ({
      name: t.name,
      dims: t.dims,
      data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)
    }))
  })
  return {
    bytes,
    info: { vocabSize: vocab.tokens.length, layers, width, contextLength, tokens: vocab.ids }
  }
}

/**
 * Writes a tiny GGUF v3 `llama` model to `path`: seeded random F32 weights, every llama
 * hyper-parameter llama.cpp requires, a SentencePiece byte tokenizer (`<unk>`, `<s>`, `</s>`,
 * `<0x00>`…`<0xFF>`, `▁`, `<|im_start|>`, `<|im_end|>`; end of sequence = `<|im_end|>`) and a ChatML chat
 * template. The defaults (2 layers, width 64) give a file of about 0.6 MB.
 */
export async function writeTinyGguf(
  path: string,
  opts: TinyGgufOptions = {}
): Promise<TinyGgufInfo> {
  const { bytes, info } = buildTinyGguf(opts)
  await writeFile(path, bytes)
  return { path, bytes: bytes.length, ...info }
}
