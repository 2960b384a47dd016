/**
 * @module Pipelines: the list (kept fresh by pipeline events), the editor's draft with debounced
 * `pipelines.validate`, saving (with a confirmation when the text runs programs), versions,
 * diff and restore, and the examples gallery.
 */
import type { z } from 'zod'
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { OutputOf } from '../../../shared/contract/routes'
import type { PipelineSummarySchema } from '../../../shared/contract/pipelines'
import type { RiskyFunction } from '../lib/composition'
import type { PipelineDiagnostic } from '../lib/diagnostics'
import { call, type StoreDeps } from './call'
import type { SliceCtx } from './slice'

export type PipelineSummary = z.infer<typeof PipelineSummarySchema>
export type Format = 'json' | 'yaml'
export type VersionInfo = OutputOf<'pipelines.versions'>['versions'][number]

/** A bundled example for the gallery. */
export type Example = OutputOf<'pipelines.examples'>['examples'][number]

export interface Draft {
  name: string
  text: string
  format: Format
  /** The text as last loaded or saved; `text !== savedText` means unsaved changes. */
  savedText: string
  /** Whether the pipeline exists in the library yet. */
  isNew: boolean
  diagnostics: PipelineDiagnostic[]
  validating: boolean
}

export interface PipelinesState {
  list: PipelineSummary[]
  loaded: boolean
  draft: Draft | null
  versions: VersionInfo[]
  examples: Example[]
  /** null: not asked yet (the gallery asks once). */
  examplesSource: 'route' | 'failed' | null
  /** Set when a save waits for the person to confirm what it will run. */
  confirm: { functions: RiskyFunction[]; key: string } | null
  /** Served texts by pipeline name, for graphs outside the editor (chat, requests). */
  texts: Record<string, { text: string; format: Format }>
  loadText(name: string): Promise<void>
  refresh(): Promise<void>
  open(name: string): Promise<void>
  newDraft(name: string, text: string, format: Format): void
  setText(text: string): void
  setFormat(format: Format): void
  setName(name: string): void
  validateNow(): Promise<void>
  /** Saves the draft; `confirmedKey` is the `confirm.key` the person agreed to. */
  save(opts?: { message?: string; confirmedKey?: string }): Promise<'saved' | 'confirm' | 'failed'>
  cancelConfirm(): void
  setDefault(name: string): Promise<void>
  setEnabled(name: string, enabled: boolean): Promise<void>
  remove(name: string): Promise<void>
  loadVersions(name: string): Promise<void>
  versionText(name: string, version: number): Promise<string | null>
  diff(name: string, from: number, to?: number): Promise<string | null>
  restore(name: string, version: number): Promise<void>
  loadExamples(): Promise<void>
  attach(): () => void
}

export type PipelinesStore = StoreApi<PipelinesState>

export interface PipelinesOptions {
  /** Delay before validating after an edit; tests call `validateNow` instead. */
  debounceMs?: number
  onListAnswered?: () => void
}

/** The pipelines store. */
export function createPipelinesStore(deps: StoreDeps, opts: PipelinesOptions = {}): PipelinesStore {
  const editor: EditorTimer = { timer: undefined, seq: 0 }
  return createStore<PipelinesState>((set, get) => {
    const ctx: Ctx = { set, get, deps }
    return {
      list: [],
      loaded: false,
      draft: null,
      versions: [],
      examples: [],
      examplesSource: null,
      confirm: null,
      texts: {},
      ...listActions(ctx, opts, editor),
      ...draftActions(ctx, opts, editor),
      ...saveActions(ctx),
      ...versionActions(ctx)
    }
  })
}

type Ctx = SliceCtx<PipelinesState>

/** The editor's pending validation: its debounce timer, and the number of the latest run. */
interface EditorTimer {
  timer: ReturnType<typeof setTimeout> | undefined
  seq: number
}

/** The list, served texts for graphs, per-pipeline switches, and the events that refresh them. */
function listActions(
  { set, get, deps }: Ctx,
  opts: PipelinesOptions,
  editor: EditorTimer
): Pick<
  PipelinesState,
  'loadText' | 'refresh' | 'setDefault' | 'setEnabled' | 'remove' | 'attach'
> {
  return {
    async loadText(name) {
      const res = await deps.platform.request('pipelines.get', { name })
      if (res.ok)
        set({
          texts: { ...get().texts, [name]: { text: res.data.text, format: res.data.format } }
        })
    },
    async refresh() {
      const data = await call(deps, 'Could not list pipelines', 'pipelines.list')
      set({ loaded: true, ...(data ? { list: data.pipelines } : {}) })
      opts.onListAnswered?.()
    },
    async setDefault(name) {
      if (await call(deps, `Could not make ${name} the default`, 'pipelines.set_default', { name }))
        await get().refresh()
    },
    async setEnabled(name, enabled) {
      const data = await call(deps, `Could not change ${name}`, 'pipelines.set_enabled', {
        name,
        enabled
      })
      if (data) set({ list: get().list.map((p) => (p.name === name ? data : p)) })
    },
    async remove(name) {
      if (!(await call(deps, `Could not remove ${name}`, 'pipelines.remove', { name }))) return
      if (get().draft?.name === name) set({ draft: null, versions: [] })
      await get().refresh()
    },
    attach() {
      const refresh = (): void => void get().refresh()
      const offs = [
        deps.platform.on('pipeline.loaded', (e) => {
          refresh()
          if (get().texts[e.name]) void get().loadText(e.name)
        }),
        deps.platform.on('pipeline.removed', refresh),
        deps.platform.on('pipeline.reload_failed', (e) => {
          deps.toasts.getState().push('error', `${e.name} failed to reload: ${e.errors[0] ?? ''}`)
          refresh()
        }),
        deps.platform.on('settings.changed', refresh)
      ]
      return () => {
        clearTimeout(editor.timer)
        for (const off of offs) off()
      }
    }
  }
}

