/**
 * @module A test fixture: the whole {@link ContractHandlers} map over in-memory state, so the
 * transports' tests exercise every route (and the compiler checks the map is complete).
 */
import type { ContractHandlers } from '../../shared/contract/handlers'
import type { Settings } from '../../shared/contract/settings'
import type { ServerState } from '../../shared/contract/server'
import type { Trace } from '../../shared/trace'
import { parseEvalCases } from '../../shared/eval/cases'
import { AppError } from '../core/errors'
import { ControlFailure } from './dispatch'
import type { EventHub } from './events'

interface Stored {
  versions: { text: string; format: 'json' | 'yaml'; createdAt: number; message: string | null }[]
  enabled: boolean
}

/** In-memory handlers; `chat.start` answers "echo: <last message>" through `hub`. */
export function createTestHandlers(hub: EventHub): ContractHandlers {
  const pipelines = new Map<string, Stored>()
  const apps = new Map<
    string,
    {
      name: string
      hint: string
      origin: 'created' | 'approved'
      createdAt: number
      lastUsedAt: number | null
      revokedAt: number | null
    }
  >()
  const secrets = new Map<string, { value: string; updatedAt: number }>()
  const traces: Trace[] = []
  let settings: Settings = {
    defaultPipeline: null,
    server: { host: '127.0.0.1', port: 0, autostart: false, corsOrigins: [] },
    traces: { enabled: true, maxCount: 1000, maxAgeDays: 7 },
    models: { dirs: [], idleUnloadSeconds: 0 },
    app: { openAtLogin: false },
    access: { requireKeys: false }
  }
  let server: ServerState = {
    state: 'stopped',
    url: null,
    host: null,
    port: null,
    startedAt: null,
    error: null
  }
  const find = (name: string): Stored => {
    const p = pipelines.get(name)
    if (!p) throw new AppError('not_found', `no pipeline named "${name}"`)
    return p
  }
  const summary = (name: string) => {
    const p = find(name)
    return {
      name,
      source: 'library' as const,
      path: null,
      enabled: p.enabled,
      isDefault: settings.defaultPipeline === name,
      status: p.enabled ? ('loaded' as const) : ('disabled' as const),
      error: null,
      version: p.versions.length,
      updatedAt: p.versions.at(-1)!.createdAt
    }
  }
  const versionOf = (name: string, version: number) => {
    const v = find(name).versions[version - 1]
    if (!v) throw new AppError('not_found', `${name} has no version ${version}`)
    return v
  }
  const save = (name: string, text: string, format: 'json' | 'yaml', message: string | null) => {
    const p = pipelines.get(name) ?? { versions: [], enabled: true }
    p.versions.push({ text, format, createdAt: Date.now(), message })
    pipelines.set(name, p)
    return p.versions.length
  }
  const validate = (text: string) =>
    text.trim() === ''
      ? [
          {
            severity: 'error' as const,
            code: 'empty',
            message: 'the pipeline is empty',
            path: [],
            line: 1,
            column: 1
          }
        ]
      : []

  /** A stored JSON pipeline's `store` secret sources, resolved when the map holds the key. */
  const storeSources = (pipeline: string, text: string) => {
    let declared: Record<string, { source?: string; variables?: string[] }> = {}
    try {
      declared = (JSON.parse(text) as { secrets?: typeof declared }).secrets ?? {}
    } catch {
      // A YAML or broken text declares nothing this fixture can read.
    }
    return Object.entries(declared)
      .filter(([, s]) => s.source === 'store')
      .map(([name, s]) => ({
        pipeline,
        name,
        source: 'store' as const,
        detail: "the app's secret store",
        variables: (s.variables ?? []).map((v) => ({
          name: v,
          state: secrets.has(`${name}.${v}`) ? ('resolved' as const) : ('missing' as const)
        })),
        problem: null
      }))
  }

  return {
    'pipelines.list': async () => ({ pipelines: [...pipelines.keys()].map(summary) }),
    'pipelines.get': async ({ name }) => {
      const last = find(name).versions.at(-1)!
      return { ...summary(name), text: last.text, format: last.format }
    },
    'pipelines.save': async ({ name, text, format, message }) => {
      const diagnostics = validate(text)
      if (diagnostics.length > 0)
        throw new ControlFailure('invalid_request', `${name} has errors`, { diagnostics })
      const version = save(name, text, format, message ?? null)
      hub.emit('pipeline.loaded', { name, path: null, reloaded: version > 1 })
      return { name, version, diagnostics }
    },
    'pipelines.remove': async ({ name }) => {
      const removed = pipelines.delete(name)
      if (removed) hub.emit('pipeline.removed', { name, path: null })
      return { removed }
    },
    'pipelines.set_default': async ({ name }) => {
      find(name)
      settings = { ...settings, defaultPipeline: name }
      return { defaultPipeline: name }
    },
    'pipelines.set_enabled': async ({ name, enabled }) => {
      find(name).enabled = enabled
      return summary(name)
    },
    'pipelines.versions': async ({ name }) => ({
      versions: find(name).versions.map((v, i) => ({
        version: i + 1,
        createdAt: v.createdAt,
        message: v.message,
        sizeBytes: v.text.length
      }))
    }),
    'pipelines.get_version': async ({ name, version }) => {
      const v = versionOf(name, version)
      return {
        name,
        version,
        text: v.text,
        format: v.format,
        createdAt: v.createdAt,
        message: v.message,
        sizeBytes: v.text.length
      }
    },
    'pipelines.restore': async ({ name, version }) => {
      const v = versionOf(name, version)
      return { name, version: save(name, v.text, v.format, `restored from v${version}`) }
    },
    'pipelines.diff': async ({ name, from, to }) => {
      const last = to ?? find(name).versions.length
      const a = versionOf(name, from).text
      const b = versionOf(name, last).text
      return { from, to: last, patch: a === b ? '' : `-${a}\n+${b}\n` }
    },
    'pipelines.validate': async ({ text }) => {
      const diagnostics = validate(text)
      return { ok: diagnostics.length === 0, diagnostics }
    },
    'pipelines.examples': async () => ({
      examples: [
        {
          name: 'echo',
          description: 'One node that answers',
          text: '{"models": {}, "architecture": []}\n',
          format: 'json' as const
        }
      ]
    }),
    'models.list': async () => ({ runtime: [], local: [], pulls: [] }),
    'models.load': async ({ key }) => {
      throw new AppError('model_not_found', `no model "${key}"`)
    },
    'models.unload': async ({ key }) => {
      throw new AppError('model_not_found', `no model "${key}"`)
    },
    'models.pull': async () => ({ pullId: 'pull-1' }),
    'models.cancel_pull': async ({ pullId }) => ({ cancelled: pullId === 'pull-1' }),
    'models.delete': async () => ({ deleted: false }),
    'models.ollama_status': async () => ({
      installed: false,
      running: false,
      managed: false,
      host: 'http://127.0.0.1:11434',
      version: null
    }),
    'models.ollama_start': async () => {
      throw new AppError('not_found', 'ollama is not installed')
    },
    'models.ollama_stop': async () => ({
      installed: false,
      running: false,
      managed: false,
      host: 'http://127.0.0.1:11434',
      version: null
    }),
    'models.catalog': async () => ({
      models: [
        {
          name: 'tiny',
          description: 'A test model',
          source: 'http://127.0.0.1:9/tiny.gguf',
          fileName: 'tiny.gguf',
          sizeBytes: 1024
        }
      ]
    }),
    'functions.list': async ({ pipeline }) => {
      find(pipeline)
      return { functions: [] }
    },
    'functions.test': async ({ name }) => {
      throw new AppError('not_found', `no function "${name}"`)
    },
    'secrets.list': async () => ({
      secrets: [...secrets].map(([name, s]) => ({ name, updatedAt: s.updatedAt, usedBy: [] })),
      storage: { kind: 'key-file' as const, warning: null }
    }),
    'secrets.sources': async ({ pipeline }) => {
      if (pipeline !== undefined) find(pipeline)
      return {
        sources: [...pipelines]
          .filter(([name]) => pipeline === undefined || name === pipeline)
          .flatMap(([name, p]) => storeSources(name, p.versions.at(-1)!.text))
      }
    },
    'secrets.set': async ({ name, value }) => {
      const entry = { value, updatedAt: Date.now() }
      secrets.set(name, entry)
      hub.emit('secret.changed', { name, state: 'set' })
      // The value rides along on purpose: dispatch's output parse must strip it.
      return { name, updatedAt: entry.updatedAt, usedBy: [], value } as never
    },
    'secrets.delete': async ({ name }) => ({ name, deleted: secrets.delete(name) }),
    'access.list': async () => ({ apps: [...apps.values()] }),
    'access.create': async ({ name }) => {
      const app = {
        name,
        hint: 'llmnet_test',
        origin: 'created' as const,
        createdAt: Date.now(),
        lastUsedAt: null,
        revokedAt: null
      }
      apps.set(name, app)
      return { app, token: `llmnet_test-token-for-${name}` }
    },
    'access.revoke': async ({ name }) => {
      const app = apps.get(name)
      if (app) app.revokedAt = Date.now()
      return { name, revoked: app !== undefined }
    },
    'traces.list': async ({ pipeline, node, status, limit }) => ({
      traces: traces
        .filter((t) => !pipeline || t.pipeline === pipeline)
        .filter((t) => !status || t.status === status)
        .filter((t) => !node || t.route.includes(node))
        .slice(0, limit)
        .map(({ hops: _hops, ...rest }) => rest),
      nextCursor: null
    }),
    'traces.get': async ({ id }) => {
      const trace = traces.find((t) => t.id === id)
      if (!trace) throw new AppError('not_found', `no trace "${id}"`)
      return trace
    },
    'settings.get': async () => settings,
    'settings.set': async (patch) => {
      settings = {
        defaultPipeline:
          patch.defaultPipeline === undefined ? settings.defaultPipeline : patch.defaultPipeline,
        server: { ...settings.server, ...patch.server },
        traces: { ...settings.traces, ...patch.traces },
        models: { ...settings.models, ...patch.models },
        app: { ...settings.app, ...patch.app },
        access: { ...settings.access, ...patch.access }
      }
      hub.emit('settings.changed', settings)
      return settings
    },
    'server.status': async () => server,
    'server.start': async ({ host, port }) => {
      const h = host ?? settings.server.host
      const p = port || 8080
      server = {
        state: 'running',
        url: `http://${h}:${p}`,
        host: h,
        port: p,
        startedAt: Date.now(),
        error: null
      }
      hub.emit('server.state', server)
      return server
    },
    'server.stop': async () => {
      server = { state: 'stopped', url: null, host: null, port: null, startedAt: null, error: null }
      hub.emit('server.state', server)
      return server
    },
    'chat.start': async ({ pipeline, messages }) => {
      find(pipeline)
      const chatId = `chat-${traces.length + 1}`
      const last = messages.at(-1)?.content
      // After the reply: a caller learns chatId before the first delta arrives.
      setImmediate(() => {
        hub.emit('chat.delta', { chatId, content: 'echo: ' })
        hub.emit('chat.delta', { chatId, content: typeof last === 'string' ? last : '' })
        const trace: Trace = {
          id: chatId,
          pipeline,
          stream: true,
          startedAt: Date.now(),
          durationMs: 1,
          status: 'ok',
          route: ['answer'],
          hops: [{ node: 'answer', action: 'answer', startedAt: Date.now(), durationMs: 1 }],
          usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }
        }
        traces.unshift(trace)
        hub.emit('trace', trace)
        hub.emit('chat.done', { chatId, trace, error: null })
      })
      return { chatId }
    },
    'chat.stop': async () => ({ stopped: false }),
    ...evalHandlers()
  }
}

