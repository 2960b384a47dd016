/**
 * An in-memory control API behind `POST /api/<route>` and `GET /api/events`, serving the built
 * renderer the way `llmnet serve --ui` will: for screenshots and UI smoke tests
 * while the real command is not there. Validation is the real shared validator; the rest is a
 * small model of the library (versions), secrets (names only) and a chat that streams a fixed
 * answer along the composition's first path.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { validateText } from '../../../src/shared/config/validate'
import { parseSource } from '../../../src/shared/config/source'
import type { Trace } from '../../../src/shared/trace'

export const ROOT = path.resolve(__dirname, '..', '..', '..')

type Format = 'json' | 'yaml'
interface Stored {
  versions: { text: string; format: Format; createdAt: number; message: string | null }[]
  enabled: boolean
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml'
}

/** The bundled examples as the gallery's list. */
export function loadExamples(): {
  name: string
  description: string
  text: string
  format: Format
}[] {
  const dir = path.join(ROOT, 'examples')
  return readdirSync(dir)
    .filter((f) => /\.(json|ya?ml)$/.test(f))
    .map((f) => {
      const text = readFileSync(path.join(dir, f), 'utf8')
      const format: Format = f.endsWith('.json') ? 'json' : 'yaml'
      const value = parseSource(text, format).value as { description?: string } | undefined
      return {
        name: f.replace(/\.[^.]+$/, ''),
        description: value?.description ?? '',
        text,
        format
      }
    })
}

class Fail extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown
  ) {
    super(message)
  }
}

export interface FakeApi {
  url: string
  emit(event: string, payload: unknown): void
  close(): Promise<void>
}

