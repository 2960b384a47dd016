/**
 * @module Model discovery routes: Hugging Face search, a repository's GGUF files, whether a model
 * fits this machine, and a hub download through the models library (resume, LFS SHA-256). Thin
 * over core/models/huggingface.ts and core/models/fit.ts.
 */
import type { z } from 'zod'
import type { HubFileSchema } from '../../../shared/contract/models'
import { AppError } from '../../core/errors'
import { catalogFor } from '../../core/models/catalog'
import { fitModel, machineMemory } from '../../core/models/fit'
import {
  DEFAULT_HF_ENDPOINT,
  downloadableFile,
  HubError,
  type HubFile,
  HuggingFaceHub
} from '../../core/models/huggingface'
import { fileNameFromUrl } from '../../core/models/sources'
import type { ModelsDeps } from './models-deps'
import type { DomainHandlers } from './types'

type DiscoverRoutes =
  'models.search' | 'models.files' | 'models.machine' | 'models.fit' | 'models.download'

/** Starts a tracked download (the models handlers' pull list). */
export type StartPull = (
  source: string,
  run: (signal: AbortSignal, report: (done: number, total?: number) => void) => Promise<void>
) => string

/** A hub failure as the contract's error: unreachable or failing hub is upstream_error (502). */
function asAppError(err: unknown): never {
  if (err instanceof HubError)
    throw new AppError(err.code === 'not_found' ? 'not_found' : 'upstream_error', err.message, {
      cause: err
    })
  throw err
}

export function discoverHandlers(
  deps: ModelsDeps,
  startPull: StartPull
): Pick<DomainHandlers<'models'>, DiscoverRoutes> {
  const hub = (): HuggingFaceHub => HuggingFaceHub.fromEnv(deps.env)
  /** What a composition names: `hf://repo/path` on huggingface.co, else the mirror's URL. */
  const describe = (
    h: HuggingFaceHub,
    repo: string,
    f: HubFile
  ): z.infer<typeof HubFileSchema> => ({
    path: f.path,
    sizeBytes: f.sizeBytes,
    sha256: f.sha256,
    quantisation: f.quantisation,
    split: f.split,
    projector: f.projector,
    source: h.endpoint === DEFAULT_HF_ENDPOINT ? `hf://${repo}/${f.path}` : f.url,
    fileName: fileNameFromUrl(f.url) ?? f.path
  })

  return {
    async 'models.search'(input) {
      const h = hub()
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
    },
    async 'models.files'(input) {
      const h = hub()
      const files = await h.files(input.repo).catch(asAppError)
      return { repo: input.repo, files: files.map((f) => describe(h, input.repo, f)) }
    },
    async 'models.machine'() {
      return machineMemory()
    },
    async 'models.fit'(input) {
      const h = hub()
      const signal = AbortSignal.timeout(20_000)
      if (input.catalog !== undefined) {
        const entry = catalogFor(deps.env).find((m) => m.name === input.catalog)
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
      return fitModel({
        url: file.url,
        headers: h.authHeaders(),
        sizeBytes: file.sizeBytes,
        signal
      })
    },
    async 'models.download'(input) {
      const h = hub()
      const file = await downloadableFile(h, input.repo, input.path).catch(asAppError)
      const { source } = describe(h, input.repo, file)
      const pullId = startPull(source, async (signal, report) => {
        await deps.library.ensure(file.url, {
          signal,
          headers: h.authHeaders(),
          ...(file.sha256 ? { sha256: file.sha256 } : {}),
          onProgress: (p) => report(p.received, p.total ?? file.sizeBytes)
        })
      })
      return { pullId, source }
    }
  }
}