/** The editor's draft: open or start one, edit it, validate it (debounced). */
function draftActions(
  { set, get, deps }: Ctx,
  opts: PipelinesOptions,
  editor: EditorTimer
): Pick<PipelinesState, 'open' | 'newDraft' | 'setText' | 'setFormat' | 'setName' | 'validateNow'> {
  const patchDraft = draftPatcher(set, get)
  const schedule = (): void => {
    clearTimeout(editor.timer)
    editor.timer = setTimeout(() => void get().validateNow(), opts.debounceMs ?? 300)
  }
  return {
    async open(name) {
      const data = await call(deps, `Could not open ${name}`, 'pipelines.get', { name })
      if (!data) return
      set({
        draft: {
          name,
          text: data.text,
          format: data.format,
          savedText: data.text,
          isNew: false,
          diagnostics: [],
          validating: false
        },
        confirm: null
      })
      void get().validateNow()
      void get().loadVersions(name)
    },
    newDraft(name, text, format) {
      set({
        draft: {
          name,
          text,
          format,
          savedText: '',
          isNew: true,
          diagnostics: [],
          validating: false
        },
        versions: [],
        confirm: null
      })
      void get().validateNow()
    },
    setText(text) {
      patchDraft({ text })
      schedule()
    },
    setFormat(format) {
      patchDraft({ format })
      schedule()
    },
    setName(name) {
      patchDraft({ name })
    },
    async validateNow() {
      clearTimeout(editor.timer)
      const draft = get().draft
      if (!draft) return
      const mine = ++editor.seq
      patchDraft({ validating: true })
      const res = await deps.platform.request('pipelines.validate', {
        text: draft.text,
        format: draft.format
      })
      // A newer edit started its own validation: this answer is for old text.
      if (mine !== editor.seq) return
      if (res.ok) patchDraft({ diagnostics: res.data.diagnostics, validating: false })
      else {
        patchDraft({ validating: false })
        deps.toasts.getState().error(res.error, 'Validation failed')
      }
    }
  }
}

/** Saving the draft, after the person confirms any program it runs that they have not seen. */
function saveActions({ set, get, deps }: Ctx): Pick<PipelinesState, 'save' | 'cancelConfirm'> {
  const patchDraft = draftPatcher(set, get)
  return {
    async save(o = {}) {
      const draft = get().draft
      if (!draft) return 'failed'
      // The parsers load with the first save, not with the first page.
      const { readComposition, riskKey, riskyFunctions } = await import('../lib/composition')
      const risky = riskyFunctions(readComposition(draft.text, draft.format))
      const key = riskKey(risky)
      if (risky.length && o.confirmedKey !== key) {
        set({ confirm: { functions: risky, key } })
        return 'confirm'
      }
      set({ confirm: null })
      const res = await deps.platform.request('pipelines.save', {
        name: draft.name,
        text: draft.text,
        format: draft.format,
        ...(o.message ? { message: o.message } : {})
      })
      if (!res.ok) {
        const diags = res.error.details?.diagnostics
        if (Array.isArray(diags)) patchDraft({ diagnostics: diags as PipelineDiagnostic[] })
        deps.toasts
          .getState()
          .error(res.error, `Could not save ${draft.name}`, `save:${draft.name}`)
        return 'failed'
      }
      patchDraft({ savedText: draft.text, isNew: false, diagnostics: res.data.diagnostics })
      deps.toasts
        .getState()
        .push(
          'info',
          `Saved ${draft.name} as version ${res.data.version}`,
          undefined,
          `save:${draft.name}`
        )
      await Promise.all([get().refresh(), get().loadVersions(draft.name)])
      return 'saved'
    },
    cancelConfirm() {
      set({ confirm: null })
    }
  }
}

/** Merges a patch into the draft, when there is one. */
function draftPatcher(set: Ctx['set'], get: Ctx['get']): (patch: Partial<Draft>) => void {
  return (patch) => {
    const draft = get().draft
    if (draft) set({ draft: { ...draft, ...patch } })
  }
}

/** A pipeline's versions (list, text, diff, restore) and the examples gallery. */
function versionActions({
  set,
  get,
  deps
}: Ctx): Pick<
  PipelinesState,
  'loadVersions' | 'versionText' | 'diff' | 'restore' | 'loadExamples'
> {
  return {
    async loadVersions(name) {
      const data = await call(deps, 'Could not list versions', 'pipelines.versions', { name })
      if (data && get().draft?.name === name) set({ versions: data.versions })
    },
    async versionText(name, version) {
      const data = await call(deps, `Could not read v${version}`, 'pipelines.get_version', {
        name,
        version
      })
      return data?.text ?? null
    },
    async diff(name, from, to) {
      const data = await call(deps, 'Could not diff', 'pipelines.diff', { name, from, to })
      return data?.patch ?? null
    },
    async restore(name, version) {
      const data = await call(deps, `Could not restore v${version}`, 'pipelines.restore', {
        name,
        version
      })
      if (!data) return
      deps.toasts.getState().push('info', `Restored v${version} as version ${data.version}`)
      await get().open(name)
      await get().refresh()
    },
    async loadExamples() {
      const data = await call(deps, 'Could not list the examples', 'pipelines.examples')
      set({ examples: data?.examples ?? [], examplesSource: data ? 'route' : 'failed' })
    }
  }
}
