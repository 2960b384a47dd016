/**
 * @module Model discovery on Hugging Face through its documented HTTP API: GGUF repositories by
 * search (`GET /api/models?search=…&filter=gguf&sort=downloads`), a repository's files with sizes
 * and LFS SHA-256 (`GET /api/models/{repo}/tree/main`), and each file's download URL
 * (`/{repo}/resolve/main/{path}`). The base URL is `LLMNET_HF_ENDPOINT` (else huggingface_hub's
 * `HF_ENDPOINT`, else https://huggingface.co), so a mirror or a test double can stand in.
 * An unreachable hub is a {@link HubError} `offline`, which the UI shows as such.
 */
import { CodedError } from '../errors'

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co'

/** The hub's base URL: `LLMNET_HF_ENDPOINT`, else `HF_ENDPOINT`, else huggingface.co. */
export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.LLMNET_HF_ENDPOINT?.trim() || env.HF_ENDPOINT?.trim() || DEFAULT_HF_ENDPOINT
  return raw.replace(/\/+$/, '')
}

export type HubErrorCode = 'offline' | 'not_found' | 'http_error' | 'bad_response'

/** A failed hub call; `offline` when the hub could not be reached at all. */
export class HubError extends CodedError<HubErrorCode> {
  override readonly name = 'HubError'
}

/** A GGUF repository as a search lists it. */
export interface HubRepo {
  id: string
  downloads: number
  likes: number
  /** ISO date of the last change, when the hub said. */
  updatedAt: string | null
  /** Whether downloads need an accepted licence (`gated` is `auto` or `manual`). */
  gated: boolean
}

/** One `.gguf` file of a repository. */
export interface HubFile {
  path: string
  sizeBytes: number
  /** The LFS object id: the SHA-256 of the content (null for a file not in LFS). */
  sha256: string | null
  /** Parsed from the file name (`Q4_K_M`, `IQ2_XS`, `F16`…), null when the name has none. */
  quantisation: string | null
  /** `-00001-of-00003.gguf`: part 1 of 3. Only single files can be downloaded. */
  split: { part: number; of: number } | null
  /** A multimodal projector (`mmproj-*.gguf`), not a language model by itself. */
  projector: boolean
  url: string
}

/** Quantisation names llama.cpp and the hub's uploaders put in GGUF file names. */
const QUANT =
  /(?<![A-Za-z0-9])(I?Q[1-8]_(?:K_(?:XXS|XS|S|M|L|XL)|K|[01]|NL|XXS|XS|S|M|L)|TQ[12]_0|BF16|F16|F32|MXFP4(?:_MOE)?)(?![A-Za-z0-9])/i

/** The quantisation a GGUF file name states (`qwen2.5-0.5b-instruct-q4_k_m.gguf` → `Q4_K_M`). */
export function parseQuantisation(fileName: string): string | null {
  const base = fileName.split('/').at(-1) ?? fileName
  const m = QUANT.exec(base)
  return m?.[1] ? m[1].toUpperCase() : null
}

const SPLIT = /-(\d{5})-of-(\d{5})\.gguf$/i

/** Options of {@link HuggingFaceHub}. */
export interface HubOptions {
  endpoint?: string
  /** `HF_TOKEN`: sent as a bearer token (gated and private repositories). */
  token?: string
  /** Per-request time limit (default 15 s). */
  timeoutMs?: number
}

/** A client of the hub's model API. */
export class HuggingFaceHub {
  readonly endpoint: string
  private readonly token: string | undefined
  private readonly timeoutMs: number

  constructor(opts: HubOptions = {}) {
    this.endpoint = (opts.endpoint ?? DEFAULT_HF_ENDPOINT).replace(/\/+$/, '')
    this.token = opts.token || undefined
    this.timeoutMs = opts.timeoutMs ?? 15_000
  }