/** Evaluation sets in memory; runs are refused (this fixture serves no pipeline to run). */
function evalHandlers(): Pick<ContractHandlers, `evals.${string}` & keyof ContractHandlers> {
  const sets = new Map<string, { text: string; cases: number; updatedAt: number }>()
  const get = (name: string): { text: string; cases: number; updatedAt: number } => {
    const set = sets.get(name)
    if (!set) throw new AppError('not_found', `no evaluation set named "${name}"`)
    return set
  }
  const noPipelines = (): never => {
    throw new AppError('not_found', 'this fixture serves no pipeline to evaluate')
  }
  return {
    'evals.list': async () => ({
      sets: [...sets].map(([name, s]) => ({
        name,
        cases: s.cases,
        updatedAt: s.updatedAt,
        lastRun: null
      }))
    }),
    'evals.get': async ({ name }) => {
      const set = get(name)
      return {
        name,
        text: set.text,
        updatedAt: set.updatedAt,
        diagnostics: parseEvalCases(set.text).diagnostics
      }
    },
    'evals.save': async ({ name, text }) => {
      const { cases, diagnostics } = parseEvalCases(text)
      if (diagnostics.length > 0)
        throw new ControlFailure('invalid_request', `${name} has errors`, { diagnostics })
      sets.set(name, { text, cases: cases.length, updatedAt: Date.now() })
      return { name, cases: cases.length }
    },
    'evals.delete': async ({ name }) => ({ deleted: sets.delete(name) }),
    'evals.add_case': async () => noPipelines(),
    'evals.run': async () => noPipelines(),
    'evals.cancel': async () => ({ cancelled: false }),
    'evals.runs': async () => ({ runs: [] }),
    'evals.run_get': async ({ id }) => {
      throw new AppError('not_found', `no evaluation run with id "${id}"`)
    }
  }
}
