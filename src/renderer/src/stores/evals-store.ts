/**
 * @module Evaluation sets: the list (with each set's last run), one set's JSONL draft validated
 * as it is typed (the same parser main uses, so marks sit at the line main would refuse), saving,
 * adding a case from a trace, runs with live progress (`eval.progress`, `eval.done`), the run
 * history of a set and one run's stored report.
 */
import type { z } from 'zod'
import { createStore, type StoreApi } from 'zustand/vanilla'
import type {
  EvalRunSchema,
  EvalRunSummarySchema,
  EvalSetSummarySchema,
  EvalTarget
} from '../../../shared/contract/evals'
import type { PipelineDiagnostic } from '../lib/diagnostics'
import { onDemandModule } from '../lib/on-demand'
import { call, type StoreDeps } from './call'
import type { SliceCtx } from './slice'

export type EvalSetSummary = z.infer<typeof EvalSetSummarySchema>
export type EvalRunSummary = z.infer<typeof EvalRunSummarySchema>
export type EvalRun = z.infer<typeof EvalRunSchema>

export interface EvalDraft {
  name: string
  text: string
  /** The text as last loaded or saved; `text !== savedText` means unsaved changes. */
  savedText: string
  isNew: boolean
  diagnostics: PipelineDiagnostic[]
  /** Cases the text holds now (valid lines). */
  cases: number
}

/** A run started here and not finished yet. */
export interface ActiveRun {
  id: string
  set: string
  done: number
  total: number
  passed: number
}

export interface EvalsState {
  sets: EvalSetSummary[]
  loaded: boolean
  loading: boolean
  /** Why the list could not be loaded (shown in place of the list). */
  error: string | null
  draft: EvalDraft | null
  /** The open set's run history, newest first. */
  runs: EvalRunSummary[]
  active: ActiveRun | null
  /** The run shown in full. */
  run: EvalRun | null
  /** Stored versions by pipeline name (library pipelines have them; files have none). */
  versions: Record<string, number[]>
  loadVersions(pipeline: string): Promise<void>
  refresh(): Promise<void>
  open(name: string): Promise<void>
  newSet(name: string): void
  close(): void
  setText(text: string): void
  save(): Promise<boolean>
  remove(name: string): Promise<void>
  /** Appends a case from a trace; `route` corrects the expected route. */
  addCase(set: string, traceId: string, route?: string): Promise<boolean>
  start(target: EvalTarget, against?: EvalTarget): Promise<void>
  cancel(): Promise<void>
  loadRuns(set: string): Promise<void>
  openRun(id: string): Promise<void>
  closeRun(): void
  attach(): () => void
}

export type EvalsStore = StoreApi<EvalsState>

/**
 * The shared parser of evaluation cases (YAML and JSONC included): loaded when a set is first
 * opened or made, so it stays out of the first page's script.
 */
const parser = onDemandModule(() => import('../../../shared/eval/cases'))

/**
 * Diagnostics of a draft, from the shared parser; an empty text is an empty set, not an error.
 * Undefined until the parser has loaded (a draft exists only after it started loading).
 */
function check(text: string): { diagnostics: PipelineDiagnostic[]; cases: number } | undefined {
  const parse = parser.get()?.parseEvalCases
  if (!parse) return undefined
  const parsed = parse(text)
  return {
    diagnostics: parsed.diagnostics.map((d) => ({ ...d, path: [...d.path] })),
    cases: parsed.cases.length
  }
}

/** A stored set opened as the draft, checked. */
function storedDraft(name: string, text: string): EvalDraft {
  return { name, text, savedText: text, isNew: false, diagnostics: [], cases: 0, ...check(text) }
}

/** The draft's new text, checked as it is typed. */
function typed({ set, get }: Ctx, text: string): void {
  const draft = get().draft
  if (!draft) return
  const checked = check(text)
  set({ draft: { ...draft, text, ...checked } })
  // Typed before the parser arrived (just after a new set): checked once it has.
  if (!checked)
    void parser.load().then(() => {
      const now = get().draft
      if (now?.text === text) set({ draft: { ...now, ...check(text) } })
    })
}

/** The evaluation store. */
export function createEvalsStore(deps: StoreDeps): EvalsStore {
  const tracker: RunTracker = { starting: 0, ended: new Set() }
  return createStore<EvalsState>((set, get) => ({
    sets: [],
    loaded: false,
    loading: false,
    error: null,
    draft: null,
    runs: [],
    active: null,
    run: null,
    versions: {},
    ...setActions({ set, get, deps }),
    ...runActions({ set, get, deps }, tracker)
  }))
}

type Ctx = SliceCtx<EvalsState>

/**
 * A run's events can overtake the answer to `evals.run` (a small set ends in milliseconds):
 * while a start is in flight (`starting`), events of an unknown run are taken as its own, and
 * the runs that end meanwhile are kept in `ended`.
 */
interface RunTracker {
  starting: number
  ended: Set<string>
}

/** The sets: list, open or start one, edit, save, delete, add a case from a trace. */
function setActions({
  set,
  get,
  deps
}: Ctx): Pick<
  EvalsState,
  | 'loadVersions'
  | 'refresh'
  | 'open'
  | 'newSet'
  | 'close'
  | 'setText'
  | 'save'
  | 'remove'
  | 'addCase'
