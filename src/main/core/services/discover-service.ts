/**
 * @module Model discovery: Hugging Face search, a repository's GGUF files, whether a model fits
 * this machine, and a hub download through the models library (resume, LFS SHA-256) tracked with
 * the other downloads. Over core/models/huggingface.ts and core/models/fit.ts.
 */
import type { InputOf, OutputOf } from '../../../shared/contract/routes'
import { AppError } from '../errors'
import { catalogFor } from '../models/catalog'
import { fitModel, machineMemory } from '../models/fit'
import {
  DEFAULT_HF_ENDPOINT,
  downloadableFile,
  HubError,
  type HubFile,
  HuggingFaceHub
} from '../models/huggingface'
import type { ModelLibrary } from '../models/library'
import { fileNameFromUrl } from '../models/sources'
import type { ModelPulls } from './model-pulls'

type DescribedFile = OutputOf<'models.files'>['files'][number]

export interface DiscoverServiceDeps {
  library: ModelLibrary
  /** The downloads of this session (shared with the models service's pulls). */
  pulls: ModelPulls
  /** Read per call: `LLMNET_HF_ENDPOINT`, `HF_TOKEN`, `LLMNET_CATALOG`. */
  env: NodeJS.ProcessEnv
}

export class DiscoverService {
  constructor(private readonly deps: DiscoverServiceDeps) {}

  /** GGUF repositories matching `query`; an unreachable hub is `offline`, not an error. */
  async search(input: InputOf<'models.search'>): Promise<OutputOf<'models.search'>> {
    const h = this.hub()
    try {
      return {
        endpoint: h.endpoint,
        offline: null,
        repos: await h.search(input.query, input.limit ?? 20)
      }
    } catch (err) {
      if (err instanceof HubError && err.code === 'offline')
        return { endpoint: h.endpoint, offline: err.message, repos: [] }
      return asAppError(err)
    }
  }

  async files(repo: string): Promise<OutputOf<'models.files'>> {
    const h = this.hub()
    const files = await h.files(repo).catch(asAppError)
    return { repo, files: files.map((f) => describe(h, repo, f)) }
  }

  machine(): Promise<OutputOf<'models.machine'>> {
    return machineMemory()
  }

  /** Judges a catalog model or a repository's file against this machine's memory. */
  async fit(input: InputOf<'models.fit'>): Promise<OutputOf<'models.fit'>> {
    const h = this.hub()
    const signal = AbortSignal.timeout(20_000)
    if (input.catalog !== undefined) {
      const entry = catalogFor(this.deps.env).find((m) => m.name === input.catalog)
      if (!entry)
        throw new AppError('not_found', `catalog: no catalog model named "${input.catalog}"`, {
          param: 'catalog'
        })
      const hf = /^(?:hf|huggingface):\/\/([^/]+\/[^/]+)\/(.+)$/i.exec(entry.source)
      const url = hf ? h.fileUrl(hf[1]!, hf[2]!) : entry.source
      return fitModel({ url, headers: h.authHeaders(), sizeBytes: entry.sizeBytes, signal })
    }
    const { repo = '', path = '' } = input
    const file = (await h.files(repo).catch(asAppError)).find((f) => f.path === path)
    if (!file)
      throw new AppError('not_found', `path: ${repo} has no GGUF file ${path}`, {
        param: 'path'
      })
    return fitModel({ url: file.url, headers: h.authHeaders(), sizeBytes: file.sizeBytes, signal })
  }

  /** Starts a hub file's download into the library, checked against its LFS SHA-256. */
  async download(input: InputOf<'models.download'>): Promise<OutputOf<'models.download'>> {
    const h = this.hub()
    const file = await downloadableFile(h, input.repo, input.path).catch(asAppError)
    const { source } = describe(h, input.repo, file)
    const pullId = this.deps.pulls.start(source, async (signal, report) => {
      await this.deps.library.ensure(file.url, {
        signal,
        headers: h.authHeaders(),
        ...(file.sha256 ? { sha256: file.sha256 } : {}),
        onProgress: (p) => report(p.received, p.total ?? file.sizeBytes)
      })
    })
    return { pullId, source }
  }

  private hub(): HuggingFaceHub {
    return HuggingFaceHub.fromEnv(this.deps.env)
  }
}

/** What a composition names: `hf://repo/path` on huggingface.co, else the mirror's URL. */
function describe(h: HuggingFaceHub, repo: string, f: HubFile): DescribedFile {
  return {
    path: f.path,
    sizeBytes: f.sizeBytes,
    sha256: f.sha256,
    quantisation: f.quantisation,
    split: f.split,
    projector: f.projector,
    source: h.endpoint === DEFAULT_HF_ENDPOINT ? `hf://${repo}/${f.path}` : f.url,
    fileName: fileNameFromUrl(f.url) ?? f.path
  }
}

/** A hub failure as the contract's error: an unreachable or failing hub is upstream_error (502). */
function asAppError(err: unknown): never {
  if (err instanceof HubError)
    throw new AppError(err.code === 'not_found' ? 'not_found' : 'upstream_error', err.message, {
      cause: err
    })
  throw err
}
