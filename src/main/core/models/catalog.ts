/**
 * @module Recommended small models for llama.cpp, with the size and SHA-256 that downloads are
 * verified against.
 *
 * Provenance of the pinned values: Hugging Face shows them on each file page ("Git LFS Details")
 * and in the LFS pointer. They could not be read from huggingface.co directly here (no network);
 * they were taken from public sources that recorded them from Hugging Face, and the same values
 * appear in many independent projects. `qwen2.5-0.5b-instruct` is the file at revision
 * `9217f5db79a29953eb74d5343926648285ec7e67` of `Qwen/Qwen2.5-0.5B-Instruct-GGUF`. If a download
 * ever fails with "checksum mismatch", re-check the value on the file page before changing it.
 */
import { readFileSync } from 'node:fs'
import { fileNameFromUrl, hfToHttps } from './sources'

export interface CatalogEntry {
  /** Short name used on the command line and in the UI. */
  name: string
  description: string
  /** `hf://org/repo/path/file.gguf`. */
  url: string
  /** The local file name (the last part of the URL). */
  fileName: string
  sizeBytes: number
  /** Hex SHA-256 of the file; undefined when no trustworthy value is known. */
  sha256?: string
  parameters: string
  quantisation: string
  contextLength: number
  licence: string
}

export const CATALOG: readonly CatalogEntry[] = [
  {
    name: 'qwen2.5-0.5b-instruct',
    description:
      'Qwen2.5 0.5B Instruct: the smallest useful chat model; fast routing and short answers on any CPU',
    url: 'hf://Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf',
    fileName: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
    sizeBytes: 491_400_032,
    sha256: '74a4da8c9fdbcd15bd1f6d01d621410d31c6fc00986f5eb687824e7b93d7a9db',
    parameters: '0.5B',
    quantisation: 'Q4_K_M',
    contextLength: 32_768,
    licence: 'Apache-2.0'
  },
  {
    name: 'qwen2.5-1.5b-instruct',
    description: 'Qwen2.5 1.5B Instruct: better answers, still light (about 1.1 GB)',
    url: 'hf://Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf',
    fileName: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
    sizeBytes: 1_117_320_736,
    sha256: '6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e',
    parameters: '1.5B',
    quantisation: 'Q4_K_M',
    contextLength: 32_768,
    licence: 'Apache-2.0'
  }
]

/** The catalog entry with this name, or whose URL or file name is this. */
export function findCatalogEntry(nameOrUrl: string): CatalogEntry | undefined {
  const key = nameOrUrl.trim()
  return CATALOG.find(
    (e) => e.name === key || e.url === key || e.fileName === key || hfToHttps(e.url) === key
  )
}

/** A catalog model as the UI lists it (`models.catalog`), and as `LLMNET_CATALOG` holds them. */
export interface CatalogModel {
  name: string
  description: string
  /** What `models.pull` takes: an `hf://` or `http(s)://` URL. */
  source: string
  fileName: string
  sizeBytes: number
  /** Hex SHA-256 the download is checked against, when known. */
  sha256?: string
}

/** The catalog as the UI lists it. */
export function catalogModels(): CatalogModel[] {
  return CATALOG.map((e) => ({
    name: e.name,
    description: e.description,
    source: e.url,
    fileName: e.fileName,
    sizeBytes: e.sizeBytes,
    sha256: e.sha256
  }))
}

/**
 * The catalog, extended by the JSON file `LLMNET_CATALOG` names (a mirror, an offline install):
 * `{ "models": [{ name, description, source, sizeBytes, sha256? }] }` or the bare
 * array. An entry with a built-in's name replaces it. A file that cannot be read or parsed is
 * an error naming the file and the entry, so a typo is not silently ignored.
 */
export function catalogFor(env: NodeJS.ProcessEnv = process.env): CatalogModel[] {
  const file = env.LLMNET_CATALOG?.trim()
  const base = catalogModels()
  if (!file) return base
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new Error(
      `LLMNET_CATALOG (${file}) is not a readable JSON file: ${(err as Error).message}`,
      { cause: err }
    )
  }
  const list = Array.isArray(raw) ? raw : (raw as { models?: unknown } | null)?.models
  if (!Array.isArray(list))
    throw new Error(`LLMNET_CATALOG (${file}) must hold { "models": [...] } or an array`)
  const extra = list.map((e: unknown, i) => catalogEntry(e, `${file}: models[${i}]`))
  return [...extra, ...base.filter((b) => !extra.some((e) => e.name === b.name))]
}

function catalogEntry(value: unknown, at: string): CatalogModel {
  const e = (value ?? {}) as Record<string, unknown>
  const str = (key: string): string => {
    const v = e[key]
    if (typeof v !== 'string' || !v.trim())
      throw new Error(`${at}.${key} must be a non-empty string`)
    return v.trim()
  }
  const source = str('source')
  // The library stores a download under the URL's file name, whatever the entry says.
  const fileName = fileNameFromUrl(hfToHttps(source))
  if (!fileName) throw new Error(`${at}.source ${source} does not end in a file name`)
  if (typeof e.sizeBytes !== 'number' || !(e.sizeBytes >= 0))
    throw new Error(`${at}.sizeBytes must be a number of bytes`)
  if (e.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(String(e.sha256)))
    throw new Error(`${at}.sha256 must be 64 hex digits`)
  return {
    name: str('name'),
    description: typeof e.description === 'string' ? e.description : '',
    source,
    fileName,
    sizeBytes: e.sizeBytes,
    ...(e.sha256 ? { sha256: String(e.sha256).toLowerCase() } : {})
  }
}