  /** A client configured from the environment (`LLMNET_HF_ENDPOINT`, `HF_TOKEN`). */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): HuggingFaceHub {
    return new HuggingFaceHub({ endpoint: hubEndpoint(env), token: env.HF_TOKEN?.trim() })
  }

  /** Headers for file requests (downloads and header reads). */
  authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {}
  }

  /** GGUF repositories matching `query`, most downloaded first. */
  async search(query: string, limit = 20): Promise<HubRepo[]> {
    const params = new URLSearchParams({
      search: query.trim(),
      filter: 'gguf',
      sort: 'downloads',
      direction: '-1',
      limit: String(Math.max(1, Math.min(100, Math.floor(limit))))
    })
    const body = await this.getJson(`/api/models?${params}`, 'the model search')
    if (!Array.isArray(body)) throw new HubError('bad_response', 'the model search is not a list')
    return body.flatMap((raw: unknown): HubRepo[] => {
      const m = (raw ?? {}) as Record<string, unknown>
      const id = typeof m.id === 'string' ? m.id : typeof m.modelId === 'string' ? m.modelId : ''
      if (!id) return []
      return [
        {
          id,
          downloads: typeof m.downloads === 'number' ? m.downloads : 0,
          likes: typeof m.likes === 'number' ? m.likes : 0,
          updatedAt: typeof m.lastModified === 'string' ? m.lastModified : null,
          gated: m.gated === 'auto' || m.gated === 'manual' || m.gated === true
        }
      ]
    })
  }

  /** The `.gguf` files of `repo` (all folders), largest quantisation last. */
  async files(repo: string): Promise<HubFile[]> {
    const id = checkRepoId(repo)
    const body = await this.getJson(
      `/api/models/${id}/tree/main?recursive=true`,
      `the files of ${id}`
    )
    if (!Array.isArray(body))
      throw new HubError('bad_response', `the file list of ${id} is not a list`)
    const files = body.flatMap((raw: unknown): HubFile[] => {
      const e = (raw ?? {}) as Record<string, unknown>
      if (e.type !== 'file' || typeof e.path !== 'string' || !/\.gguf$/i.test(e.path)) return []
      const lfs = (e.lfs ?? null) as { oid?: unknown; size?: unknown } | null
      const size =
        typeof lfs?.size === 'number' ? lfs.size : typeof e.size === 'number' ? e.size : 0
      const oid = typeof lfs?.oid === 'string' && /^[0-9a-f]{64}$/i.test(lfs.oid) ? lfs.oid : null
      const split = SPLIT.exec(e.path)
      return [
        {
          path: e.path,
          sizeBytes: size,
          sha256: oid ? oid.toLowerCase() : null,
          quantisation: parseQuantisation(e.path),
          split: split ? { part: Number(split[1]), of: Number(split[2]) } : null,
          projector: /(^|\/)mmproj/i.test(e.path),
          url: this.fileUrl(id, e.path)
        }
      ]
    })
    return files.sort((a, b) => a.sizeBytes - b.sizeBytes)
  }

  /** Where a file is downloaded from: `{endpoint}/{repo}/resolve/main/{path}`. */
  fileUrl(repo: string, filePath: string): string {
    const encoded = filePath.split('/').map(encodeURIComponent).join('/')
    return `${this.endpoint}/${checkRepoId(repo)}/resolve/main/${encoded}`
  }

  private async getJson(pathAndQuery: string, what: string): Promise<unknown> {
    let res: Response
    try {
      res = await fetch(`${this.endpoint}${pathAndQuery}`, {
        headers: { accept: 'application/json', ...this.authHeaders() },
        signal: AbortSignal.timeout(this.timeoutMs)
      })
    } catch (err) {
      throw new HubError(
        'offline',
        `Hugging Face (${this.endpoint}) cannot be reached: ${causeOf(err)}`,
        { cause: err }
      )
    }
    if (res.status === 404 || res.status === 401)
      throw new HubError('not_found', `${what}: not found on ${this.endpoint}`)
    if (!res.ok)
      throw new HubError('http_error', `${what}: ${this.endpoint} answered ${res.status}`)
    try {
      return await res.json()
    } catch (err) {
      throw new HubError('bad_response', `${what}: the answer is not JSON`, { cause: err })
    }
  }
}

/** `owner/name`, as the hub spells repository ids; anything else is refused by name. */
export function checkRepoId(repo: string): string {
  const id = repo.trim()
  if (!/^[A-Za-z0-9][\w.-]{0,95}\/[A-Za-z0-9][\w.-]{0,95}$/.test(id) || id.includes('..'))
    throw new HubError('not_found', `"${repo}" is not a Hugging Face repository id (owner/name)`)
  return id
}

function causeOf(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (e.name === 'TimeoutError') return 'timed out'
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err)
}

/**
 * The file `filePath` of `repo`, checked downloadable as one model: a part of a split model or a
 * multimodal projector is refused by name (the library stores single GGUF files).
 */
export async function downloadableFile(
  hub: HuggingFaceHub,
  repo: string,
  filePath: string
): Promise<HubFile> {
  const files = await hub.files(repo)
  const file = files.find((f) => f.path === filePath)
  if (!file) throw new HubError('not_found', `${repo} has no GGUF file ${filePath}`)
  if (file.split)
    throw new HubError(
      'not_found',
      `${filePath} is part ${file.split.part} of ${file.split.of} of a split model; llmnet downloads single-file models`
    )
  if (file.projector)
    throw new HubError('not_found', `${filePath} is a vision projector, not a language model`)
  return file
}
