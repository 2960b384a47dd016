/**
 * @module Writes GGUF files: header, metadata of every GGUF value type (arrays included), tensor
 * infos and aligned tensor data. The tiny test model (local/tiny-gguf.ts) and the header tests'
 * fixtures are both written with it; it shares nothing with the reader but the format's numbering
 * of value types.
 */
import { GGUF_TYPE, type GgufType } from './gguf-header'

export type GgufWriteValue = number | bigint | boolean | string | readonly GgufWriteValue[]

/** One metadata key/value pair. */
export interface GgufKv {
  key: string
  type: GgufType
  value: GgufWriteValue
  /** For arrays: the type of the items. */
  itemType?: GgufType
}

export interface GgufWriteTensor {
  name: string
  /** ggml order: dims[0] is the contiguous dimension. */
  dims: readonly number[]
  /** ggml type; 0 = F32. */
  type?: number
  data: Uint8Array
}

export interface GgufWriteSpec {
  version?: number
  metadata?: readonly GgufKv[]
  tensors?: readonly GgufWriteTensor[]
  /** Default 32, GGUF's default. */
  alignment?: number
  /** Replaces `GGUF` (to test rejection). */
  magic?: string
}

/** Shorthands for metadata entries. */
export const kv = {
  u8: (key: string, value: number): GgufKv => ({ key, type: GGUF_TYPE.UINT8, value }),
  i8: (key: string, value: number): GgufKv => ({ key, type: GGUF_TYPE.INT8, value }),
  u16: (key: string, value: number): GgufKv => ({ key, type: GGUF_TYPE.UINT16, value }),
  i16: (key: string, value: number): GgufKv => ({ key, type: GGUF_TYPE.INT16, value }),
  u32: (key: string, value: number): GgufKv => ({ key, type: GGUF_TYPE.UINT32, value }),
  i32: (key: string, value: number): GgufKv => ({ key, type: GGUF_TYPE.INT32, value }),
  f32: (key: string, value: number): GgufKv => ({ key, type: GGUF_TYPE.FLOAT32, value }),
  bool: (key: string, value: boolean): GgufKv => ({ key, type: GGUF_TYPE.BOOL, value }),
  str: (key: string, value: string): GgufKv => ({ key, type: GGUF_TYPE.STRING, value }),
  u64: (key: string, value: number | bigint): GgufKv => ({ key, type: GGUF_TYPE.UINT64, value }),
  i64: (key: string, value: number | bigint): GgufKv => ({ key, type: GGUF_TYPE.INT64, value }),
  f64: (key: string, value: number): GgufKv => ({ key, type: GGUF_TYPE.FLOAT64, value }),
  arr: (key: string, itemType: GgufType, value: readonly GgufWriteValue[]): GgufKv => ({
    key,
    type: GGUF_TYPE.ARRAY,
    itemType,
    value
  })
}

type NumberWrite =
  | 'writeUInt8'
  | 'writeInt8'
  | 'writeUInt16LE'
  | 'writeInt16LE'
  | 'writeUInt32LE'
  | 'writeInt32LE'
  | 'writeFloatLE'
  | 'writeDoubleLE'

const NUMBER_SIZES: Record<NumberWrite, number> = {
  writeUInt8: 1,
  writeInt8: 1,
  writeUInt16LE: 2,
  writeInt16LE: 2,
  writeUInt32LE: 4,
  writeInt32LE: 4,
  writeFloatLE: 4,
  writeDoubleLE: 8
}

/** The Buffer write of each fixed-size number type. */
const NUMBER_WRITES: Partial<Record<number, NumberWrite>> = {
  [GGUF_TYPE.UINT8]: 'writeUInt8',
  [GGUF_TYPE.INT8]: 'writeInt8',
  [GGUF_TYPE.UINT16]: 'writeUInt16LE',
  [GGUF_TYPE.INT16]: 'writeInt16LE',
  [GGUF_TYPE.UINT32]: 'writeUInt32LE',
  [GGUF_TYPE.INT32]: 'writeInt32LE',
  [GGUF_TYPE.FLOAT32]: 'writeFloatLE',
  [GGUF_TYPE.FLOAT64]: 'writeDoubleLE'
}

/** A little-endian byte sink that grows as needed. */
class ByteWriter {
  private buf = Buffer.alloc(1 << 16)
  length = 0

  private at(n: number): number {
    if (this.length + n > this.buf.length) {
      let size = this.buf.length * 2
      while (size < this.length + n) size *= 2
      const next = Buffer.alloc(size)
      this.buf.copy(next, 0, 0, this.length)
      this.buf = next
    }
    const offset = this.length
    this.length += n
    return offset
  }
  /** Reserves first, then writes: a reservation may replace the buffer. */
  num(method: NumberWrite, v: number): void {
    const at = this.at(NUMBER_SIZES[method])
    this.buf[method](v, at)
  }
  big(method: 'writeBigUInt64LE' | 'writeBigInt64LE', v: number | bigint): void {
    const at = this.at(8)
    this.buf[method](BigInt(v), at)
  }
  u32(v: number): void {
    this.num('writeUInt32LE', v)
  }
  u64(v: number | bigint): void {
    this.big('writeBigUInt64LE', v)
  }
  bytes(b: Uint8Array): void {
    const at = this.at(b.length)
    this.buf.set(b, at)
  }
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8')
    this.u64(bytes.length)
    this.bytes(bytes)
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment
    const at = this.at(pad)
    this.buf.fill(0, at, at + pad)
  }
  value(type: number, v: GgufWriteValue, itemType?: number): void {
    const method = NUMBER_WRITES[type]
    if (method) return this.num(method, Number(v))
    switch (type) {
      case GGUF_TYPE.BOOL:
        return this.num('writeUInt8', v ? 1 : 0)
      case GGUF_TYPE.STRING:
        return this.str(String(v))
      case GGUF_TYPE.UINT64:
        return this.big('writeBigUInt64LE', v as number | bigint)
      case GGUF_TYPE.INT64:
        return this.big('writeBigInt64LE', v as number | bigint)
      case GGUF_TYPE.ARRAY: {
        if (itemType === undefined || !Array.isArray(v))
          throw new Error('an array needs itemType and an array value')
        this.u32(itemType)
        this.u64(v.length)
        for (const item of v as readonly GgufWriteValue[]) this.value(itemType, item)
        return
      }
      default:
        throw new Error(`unknown GGUF value type ${type}`)
    }
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length)
  }
}

/** The bytes of a GGUF file. */
export function writeGguf(spec: GgufWriteSpec): Buffer {
  const alignment = spec.alignment ?? 32
  const metadata = spec.metadata ?? []
  const tensors = spec.tensors ?? []
  const w = new ByteWriter()
  w.bytes(Buffer.from(spec.magic ?? 'GGUF', 'latin1'))
  w.u32(spec.version ?? 3)
  w.u64(tensors.length)
  w.u64(metadata.length)
  for (const m of metadata) {
    w.str(m.key)
    w.u32(m.type)
    w.value(m.type, m.value, m.itemType)
  }
  let offset = 0
  for (const t of tensors) {
    w.str(t.name)
    w.u32(t.dims.length)
    for (const d of t.dims) w.u64(d)
    w.u32(t.type ?? 0)
    w.u64(offset)
    offset += t.data.byteLength
    offset += (alignment - (offset % alignment)) % alignment
  }
  w.padTo(alignment)
  for (const t of tensors) {
    w.bytes(t.data)
    w.padTo(alignment)
  }
  return w.result()
}