> {
  return {
    async loadVersions(pipeline) {
      // A quiet call: a watched-file pipeline has no versions, which is not an error to show.
      const res = await deps.platform.request('pipelines.versions', { name: pipeline })
      const list = res.ok ? res.data.versions.map((v) => v.version).sort((a, b) => b - a) : []
      set({ versions: { ...get().versions, [pipeline]: list } })
    },
    async refresh() {
      set({ loading: true })
      const res = await deps.platform.request('evals.list')
      if (res.ok) set({ sets: res.data.sets, loaded: true, loading: false, error: null })
      else set({ loading: false, loaded: true, error: res.error.message })
    },
    async open(name) {
      const [data] = await Promise.all([
        call(deps, `Could not open the set ${name}`, 'evals.get', { name }),
        parser.load()
      ])
      if (!data) return
      set({
        draft: storedDraft(name, data.text),
        run: null
      })
      await get().loadRuns(name)
    },
    newSet(name) {
      // An existing name opens that set: a blank draft saved over it would lose its cases.
      if (get().sets.some((x) => x.name === name)) return void get().open(name)
      void parser.load()
      set({
        draft: { name, text: '', savedText: '', isNew: true, diagnostics: [], cases: 0 },
        runs: [],
        run: null
      })
    },
    close() {
      set({ draft: null, runs: [], run: null })
    },
    setText(text) {
      typed({ set, get, deps }, text)
    },
    async save() {
      const draft = get().draft
      if (!draft) return false
      const res = await deps.platform.request('evals.save', { name: draft.name, text: draft.text })
      if (!res.ok) {
        const diagnostics = (res.error.details?.diagnostics ?? null) as PipelineDiagnostic[] | null
        if (diagnostics) set({ draft: { ...draft, diagnostics } })
        deps.toasts.getState().error(res.error, `Could not save ${draft.name}`)
        return false
      }
      const now = get().draft
      if (now?.name === draft.name)
        set({ draft: { ...now, savedText: draft.text, isNew: false, cases: res.data.cases } })
      deps.toasts.getState().push('info', `Saved ${draft.name} (${res.data.cases} cases)`)
      await get().refresh()
      return true
    },
    async remove(name) {
      const data = await call(deps, `Could not delete ${name}`, 'evals.delete', { name })
      if (!data) return
      if (get().draft?.name === name) get().close()
      await get().refresh()
    },
    async addCase(setName, traceId, route) {
      const data = await call(deps, 'Could not add the case', 'evals.add_case', {
        set: setName,
        traceId,
        ...(route ? { route } : {})
      })
      if (!data) return false
      deps.toasts
        .getState()
        .push('info', `Added ${data.id} to ${data.set} (line ${data.line}, ${data.cases} cases)`)
      await get().refresh()
      if (get().draft?.name === setName && get().draft?.text === get().draft?.savedText)
        await get().open(setName)
      return true
    }
  }
}

/** Runs: start and cancel one, follow its progress events, the history and one run's report. */
function runActions(
  { set, get, deps }: Ctx,
  tracker: RunTracker
): Pick<EvalsState, 'start' | 'cancel' | 'loadRuns' | 'openRun' | 'closeRun' | 'attach'> {
  return {
    async start(target, against) {
      const draft = get().draft
      if (!draft) return
      tracker.starting++
      const data = await call(deps, 'Could not start the run', 'evals.run', {
        set: draft.name,
        target,
        ...(against ? { against } : {})
      }).finally(() => tracker.starting--)
      if (!data) return
      if (tracker.ended.has(data.id)) {
        // It finished before its id came back: show it, as `eval.done` would have.
        set({ active: null })
        await Promise.all([get().loadRuns(draft.name), get().openRun(data.id)])
        return
      }
      // Progress may have arrived before this answer: keep what it says.
      const seen = get().active
      set({
        active:
          seen?.id === data.id
            ? seen
            : { id: data.id, set: draft.name, done: 0, total: data.total, passed: 0 },
        run: null
      })
      await get().loadRuns(draft.name)
    },
    async cancel() {
      const active = get().active
      if (active) await call(deps, 'Could not cancel the run', 'evals.cancel', { id: active.id })
    },
    async loadRuns(name) {
      const data = await call(deps, 'Could not list runs', 'evals.runs', { set: name, limit: 50 })
      if (data && get().draft?.name === name) set({ runs: data.runs })
    },
    async openRun(id) {
      const data = await call(deps, 'Could not open the run', 'evals.run_get', { id })
      if (data) set({ run: data })
    },
    closeRun() {
      set({ run: null })
    },
    attach() {
      const offProgress = deps.platform.on('eval.progress', (p) => {
        const active = get().active
        if (active ? active.id !== p.id : tracker.starting === 0) return
        const setName = active?.set ?? get().draft?.name ?? ''
        set({ active: { id: p.id, set: setName, done: p.done, total: p.total, passed: p.passed } })
      })
      const offDone = deps.platform.on('eval.done', (summary) => {
        const mine = get().active?.id === summary.id
        if (tracker.starting > 0) tracker.ended.add(summary.id)
        if (mine) set({ active: null })
        void get().refresh()
        if (get().draft?.name === summary.set) {
          void get().loadRuns(summary.set)
          if (mine) void get().openRun(summary.id)
        }
      })
      return () => {
        offProgress()
        offDone()
      }
    }
  }
}