/** Starts the fake on a free port. */
export async function startFakeApi(opts: { rendererDir: string; url?: string }): Promise<FakeApi> {
  const RENDERER_DIR = opts.rendererDir
  const library = new Map<string, Stored>()
  const secrets = new Map<string, { updatedAt: number }>()
  const traces: Trace[] = []
  let defaultPipeline: string | null = null
  let chatCount = 0
  const clients = new Set<ServerResponse>()
  const emit = (event: string, payload: unknown): void => {
    for (const c of clients) c.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`)
  }
  const settings = {
    defaultPipeline: null as string | null,
    server: { host: '127.0.0.1', port: 8080, autostart: true },
    traces: { enabled: true, maxCount: 1000, maxAgeDays: 30 },
    models: { dirs: ['~/.llmnet/models'], idleUnloadSeconds: 600 }
  }
  const latest = (name: string): Stored['versions'][number] => {
    const p = library.get(name)
    if (!p) throw new Fail('not_found', `no pipeline named "${name}"`)
    return p.versions[p.versions.length - 1]!
  }
  const summary = (name: string) => {
    const p = library.get(name)!
    const v = latest(name)
    const ok = validateText(v.text, { format: v.format }).ok
    return {
      name,
      source: 'library',
      path: null,
      enabled: p.enabled,
      isDefault: defaultPipeline === name,
      status: !p.enabled ? 'disabled' : ok ? 'loaded' : 'error',
      error: ok ? null : 'invalid composition',
      version: p.versions.length,
      updatedAt: v.createdAt
    }
  }
  const save = (name: string, text: string, format: Format, message: string | null) => {
    const result = validateText(text, { format })
    if (!result.ok)
      throw new Fail('invalid_request', `${name} has errors`, { diagnostics: result.diagnostics })
    const p = library.get(name) ?? { versions: [], enabled: true }
    p.versions.push({ text, format, createdAt: Date.now(), message })
    library.set(name, p)
    emit('pipeline.loaded', { name, path: null, reloaded: p.versions.length > 1 })
    return { name, version: p.versions.length, diagnostics: result.diagnostics }
  }
  const firstPath = (name: string): string[] => {
    const v = latest(name)
    const c = parseSource(v.text, v.format).value as {
      architecture?: { name: string; layer?: number; 'output-to'?: (string | number)[] }[]
    }
    const nodes = c.architecture ?? []
    const route: string[] = []
    let cur = nodes.find((n) => n.layer === 0)
    while (cur && route.length < 10) {
      route.push(cur.name)
      const t = cur['output-to']?.[0]
      cur =
        typeof t === 'number' ? nodes.find((n) => n.layer === t) : nodes.find((n) => n.name === t)
    }
    return route
  }

  const handlers: Record<string, (i: Record<string, unknown>) => unknown> = {
    'server.status': () => ({
      state: 'running',
      url: opts.url ?? 'http://127.0.0.1:8080',
      host: '127.0.0.1',
      port: 8080,
      startedAt: Date.now(),
      error: null
    }),
    'pipelines.list': () => ({ pipelines: [...library.keys()].map(summary) }),
    'pipelines.get': (i) => ({ ...summary(String(i.name)), ...latest(String(i.name)) }),
    'pipelines.validate': (i) =>
      validateText(String(i.text), { format: (i.format as Format) ?? 'yaml' }),
    'pipelines.save': (i) =>
      save(String(i.name), String(i.text), i.format as Format, (i.message as string) ?? null),
    'pipelines.set_default': (i) => {
      latest(String(i.name))
      defaultPipeline = settings.defaultPipeline = String(i.name)
      emit('settings.changed', settings)
      return { defaultPipeline }
    },
    'pipelines.set_enabled': (i) => {
      latest(String(i.name))
      library.get(String(i.name))!.enabled = Boolean(i.enabled)
      return summary(String(i.name))
    },
    'pipelines.remove': (i) => ({ removed: library.delete(String(i.name)) }),
    'pipelines.versions': (i) => ({
      versions: (library.get(String(i.name))?.versions ?? []).map((v, n) => ({
        version: n + 1,
        createdAt: v.createdAt,
        message: v.message,
        sizeBytes: v.text.length
      }))
    }),
    'pipelines.get_version': (i) => {
      const v = library.get(String(i.name))?.versions[Number(i.version) - 1]
      if (!v) throw new Fail('not_found', `no version ${String(i.version)}`)
      return { ...v, name: i.name, version: i.version, sizeBytes: v.text.length }
    },
    'pipelines.restore': (i) => {
      const v = library.get(String(i.name))?.versions[Number(i.version) - 1]
      if (!v) throw new Fail('not_found', `no version ${String(i.version)}`)
      return save(String(i.name), v.text, v.format, `restored from v${String(i.version)}`)
    },
    'pipelines.examples': () => ({ examples: loadExamples() }),
    'models.list': () => ({
      runtime: [
        {
          key: 'assistant',
          runner: 'llama-cpp',
          source: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
          state: 'ready',
          lastError: null,
          pid: 4242,
          port: 39001,
          memory: { ramBytes: 612_000_000, vramBytes: 0 },
          gpu: null,
          gpuLayers: 0,
          loadedSince: Date.now() - 60_000,
          lastUsed: Date.now(),
          tokensPerSecond: 38.2,
          restarts: 0
        }
      ],
      local: [
        {
          name: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
          runner: 'llama-cpp',
          path: '/home/me/.llmnet/models/qwen2.5-0.5b-instruct-q4_k_m.gguf',
          sizeBytes: 491_400_032
        },
        { name: 'qwen2.5:0.5b', runner: 'ollama', path: null, sizeBytes: 397_000_000 }
      ],
      pulls: []
    }),
    'models.ollama_status': () => ({
      installed: true,
      running: true,
      managed: false,
      host: 'http://127.0.0.1:11434',
      version: '0.5.7'
    }),
    'models.pull': (i) => {
      const pullId = `pull-${Date.now()}`
      const total = 491_400_032
      let done = 0
      const tick = setInterval(() => {
        done = Math.min(total, done + total / 4)
        const state = done >= total ? 'done' : 'running'
        emit('model.pull_progress', {
          pullId,
          source: i.source,
          state,
          completedBytes: done,
          totalBytes: total,
          error: null
        })
        if (state === 'done') clearInterval(tick)
      }, 150)
      return { pullId }
    },
    'models.cancel_pull': () => ({ cancelled: true }),
    'functions.list': (i) => {
      const v = latest(String(i.pipeline))
      const c = parseSource(v.text, v.format).value as {
        functions?: Record<string, { type: string }>
      }
      return {
        functions: Object.entries(c.functions ?? {}).map(([name, f]) => ({
          name,
          type: f.type,
          usedBy: []
        }))
      }
    },
    'functions.test': (i) => ({
      ok: true,
      output: { echoed: i.input },
      error: null,
      durationMs: 12,
      notes: []
    }),
    'secrets.list': () => ({
      secrets: [...secrets].map(([name, s]) => ({ name, updatedAt: s.updatedAt, usedBy: [] })),
      storage: { kind: 'key-file', warning: null }
    }),
    'secrets.set': (i) => {
      secrets.set(String(i.name), { updatedAt: Date.now() })
      emit('secret.changed', { name: i.name, state: 'set' })
      return { name: i.name, updatedAt: Date.now(), usedBy: [] }
    },
    'secrets.delete': (i) => ({ name: i.name, deleted: secrets.delete(String(i.name)) }),
    'settings.get': () => settings,
    'settings.set': (i) => {
      for (const k of ['server', 'traces', 'models'] as const)
        if (i[k]) Object.assign(settings[k], i[k])
      emit('settings.changed', settings)
      return settings
    },
    'traces.list': () => ({
      traces: traces.map(({ hops: _h, ...t }) => t).reverse(),
      nextCursor: null
    }),
    'traces.get': (i) => {
      const t = traces.find((x) => x.id === i.id)
      if (!t) throw new Fail('not_found', `no trace ${String(i.id)}`)
      return t
    },
    'chat.start': (i) => {
      const chatId = `chat-${++chatCount}`
      const pipeline = String(i.pipeline)
      const route = firstPath(pipeline)
      const words = `This is answer ${chatCount} from ${pipeline}.`.split(' ')
      let n = 0
      const started = Date.now()
      const tick = setInterval(() => {
        if (n < words.length) {
          emit('chat.delta', { chatId, content: (n ? ' ' : '') + words[n++] })
          return
        }
        clearInterval(tick)
        const trace = {
          id: `trace-${chatCount}`,
          pipeline,
          stream: true,
          startedAt: started,
          durationMs: Date.now() - started,
          status: 'ok' as const,
          route,
          hops: route.map((node, k) => ({
            node,
            action: k < route.length - 1 ? ('route' as const) : ('answer' as const),
            model: 'assistant',
            decision: route[k + 1],
            decisionSource: 'single-candidate' as const,
            startedAt: started,
            durationMs: 40,
            usage: {
              prompt_tokens: 20,
              completion_tokens: 8,
              total_tokens: 28,
              prompt_tokens_details: { cached_tokens: 12 }
            }
          })),
          usage: { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 },
          request: { messages: i.messages as NonNullable<Trace['request']>['messages'] },
          answer: words.join(' ')
        }
        traces.push(trace)
        emit('trace', trace)
        emit('chat.done', { chatId, trace, error: null })
      }, 60)
      return { chatId }
    },
    'chat.stop': () => ({ stopped: true })
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      res.write(': connected\n\n')
      clients.add(res)
      req.on('close', () => clients.delete(res))
      return
    }
    if (url.pathname.startsWith('/api/') && req.method === 'POST') {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', async () => {
        const route = decodeURIComponent(url.pathname.slice(5))
        const handler = handlers[route]
        let envelope: unknown
        let status = 200
        try {
          if (!handler) throw new Fail('not_found', `unknown route "${route}"`)
          envelope = { ok: true, data: await handler(body ? JSON.parse(body) : {}) }
        } catch (err) {
          const e = err instanceof Fail ? err : new Fail('internal_error', (err as Error).message)
          status = e.code === 'not_found' ? 404 : 400
          envelope = { ok: false, error: { code: e.code, message: e.message, details: e.details } }
        }
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(envelope))
      })
      return
    }
    const file = path.join(
      RENDERER_DIR,
      path.normalize(url.pathname === '/' ? '/index.html' : url.pathname)
    )
    if (!file.startsWith(RENDERER_DIR) || !existsSync(file)) {
      res.writeHead(404).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' })
    res.end(readFileSync(file))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    emit,
    close: async () => {
      for (const c of clients) c.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
