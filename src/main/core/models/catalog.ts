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
import { hfToHttps } from './sources'

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
