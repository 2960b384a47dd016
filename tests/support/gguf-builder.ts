/**
 * GGUF files for the header tests: the app's GGUF writer with zero-filled tensor data by default,
 * and a sample with one metadata value of every type. The writer shares nothing with the reader
 * it tests but the format's numbering of value types.
 */
import { GGUF_TYPE } from '../../src/main/core/models/gguf-header'
import {
  type GgufKv,
  type GgufWriteSpec,
  kv,
  writeGguf
} from '../../src/main/core/models/gguf-writer'

export type BuilderKv = GgufKv

export interface BuilderTensor {
  name: string
  dims: number[]
  /** ggml type; 0 = F32. */
  type?: number
  /** Raw data (for F32, 4 bytes per element). Zero-filled to the element count when omitted. */
  data?: Buffer
}

export interface GgufSpec extends Omit<GgufWriteSpec, 'tensors'> {
  tensors?: BuilderTensor[]
}

export { kv }

/** Builds a GGUF file in memory. */
export function buildGguf(spec: GgufSpec = {}): Buffer {
  return writeGguf({
    ...spec,
    tensors: (spec.tensors ?? []).map((t) => ({
      ...t,
      data: t.data ?? Buffer.alloc(t.dims.reduce((a, b) => a * b, 1) * 4)
    }))
  })
}

/** An F32 tensor's bytes from numbers. */
export function f32Data(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4)
  values.forEach((v, i) => b.writeFloatLE(v, i * 4))
  return b
}

/** A small llama-like model: one KV of every type, an array of strings, and one 2×3 F32 tensor. */
export function sampleGguf(
  overrides: { metadata?: BuilderKv[]; version?: number; tensors?: BuilderTensor[] } = {}
): Buffer {
  return buildGguf({
    version: overrides.version ?? 3,
    metadata: overrides.metadata ?? [
      kv.str('general.architecture', 'llama'),
      kv.str('general.name', 'Tiny Test'),
      kv.u32('general.file_type', 0),
      kv.u32('llama.context_length', 2048),
      kv.u8('test.u8', 200),
      kv.i8('test.i8', -100),
      kv.u16('test.u16', 60000),
      kv.i16('test.i16', -30000),
      kv.i32('test.i32', -2_000_000_000),
      kv.f32('test.f32', 1.5),
      kv.bool('test.bool', true),
      kv.u64('test.u64', 2n ** 60n),
      kv.i64('test.i64', -5),
      kv.f64('test.f64', 3.25),
      kv.arr('tokenizer.ggml.tokens', GGUF_TYPE.STRING, ['<s>', '</s>', 'hello']),
      kv.arr('test.ints', GGUF_TYPE.INT32, [1, -2, 3])
    ],
    tensors: overrides.tensors ?? [
      { name: 'token_embd.weight', dims: [3, 2], data: f32Data([1, 2, 3, 4, 5, 6]) }
    ]
  })
}
