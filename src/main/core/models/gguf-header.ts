/**
 * @module Reads a GGUF file's header, metadata and tensor-info section without loading tensor
 * data. The binary format (little-endian) is parsed here: magic `GGUF`, version (2 or 3), tensor
 * count, metadata key/value count, the key/value pairs (every GGUF value type, arrays included),
 * then one info record per tensor. Parsing stops where tensor data would begin. Only the first
 * few MB are read through a file handle; the read grows when the header is larger (big
 * tokenizer vocabularies).
 */
import { open } from 'node:fs/promises'

/** GGUF metadata value types, as numbered by the format. */
export const GGUF_TYPE = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12
} as const
export type GgufType = (typeof GGUF_TYPE)[keyof typeof GGUF_TYPE]

/**
 * A metadata value. 64-bit integers become `number` when they are safe integers, else `bigint`.
 */
export type GgufValue = number | bigint | boolean | string | GgufValue[]

export interface GgufTensorInfo {
  name: string
  /** Dimensions, innermost first (as stored). */
  dims: number[]
  /** ggml tensor type (0 = F32, 1 = F16, …). */
  type: number
  /** Offset of the tensor's data, relative to the start of the tensor-data section. */
  offset: number
}

export interface GgufHeader {
  version: number
  tensorCount: number
  metadata: Map<string, GgufValue>
  tensors: GgufTensorInfo[]
  /** `general.alignment`, or the default 32. */
  alignment: number
  /** Absolute file offset where tensor data begins (aligned). */
  tensorDataOffset: number
}

/** The file is not a GGUF file we can read; the message says why. */
export class GgufError extends Error {
  override readonly name = 'GgufError'
}

const MAGIC = 0x46554747 // "GGUF" read as a little-endian uint32
const DEFAULT_ALIGNMENT = 32
const MAX_DIMS = 8 // ggml uses 4; anything above 8 is corruption

/** Thrown inside the parser when the buffer ends before the header does; the reader then reads more. */
class NeedMoreData extends Error {
  constructor(readonly needed: number) {
    super('need more data')
  }
}

/** A bounds-checked little-endian cursor over the part of the file read so far. */
class Cursor {
  pos = 0
  constructor(
    private readonly buf: Buffer,
    /** Size of the whole file: reading past it is corruption, not a short read. */
    private readonly fileSize: number
  ) {}

  private take(n: number): number {
    const at = this.pos
    const end = at + n
    if (end > this.fileSize) {
      throw new GgufError(
        `truncated or corrupt GGUF: a field at byte ${at} needs ${n} bytes, but the file has ${this.fileSize}`
      )
    }
    if (end > this.buf.length) throw new NeedMoreData(end)
    this.pos = end
    return at
  }

  u8(): number {
    return this.buf.readUInt8(this.take(1))
  }
  i8(): number {
    return this.buf.readInt8(this.take(1))
  }
  u16(): number {
    return this.buf.readUInt16LE(this.take(2))
  }
  i16(): number {
    return this.buf.readInt16LE(this.take(2))
  }
  u32(): number {
    return this.buf.readUInt32LE(this.take(4))
  }
  i32(): number {
    return this.buf.readInt32LE(this.take(4))
  }
  f32(): number {
    return this.buf.readFloatLE(this.take(4))
  }
  f64(): number {
    return this.buf.readDoubleLE(this.take(8))
  }
  u64(): bigint {
    return this.buf.readBigUInt64LE(this.take(8))
  }
  i64(): bigint {
    return this.buf.readBigInt64LE(this.take(8))
  }

  /** A uint64 that must fit in a JS number (counts, lengths, offsets). */
  size(what: string): number {
    const v = this.u64()
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new GgufError(`corrupt GGUF: ${what} ${v} is impossibly large`)
    return Number(v)
  }

  str(): string {
    const len = this.size('string length')
    if (this.pos + len > this.fileSize) {
      throw new GgufError(
        `corrupt GGUF: a string at byte ${this.pos} claims ${len} bytes, past the end of the file`
      )
    }
    const at = this.take(len)
    return this.buf.toString('utf8', at, at + len)
  }

  /** Fails fast on a count that cannot fit in the rest of the file. */
  checkCount(count: number, minBytesEach: number, what: string): void {
    if (this.pos + count * minBytesEach > this.fileSize) {
      throw new GgufError(`corrupt GGUF: ${what} count ${count} does not fit in the file`)
    }
  }
}

function safeBig(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v
}

/** Smallest encoded size of one value of a type (for count sanity checks). */
function minSize(type: number): number {
  switch (type) {
    case GGUF_TYPE.UINT8:
    case GGUF_TYPE.INT8:
    case GGUF_TYPE.BOOL:
      return 1
    case GGUF_TYPE.UINT16:
    case GGUF_TYPE.INT16:
      return 2
    case GGUF_TYPE.UINT32:
    case GGUF_TYPE.INT32:
    case GGUF_TYPE.FLOAT32:
      return 4
    case GGUF_TYPE.ARRAY:
      return 12
    default:
      return 8
  }
}

