/**
 * Writes minimal but valid GGUF files for tests: header, metadata of any GGUF value type (arrays
 * included), tensor infos and aligned tensor data. Independent of the reader it tests, except for
 * the shared numbering of value types, which the GGUF format fixes.
 */
import { GGUF_TYPE, type GgufType } from '../../src/main/core/models/gguf-header'

export type BuilderValue = number | bigint | boolean | string | BuilderValue[]

export interface BuilderKv {
  key: string
  type: GgufType
  value: BuilderValue
  /** For arrays: the type of the items. */
  itemType?: GgufType
}

export interface BuilderTensor {
  name: string
  dims: number[]
  /** ggml type; 0 = F32. */
  type?: number
  /** Raw data (for F32, 4 bytes per element). Zero-filled to the element count when omitted. */
  data?: Buffer
}

export interface GgufSpec {
  version?: number
  metadata?: BuilderKv[]
  tensors?: BuilderTensor[]
  alignment?: number
  /** Override the magic (to test rejection). */
  magic?: string
}

/** Shorthands for metadata entries. */
export const kv = {
  u8: (key: string, value: number): BuilderKv => ({ key, type: GGUF_TYPE.UINT8, value }),
  i8: (key: string, value: number): BuilderKv => ({ key, type: GGUF_TYPE.INT8, value }),
  u16: (key: string, value: number): BuilderKv => ({ key, type: GGUF_TYPE.UINT16, value }),
  i16: (key: string, value: number): BuilderKv => ({ key, type: GGUF_TYPE.INT16, value }),
  u32: (key: string, value: number): BuilderKv => ({ key, type: GGUF_TYPE.UINT32, value }),
  i32: (key: string, value: number): BuilderKv => ({ key, type: GGUF_TYPE.INT32, value }),
  f32: (key: string, value: number): BuilderKv => ({ key, type: GGUF_TYPE.FLOAT32, value }),
  bool: (key: string, value: boolean): BuilderKv => ({ key, type: GGUF_TYPE.BOOL, value }),
  str: (key: string, value: string): BuilderKv => ({ key, type: GGUF_TYPE.STRING, value }),
  u64: (key: string, value: number | bigint): BuilderKv => ({ key, type: GGUF_TYPE.UINT64, value }),
  i64: (key: string, value: number | bigint): BuilderKv => ({ key, type: GGUF_TYPE.INT64, value }),
  f64: (key: string, value: number): BuilderKv => ({ key, type: GGUF_TYPE.FLOAT64, value }),
  arr: (key: string, itemType: GgufType, value: BuilderValue[]): BuilderKv => ({
    key,
    type: GGUF_TYPE.ARRAY,
    itemType,
    value
  })
}

class Writer {
  private parts: Buffer[] = []
  length = 0
  push(b: Buffer): void {
    this.parts.push(b)
    this.length += b.length
  }
  u8(v: number): void {
    const b = Buffer.alloc(1)
    b.writeUInt8(v)
    this.push(b)
  }
  i8(v: number): void {
    const b = Buffer.alloc(1)
    b.writeInt8(v)
    this.push(b)
  }
  u16(v: number): void {
    const b = Buffer.alloc(2)
    b.writeUInt16LE(v)
    this.push(b)
  }
  i16(v: number): void {
    const b = Buffer.alloc(2)
    b.writeInt16LE(v)
    this.push(b)
  }
  u32(v: number): void {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(v)
    this.push(b)
  }
  i32(v: number): void {
    const b = Buffer.alloc(4)
    b.writeInt32LE(v)
    this.push(b)
  }
  f32(v: number): void {
    const b = Buffer.alloc(4)
    b.writeFloatLE(v)
    this.push(b)
  }
  f64(v: number): void {
    const b = Buffer.alloc(8)
    b.writeDoubleLE(v)
    this.push(b)
  }
  u64(v: number | bigint): void {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(BigInt(v))
    this.push(b)
  }
  i64(v: number | bigint): void {
    const b = Buffer.alloc(8)
    b.writeBigInt64LE(BigInt(v))
    this.push(b)
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8')
    this.u64(b.length)
    this.push(b)
  }
  value(type: number, v: BuilderValue, itemType?: number): void {
    switch (type) {
      case GGUF_TYPE.UINT8:
        return this.u8(Number(v))
      case GGUF_TYPE.INT8:
        return this.i8(Number(v))
      case GGUF_TYPE.UINT16:
        return this.u16(Number(v))
      case GGUF_TYPE.INT16:
        return this.i16(Number(v))
      case GGUF_TYPE.UINT32:
        return this.u32(Number(v))
      case GGUF_TYPE.INT32:
        return this.i32(Number(v))
      case GGUF_TYPE.FLOAT32:
        return this.f32(Number(v))
      case GGUF_TYPE.BOOL:
        return this.u8(v ? 1 : 0)
      case GGUF_TYPE.STRING:
        return this.str(String(v))
      case GGUF_TYPE.UINT64:
        return this.u64(v as number | bigint)
      case GGUF_TYPE.INT64:
        return this.i64(v as number | bigint)
      case GGUF_TYPE.FLOAT64:
        return this.f64(Number(v))
      case GGUF_TYPE.ARRAY: {
        if (itemType === undefined || !Array.isArray(v))
          throw new Error('array needs itemType and an array value')
        this.u32(itemType)
        this.u64(v.length)
        for (const item of v) this.value(itemType, item)
        return
      }
      default:
        throw new Error(`unknown type ${type}`)
    }
  }
  pad(alignment: number): void {
    const rem = this.length % alignment
    if (rem) this.push(Buffer.alloc(alignment - rem))
  }
  done(): Buffer {
    return Buffer.concat(this.parts)
  }
}

/** Builds a GGUF file in memory. */
export function buildGguf(spec: GgufSpec = {}): Buffer {
  const alignment = spec.alignment ?? 32
  const metadata = spec.metadata ?? []
  const tensors = spec.tensors ?? []
  const w = new Writer()
  w.push(Buffer.from(spec.magic ?? 'GGUF', 'latin1'))
  w.u32(spec.version ?? 3)
  w.u64(tensors.length)
  w.u64(metadata.length)
  for (const m of metadata) {
    w.str(m.key)
    w.u32(m.type)
    w.value(m.type, m.value, m.itemType)
  }
  const datas: Buffer[] = []
  let offset = 0
  for (const t of tensors) {
    const elements = t.dims.reduce((a, b) => a * b, 1)
    const data = t.data ?? Buffer.alloc(elements * 4)
    w.str(t.name)
    w.u32(t.dims.length)
    for (const d of t.dims) w.u64(d)
    w.u32(t.type ?? 0)
    w.u64(offset)
    datas.push(data)
    offset += data.length
    offset = Math.ceil(offset / alignment) * alignment
  }
  w.pad(alignment)
  for (const d of datas) {
    w.push(d)
    w.pad(alignment)
  }
  return w.done()
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
