/**
 * @module What the models list shows of a GGUF file: architecture, name, parameter count,
 * quantisation (llama.cpp's file-type names, else the dominant tensor type) and context length,
 * from the header gguf-header.ts parses.
 */
import {
  type GgufHeader,
  type GgufTensorInfo,
  type GgufValue,
  readGgufHeader,
  type ReadHeaderOptions
} from './gguf-header'

/** What the models list shows about one GGUF file. */
export interface GgufModelInfo {
  version: number
  architecture?: string
  name?: string
  /** `general.parameter_count`, else the sum of all tensor element counts. */
  parameterCount: number
  /** Quantisation name such as `Q4_K_M`, `F16`, `F32` (from `general.file_type`, else the dominant tensor type). */
  quantisation?: string
  /** Raw `general.file_type`, when present. */
  fileType?: number
  /** `<architecture>.context_length`. */
  contextLength?: number
  tensorCount: number
  /** Size of the file on disk, in bytes. */
  sizeBytes: number
}

/** Names of llama.cpp's `llama_ftype` values (the `general.file_type` key). */
const FILE_TYPES: Record<number, string> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  4: 'Q4_1_SOME_F16',
  5: 'Q4_2',
  6: 'Q4_3',
  7: 'Q8_0',
  8: 'Q5_0',
  9: 'Q5_1',
  10: 'Q2_K',
  11: 'Q3_K_S',
  12: 'Q3_K_M',
  13: 'Q3_K_L',
  14: 'Q4_K_S',
  15: 'Q4_K_M',
  16: 'Q5_K_S',
  17: 'Q5_K_M',
  18: 'Q6_K',
  19: 'IQ2_XXS',
  20: 'IQ2_XS',
  21: 'Q2_K_S',
  22: 'IQ3_XS',
  23: 'IQ3_XXS',
  24: 'IQ1_S',
  25: 'IQ4_NL',
  26: 'IQ3_S',
  27: 'IQ3_M',
  28: 'IQ2_S',
  29: 'IQ2_M',
  30: 'IQ4_XS',
  31: 'IQ1_M',
  32: 'BF16',
  33: 'Q4_0_4_4',
  34: 'Q4_0_4_8',
  35: 'Q4_0_8_8',
  36: 'TQ1_0',
  37: 'TQ2_0',
  38: 'MXFP4_MOE'
}

/** Names of ggml tensor types, used when a file has no `general.file_type`. */
const TENSOR_TYPES: Record<number, string> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  6: 'Q5_0',
  7: 'Q5_1',
  8: 'Q8_0',
  9: 'Q8_1',
  10: 'Q2_K',
  11: 'Q3_K',
  12: 'Q4_K',
  13: 'Q5_K',
  14: 'Q6_K',
  15: 'Q8_K',
  16: 'IQ2_XXS',
  17: 'IQ2_XS',
  18: 'IQ3_XXS',
  19: 'IQ1_S',
  20: 'IQ4_NL',
  21: 'IQ3_S',
  22: 'IQ2_S',
  23: 'IQ4_XS',
  24: 'I8',
  25: 'I16',
  26: 'I32',
  27: 'I64',
  28: 'F64',
  29: 'IQ1_M',
  30: 'BF16',
  34: 'TQ1_0',
  35: 'TQ2_0',
  39: 'MXFP4'
}

/** The quantisation name of a `general.file_type` value (`15` → `Q4_K_M`). */
export function fileTypeName(fileType: number): string | undefined {
  return FILE_TYPES[fileType]
}

/** The name of a ggml tensor type (`0` → `F32`). */
export function tensorTypeName(type: number): string | undefined {
  return TENSOR_TYPES[type]
}

/** Thrown inside the parser when the buffer ends before the header does; the reader then reads more. */

function str(v: GgufValue | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

function num(v: GgufValue | undefined): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  if (typeof v === 'bigint') return Number(v)
  return undefined
}

/** The summary of a parsed header that the models list shows. */
export function summariseGguf(header: GgufHeader, sizeBytes: number): GgufModelInfo {
  const md = header.metadata
  const architecture = str(md.get('general.architecture'))
  let parameterCount = num(md.get('general.parameter_count'))
  if (parameterCount === undefined) {
    parameterCount = 0
    for (const t of header.tensors) parameterCount += t.dims.reduce((a, b) => a * b, 1)
  }
  const fileType = num(md.get('general.file_type'))
  let quantisation = fileType !== undefined ? fileTypeName(fileType) : undefined
  if (quantisation === undefined) quantisation = dominantTensorType(header.tensors)
  return {
    version: header.version,
    architecture,
    name: str(md.get('general.name')),
    parameterCount,
    quantisation,
    fileType,
    contextLength: architecture ? num(md.get(`${architecture}.context_length`)) : undefined,
    tensorCount: header.tensorCount,
    sizeBytes
  }
}

/** The ggml type holding the most elements, by name. */
function dominantTensorType(tensors: GgufTensorInfo[]): string | undefined {
  const counts = new Map<number, number>()
  for (const t of tensors)
    counts.set(t.type, (counts.get(t.type) ?? 0) + t.dims.reduce((a, b) => a * b, 1))
  let best: number | undefined
  for (const [type, n] of counts) if (best === undefined || n > (counts.get(best) ?? 0)) best = type
  return best === undefined ? undefined : tensorTypeName(best)
}

/** Reads a GGUF file's header and summarises it: architecture, parameters, quantisation, context length, size. */
export async function readGgufInfo(
  file: string,
  opts: ReadHeaderOptions = {}
): Promise<GgufModelInfo> {
  const header = await readGgufHeader(file, opts)
  return summariseGguf(header, header.sizeBytes)
}