function readValue(c: Cursor, type: number, key: string, depth = 0): GgufValue {
  switch (type) {
    case GGUF_TYPE.UINT8:
      return c.u8()
    case GGUF_TYPE.INT8:
      return c.i8()
    case GGUF_TYPE.UINT16:
      return c.u16()
    case GGUF_TYPE.INT16:
      return c.i16()
    case GGUF_TYPE.UINT32:
      return c.u32()
    case GGUF_TYPE.INT32:
      return c.i32()
    case GGUF_TYPE.FLOAT32:
      return c.f32()
    case GGUF_TYPE.BOOL: {
      const b = c.u8()
      if (b > 1) throw new GgufError(`corrupt GGUF: key "${key}" has a bool of value ${b}`)
      return b === 1
    }
    case GGUF_TYPE.STRING:
      return c.str()
    case GGUF_TYPE.UINT64:
      return safeBig(c.u64())
    case GGUF_TYPE.INT64:
      return safeBig(c.i64())
    case GGUF_TYPE.FLOAT64:
      return c.f64()
    case GGUF_TYPE.ARRAY: {
      if (depth > 4) throw new GgufError(`corrupt GGUF: key "${key}" nests arrays too deeply`)
      const itemType = c.u32()
      const count = c.size(`array length of "${key}"`)
      c.checkCount(count, minSize(itemType), `array "${key}"`)
      const items: GgufValue[] = new Array<GgufValue>(count)
      for (let i = 0; i < count; i++) items[i] = readValue(c, itemType, key, depth + 1)
      return items
    }
    default:
      throw new GgufError(`corrupt GGUF: key "${key}" has unknown value type ${type}`)
  }
}

/**
 * Parses a GGUF header from the start of a file. `fileSize` is the whole file's size: reading past
 * `buf` but within `fileSize` throws an internal "need more data" that {@link readGgufHeader}
 * handles; reading past `fileSize` is a {@link GgufError}.
 */
function parse(buf: Buffer, fileSize: number): GgufHeader {
  const c = new Cursor(buf, fileSize)
  if (fileSize < 4 || (buf.length >= 4 && buf.readUInt32LE(0) !== MAGIC)) {
    throw new GgufError('not a GGUF file (the magic bytes are not "GGUF")')
  }
  c.u32()
  const version = c.u32()
  if (version === 1)
    throw new GgufError(
      'GGUF version 1 is not supported (re-convert the model with a current llama.cpp)'
    )
  if (version !== 2 && version !== 3)
    throw new GgufError(`unsupported GGUF version ${version} (2 and 3 are supported)`)
  const tensorCount = c.size('tensor count')
  const kvCount = c.size('metadata count')
  c.checkCount(kvCount, 12, 'metadata')
  c.checkCount(tensorCount, 24, 'tensor')

  const metadata = new Map<string, GgufValue>()
  for (let i = 0; i < kvCount; i++) {
    const key = c.str()
    const type = c.u32()
    metadata.set(key, readValue(c, type, key))
  }

  const tensors: GgufTensorInfo[] = []
  for (let i = 0; i < tensorCount; i++) {
    const name = c.str()
    const nDims = c.u32()
    if (nDims > MAX_DIMS)
      throw new GgufError(`corrupt GGUF: tensor "${name}" has ${nDims} dimensions`)
    const dims: number[] = []
    for (let d = 0; d < nDims; d++) dims.push(c.size(`dimension of tensor "${name}"`))
    const type = c.u32()
    const offset = c.size(`offset of tensor "${name}"`)
    tensors.push({ name, dims, type, offset })
  }

  const alignValue = metadata.get('general.alignment')
  const alignment =
    typeof alignValue === 'number' && alignValue > 0 ? alignValue : DEFAULT_ALIGNMENT
  const tensorDataOffset = Math.ceil(c.pos / alignment) * alignment
  return { version, tensorCount, metadata, tensors, alignment, tensorDataOffset }
}

/** Parses a GGUF header held entirely in memory (tests, small files). */
export function parseGgufHeader(buf: Buffer): GgufHeader {
  try {
    return parse(buf, buf.length)
  } catch (err) {
    if (err instanceof NeedMoreData) throw new GgufError('truncated GGUF header')
    throw err
  }
}

export interface ReadHeaderOptions {
  /** First read size (default 4 MiB). */
  initialBytes?: number
  /** Give up when the header is larger than this (default 512 MiB). */
  maxBytes?: number
}

/**
 * Reads and parses the header of a GGUF file: it reads the first few MB and reads further only
 * when the metadata runs past them. Tensor data is never read.
 */
export async function readGgufHeader(
  file: string,
  opts: ReadHeaderOptions = {}
): Promise<GgufHeader & { sizeBytes: number }> {
  const handle = await open(file, 'r')
  try {
    const { size } = await handle.stat()
    const maxBytes = opts.maxBytes ?? 512 * 1024 * 1024
    let want = Math.min(size, opts.initialBytes ?? 4 * 1024 * 1024)
    let buf = Buffer.alloc(0)
    for (;;) {
      if (want > buf.length) {
        const more = Buffer.alloc(want - buf.length)
        const { bytesRead } = await handle.read(more, 0, more.length, buf.length)
        buf = Buffer.concat([buf, more.subarray(0, bytesRead)])
      }
      try {
        return { ...parse(buf, size), sizeBytes: size }
      } catch (err) {
        if (!(err instanceof NeedMoreData)) throw err
        if (buf.length >= maxBytes)
          throw new GgufError(
            `GGUF header is larger than ${maxBytes} bytes; refusing to read further`
          )
        want = Math.min(size, maxBytes, Math.max(err.needed, buf.length * 2))
      }
    }
  } finally {
    await handle.close()
  }
}
