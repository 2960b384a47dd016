/**
 * @module Model discovery: Hugging Face search (offline said plainly), a repository's GGUF files,
 * whether each fits this machine, downloads (progress through the models store), and the two
 * ways to use a model: a new 1-0-1 pipeline, or an expert added to a router pipeline.
 */
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { OutputOf } from '../../../shared/contract/routes'
import { call, type StoreDeps } from './call'
import type { SliceCtx } from './slice'
import type { ModelsStore } from './models-store'
import type { PipelinesStore } from './pipelines-store'

/** Writing compositions (YAML and JSONC included), loaded when a model is first used. */
const composing = () => import('../../../shared/config/add-expert')

export type HubRepo = OutputOf<'models.search'>['repos'][number]
export type HubFile = OutputOf<'models.files'>['files'][number]
export type Fit = OutputOf<'models.fit'>
export type Machine = OutputOf<'models.machine'>

/** A fit's key: `repo/path` for a hub file, `catalog:name` for a catalog model. */
export const fitKey = (repo: string, path: string): string => `${repo}/${path}`

export interface DiscoverState {
  query: string
  searching: boolean
  /** Whether a search answered (the empty state differs before). */
  searched: boolean
  /** Why the hub could not be reached, when it could not. */
  offline: string | null
  endpoint: string | null
  repos: HubRepo[]
  /** The repository whose files are shown. */
  repo: string | null
  files: HubFile[]
  filesLoading: boolean
  filesError: string | null
  fits: Record<string, Fit | 'loading' | 'failed'>
  machine: Machine | null
  /** Download ids by fit key. */
  downloads: Record<string, string>
  search(query: string): Promise<void>
  open(repo: string): Promise<void>
  close(): void
  loadMachine(): Promise<void>
  fit(repo: string, path: string): Promise<void>
  fitCatalog(name: string): Promise<void>
  download(repo: string, file: HubFile): Promise<void>
  /** Saves a 1-0-1 pipeline on the file; returns its name. */
  useInNewPipeline(file: HubFile): Promise<string | null>
  /** Adds the file as an expert of `pipeline`'s router; returns whether it was saved. */
  addAsExpert(pipeline: string, file: HubFile, name: string, useCase: string): Promise<boolean>
}

export type DiscoverStore = StoreApi<DiscoverState>

/** The discovery store. */
export function createDiscoverStore(
  deps: StoreDeps,
  models: ModelsStore,
  pipelines: PipelinesStore
): DiscoverStore {
  const search = { seq: 0 }
  return createStore<DiscoverState>((set, get) => ({
    query: '',
    searching: false,
    searched: false,
    offline: null,
    endpoint: null,
    repos: [],
    repo: null,
    files: [],
    filesLoading: false,
    filesError: null,
    fits: {},
    machine: null,
    downloads: {},
    ...hubActions({ set, get, deps }, search),
    ...fileActions({ set, get, deps }, models, pipelines)
  }))
}

type Ctx = SliceCtx<DiscoverState>

/**
 * The hub: search (`search.seq` numbers the searches, so only the latest one's answer lands), a
 * repository's files, and whether each fits this machine.
 */
function hubActions(
  { set, get, deps }: Ctx,
  search: { seq: number }
): Pick<DiscoverState, 'search' | 'open' | 'close' | 'loadMachine' | 'fit' | 'fitCatalog'> {
  const setFit = (key: string, value: Fit | 'loading' | 'failed'): void =>
    set({ fits: { ...get().fits, [key]: value } })
  const fitWith = async (key: string, input: Parameters<typeof deps.platform.request>[1]) => {
    const known = get().fits[key]
    if (known === 'loading' || typeof known === 'object') return // judged once per session
    setFit(key, 'loading')
    const res = await deps.platform.request('models.fit', input as never)
    setFit(key, res.ok ? res.data : 'failed')
  }
  return {
    async search(query) {
      const seq = ++search.seq
      set({ query, searching: true })
      const data = await call(deps, 'Could not search Hugging Face', 'models.search', { query })
      if (seq !== search.seq) return // a newer search is under way
      set({
        searching: false,
        searched: true,
        ...(data
          ? { offline: data.offline, endpoint: data.endpoint, repos: data.repos }
          : { repos: [] })
      })
    },
    async open(repo) {
      set({ repo, files: [], filesLoading: true, filesError: null })
      const res = await deps.platform.request('models.files', { repo })
      if (get().repo !== repo) return
      if (!res.ok) return set({ filesLoading: false, filesError: res.error.message })
      set({ filesLoading: false, files: res.data.files })
      // Fit is judged for every downloadable file, two header reads at a time (a header with
      // a large vocabulary is a few MB; a repository may hold dozens of quantisations).
      const queue = res.data.files.filter((f) => !f.split && !f.projector)
      const worker = async (): Promise<void> => {
        for (let f = queue.shift(); f && get().repo === repo; f = queue.shift())
          await get().fit(repo, f.path)
      }
      void Promise.all([worker(), worker()])
    },
    close() {
      set({ repo: null, files: [], filesError: null })
    },
    async loadMachine() {
      const res = await deps.platform.request('models.machine')
      if (res.ok) set({ machine: res.data })
    },
    fit: (repo, path) => fitWith(fitKey(repo, path), { repo, path }),
    fitCatalog: (name) => fitWith(`catalog:${name}`, { catalog: name })
  }
}

/** Using a file: download it (its progress shows in the models store), or save a pipeline on it. */
function fileActions(
  { set, get, deps }: Ctx,
  models: ModelsStore,
  pipelines: PipelinesStore
): Pick<DiscoverState, 'download' | 'useInNewPipeline' | 'addAsExpert'> {
  return {
    async download(repo, file) {
      const data = await call(deps, `Could not download ${file.path}`, 'models.download', {
        repo,
        path: file.path
      })
      if (!data) return
      set({ downloads: { ...get().downloads, [fitKey(repo, file.path)]: data.pullId } })
      const pulls = models.getState().pulls
      if (!pulls.some((p) => p.pullId === data.pullId))
        models.setState({
          pulls: [
            ...pulls,
            {
              pullId: data.pullId,
              source: data.source,
              state: 'running',
              completedBytes: 0,
              totalBytes: file.sizeBytes,
              error: null
            }
          ]
        })
    },
    async useInNewPipeline(file) {
      const { pipelineNameFor, singleModelComposition } = await composing()
      const taken = pipelines.getState().list.map((p) => p.name)
      const name = pipelineNameFor(file.fileName, taken)
      const saved = await call(deps, 'Could not create the pipeline', 'pipelines.save', {
        name,
        text: singleModelComposition(
          file.source,
          `Created from Models → Discover: ${file.fileName} answers every request.`
        ),
        format: 'json',
        message: `created from Discover on ${file.fileName}`
      })
      if (!saved) return null
      await pipelines.getState().refresh()
      return name
    },
    async addAsExpert(pipeline, file, name, useCase) {
      const current = await call(deps, `Could not read ${pipeline}`, 'pipelines.get', {
        name: pipeline
      })
      if (!current) return false
      const { addExpert } = await composing()
      let text: string
      try {
        text = addExpert(current.text, current.format, { name, useCase, source: file.source })
      } catch (err) {
        deps.toasts.getState().push('error', `Could not add the expert: ${(err as Error).message}`)
        return false
      }
      const saved = await call(deps, `Could not save ${pipeline}`, 'pipelines.save', {
        name: pipeline,
        text,
        format: current.format,
        message: `expert ${name} (${file.fileName}) added from Discover`
      })
      if (saved) await pipelines.getState().refresh()
      return !!saved
    }
  }
}
