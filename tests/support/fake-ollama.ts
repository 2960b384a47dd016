/**
 * An HTTP server on port 0 that follows Ollama's documented API closely enough to test the
 * manager and the provider without Ollama: /api/version, /api/tags, /api/show, /api/pull
 * (streamed NDJSON progress), /api/delete, /api/ps, /api/generate and /api/chat (load/unload via
 * keep_alive, streaming and not, `format` honoured by answering JSON that matches the schema),
 * /api/embed (deterministic vectors: {@link fakeEmbedding}), /api/create, /api/blobs, and the
 * OpenAI-compatible /v1/chat/completions and /v1/completions. State (models, loaded models,
 * blobs) is inspectable; every request is recorded.
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeOllamaModel {
  name: string
  size?: number
  digest?: string
  family?: string
  parameterSize?: string
  quantisation?: string
  system?: string
  template?: string
  parameters?: Record<string, unknown>
  /** What the model was created from (for created models). */
  from?: string
}

export interface FakeOllamaRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests inspect arbitrary wire JSON
  body: any
}

/** Overrides for one chat answer (native or OpenAI). */
export interface FakeChatReply {
  content?: string
  /** Native chat only: the model's `thinking`, sent (streamed: in one line) before the content. */
  thinking?: string
  /** Native chat only: tool calls, streamed one per line after the content. */
  toolCalls?: { function: { name: string; arguments: Record<string, unknown> } }[]
  status?: number
  error?: string
  /** Stop answering: before the status line, or after the first streamed line (or half a body). */
  stall?: 'headers' | 'body'
}

export interface FakeOllamaOptions {
  version?: string
  models?: FakeOllamaModel[]
  /** Names /api/pull can fetch (`:latest` implied). Default: qwen2.5:0.5b, llama3.2, tinyllama:1.1b. */
  registry?: string[]
  port?: number
  host?: string
}

export interface FakeOllama {
  url: string
  port: number
  requests: FakeOllamaRequest[]
  models: Map<string, FakeOllamaModel>
  /** Loaded models → expiry. */
  running: Map<string, string>
  blobs: Set<string>
  /** Answer the next chat requests with these replies first (retries, errors). */
  chatReplies: FakeChatReply[]
  close(): Promise<void>
}

const norm = (name: string): string => {
  const n = name.trim()
  return n.slice(n.lastIndexOf('/') + 1).includes(':') ? n : `${n}:latest`
}

const digestOf = (s: string): string => createHash('sha256').update(s).digest('hex')

type Json = Record<string, unknown>

function lastUser(messages: { role?: string; content?: unknown }[] | undefined): string {
  const m = [...(messages ?? [])].reverse().find((x) => x.role === 'user')
  return typeof m?.content === 'string' ? m.content : ''
}

/** The answer for a chat request: JSON matching `format` when given, else an echo. */
function answer(
  model: string,
  messages: { role?: string; content?: unknown }[] | undefined,
  format: unknown
): string {
  const user = lastUser(messages)
  const pick = (options: string[]): string =>
    options.find((o) => user.toLowerCase().includes(o.toLowerCase())) ?? (options[0] as string)
  const root = format as { type?: string; enum?: unknown[] } | null
  // A string schema with an enum: a JSON string, as Ollama's grammar would produce.
  if (root && typeof root === 'object' && root.type === 'string' && root.enum?.length)
    return JSON.stringify(pick(root.enum.map(String)))
  if (format && typeof format === 'object') {
    const props =
      (format as { properties?: Record<string, { enum?: unknown[]; type?: string }> }).properties ??
      {}
    const out: Json = {}
    for (const [key, schema] of Object.entries(props)) {
      if (schema.enum?.length) {
        out[key] = pick(schema.enum.map(String))
      } else out[key] = schema.type === 'number' ? 0 : user
    }
    return JSON.stringify(out)
  }
  if (format === 'json') return JSON.stringify({ answer: user })
  return `${model} says: ${user}`
}

/**
 * The vector the fake's /api/embed gives a text (before `dimensions` cuts it): 8 values from the
 * text's SHA-256, in [-1, 1), so tests can compute what an embedding must be.
 */
export function fakeEmbedding(text: string): number[] {
  const hash = createHash('sha256').update(text).digest()
  return Array.from({ length: 8 }, (_, i) => hash.readInt16LE(i * 2) / 32768)
}

/** The legacy completion text for a prompt (and `suffix`, for fill-in-the-middle). */
export function fakeCompletion(model: string, prompt: string, suffix?: string): string {
  return suffix ? `${model} fills: ${prompt}|${suffix}` : `${model} continues: ${prompt}`
}

/** Splits text into stream pieces (words with their following space). */
function pieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [text]
}

export async function startFakeOllama(opts: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const version = opts.version ?? '0.12.3'
  const models = new Map<string, FakeOllamaModel>()
  for (const m of opts.models ?? []) models.set(norm(m.name), { ...m, name: norm(m.name) })
  const registry = new Set(
    (opts.registry ?? ['qwen2.5:0.5b', 'llama3.2', 'tinyllama:1.1b']).map(norm)
  )
  const running = new Map<string, string>()
  const blobs = new Set<string>()
  const requests: FakeOllamaRequest[] = []
  const chatReplies: FakeChatReply[] = []

  const details = (m: FakeOllamaModel): Json => ({
    parent_model: '',
    format: 'gguf',
    family: m.family ?? 'qwen2',
    families: [m.family ?? 'qwen2'],
    parameter_size: m.parameterSize ?? '494.03M',
    quantization_level: m.quantisation ?? 'Q4_K_M'
  })
  const tag = (m: FakeOllamaModel): Json => ({
    name: m.name,
    model: m.name,
    modified_at: '2025-01-01T00:00:00.000000Z',
    size: m.size ?? 397_821_319,
    digest: m.digest ?? digestOf(m.name),
    details: details(m)
  })
  const expiry = (keepAlive: unknown): string => {
    const secs = typeof keepAlive === 'number' ? keepAlive : 300
    return new Date(Date.now() + (secs < 0 ? 10 * 365 * 86400 : secs) * 1000).toISOString()
  }

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res
      .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify(body))
  }
  const notFound = (res: ServerResponse, name: string): void =>
    json(res, 404, { error: `model '${name}' not found` })
  const ndjson = async (res: ServerResponse, lines: unknown[], delayMs = 0): Promise<void> => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    for (const line of lines) {
      if (res.destroyed) return
      res.write(`${JSON.stringify(line)}\n`)
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs))
    }
    res.end()
  }

  const chatLike = async (
    res: ServerResponse,
    body: Json,
    kind: 'chat' | 'generate'
  ): Promise<void> => {
    const name = String(body.model ?? '')
    const model = models.get(norm(name))
    if (!model) return notFound(res, name)
    const stream = body.stream !== false // Ollama streams unless told not to
    const messages = body.messages as { role?: string; content?: unknown }[] | undefined
    const created_at = new Date().toISOString()
    const empty = kind === 'chat' ? !messages || messages.length === 0 : !body.prompt
    if (empty) {
      // Load or unload: keep_alive 0 unloads.
      const unload = body.keep_alive === 0 || body.keep_alive === '0'
      if (unload) running.delete(model.name)
      else running.set(model.name, expiry(body.keep_alive))
      const done = {
        model: model.name,
        created_at,
        done: true,
        done_reason: unload ? 'unload' : 'load'
      }
      const line =
        kind === 'chat'
          ? { ...done, message: { role: 'assistant', content: '' } }
          : { ...done, response: '' }
      return stream ? ndjson(res, [line]) : json(res, 200, line)
    }
    const reply = chatReplies.shift()
    if (reply?.status) return json(res, reply.status, { error: reply.error ?? 'fake failure' })
    if (reply?.stall === 'headers') return // the socket stays open until the client gives up
    running.set(model.name, expiry(body.keep_alive))
    const prompt = kind === 'chat' ? messages : [{ role: 'user', content: body.prompt }]
    let parts = pieces(reply?.content ?? answer(model.name, prompt, body.format))
    const limit = (body.options as { num_predict?: number } | undefined)?.num_predict
    const truncated = typeof limit === 'number' && limit >= 0 && parts.length > limit
    if (truncated) parts = parts.slice(0, limit)
    const promptTokens = (prompt ?? []).reduce(
      (n, m) => n + pieces(String(m.content ?? '')).length,
      0
    )
    const final = {
      model: model.name,
      created_at,
      done: true,
      done_reason: truncated ? 'length' : 'stop',
      total_duration: 1000,
      load_duration: 10,
      prompt_eval_count: promptTokens,
      prompt_eval_duration: 100,
      eval_count: parts.length,
      eval_duration: 500
    }
    const piece = (text: string): Json =>
      kind === 'chat'
        ? {
            model: model.name,
            created_at,
            message: { role: 'assistant', content: text },
            done: false
          }
        : { model: model.name, created_at, response: text, done: false }
    if (stream) {
      const end =
        kind === 'chat'
          ? { ...final, message: { role: 'assistant', content: '' } }
          : { ...final, response: '' }
      if (reply?.stall === 'body') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' })
        res.write(`${JSON.stringify(piece(parts[0] ?? ''))}\n`)
        return
      }
      const thought =
        kind === 'chat' && reply?.thinking
          ? [
              {
                ...piece(''),
                message: { role: 'assistant', content: '', thinking: reply.thinking }
              }
            ]
          : []
      const calls = (kind === 'chat' ? (reply?.toolCalls ?? []) : []).map((c) => ({
        ...piece(''),
        message: { role: 'assistant', content: '', tool_calls: [c] }
      }))
      return ndjson(res, [...thought, ...parts.map(piece), ...calls, end], 2)
    }
    const text = parts.join('')
    if (reply?.stall === 'body') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
      res.write(`{"model":${JSON.stringify(model.name)},`)
      return
    }
    return json(
      res,
      200,
      kind === 'chat'
        ? {
            ...final,
            message: {
              role: 'assistant',
              content: text,
              ...(reply?.thinking && { thinking: reply.thinking }),
              ...(reply?.toolCalls && { tool_calls: reply.toolCalls })
            }
          }
        : { ...final, response: text }
    )
  }

  const openai = async (res: ServerResponse, body: Json): Promise<void> => {
    const name = String(body.model ?? '')
    const model = models.get(norm(name))
    if (!model)
      return json(res, 404, {
        error: { message: `model "${name}" not found, try pulling it first`, type: 'api_error' }
      })
    const rf = body.response_format as
      { type?: string; json_schema?: { schema?: unknown } } | undefined
    const format =
      rf?.type === 'json_schema'
        ? rf.json_schema?.schema
        : rf?.type === 'json_object'
          ? 'json'
          : undefined
    const text =
      chatReplies.shift()?.content ??
      answer(model.name, body.messages as { role?: string; content?: unknown }[], format)
    const id = 'chatcmpl-fake'
    const created = Math.floor(Date.now() / 1000)
    const usage = {
      prompt_tokens: 5,
      completion_tokens: pieces(text).length,
      total_tokens: 5 + pieces(text).length
    }
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (const p of pieces(text)) {
        res.write(
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: model.name, choices: [{ index: 0, delta: { role: 'assistant', content: p }, finish_reason: null }] })}\n\n`
        )
      }
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: model.name, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`
      )
      return void res.end('data: [DONE]\n\n')
    }
    json(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model: model.name,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage
    })
  }

  const embed = (res: ServerResponse, body: Json): void => {
    const name = String(body.model ?? '')
    const model = models.get(norm(name))
    if (!model) return notFound(res, name)
    const input = body.input
    const texts = typeof input === 'string' ? [input] : input
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string'))
      return json(res, 400, { error: 'invalid input type' })
    const dims = typeof body.dimensions === 'number' ? body.dimensions : undefined
    running.set(model.name, expiry(body.keep_alive))
    json(res, 200, {
      model: model.name,
      embeddings: (texts as string[]).map((t) => fakeEmbedding(t).slice(0, dims)),
      total_duration: 1000,
      load_duration: 10,
      prompt_eval_count: (texts as string[]).reduce((n, t) => n + pieces(t).length, 0)
    })
  }

  /** Ollama's OpenAI-compatible legacy completions (it takes `suffix`). */
  const completions = (res: ServerResponse, body: Json): void => {
    const name = String(body.model ?? '')
    const model = models.get(norm(name))
    if (!model)
      return json(res, 404, {
        error: { message: `model "${name}" not found, try pulling it first`, type: 'api_error' }
      })
    if (typeof body.prompt !== 'string')
      return json(res, 400, {
        error: { message: 'invalid prompt', type: 'invalid_request_error' }
      })
    const suffix = typeof body.suffix === 'string' ? body.suffix : undefined
    const text = fakeCompletion(model.name, body.prompt, suffix)
    const id = 'cmpl-fake'
    const created = Math.floor(Date.now() / 1000)
    const base = { id, object: 'text_completion', created, model: model.name }
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (const p of pieces(text)) {
        const choice = { text: p, index: 0, finish_reason: null }
        res.write(`data: ${JSON.stringify({ ...base, choices: [choice] })}\n\n`)
      }
      const last = { text: '', index: 0, finish_reason: 'stop' }
      res.write(`data: ${JSON.stringify({ ...base, choices: [last] })}\n\n`)
      return void res.end('data: [DONE]\n\n')
    }
    const tokens = pieces(text).length
    json(res, 200, {
      ...base,
      choices: [{ text, index: 0, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: tokens, total_tokens: 5 + tokens }
    })
  }

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const raw = Buffer.concat(chunks)
    const url = new URL(req.url ?? '/', 'http://x')
    const method = req.method ?? 'GET'
    let body: Json = {}
    const isBlob = url.pathname.startsWith('/api/blobs/')
    if (!isBlob && raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Json
      } catch {
        return json(res, 400, { error: 'invalid JSON' })
      }
    }
    requests.push({
      method,
      path: url.pathname,
      headers: req.headers,
      body: isBlob ? { bytes: raw.length } : body
    })
    const name = String(body.model ?? body.name ?? '')

    if (isBlob) {
      const digest = decodeURIComponent(url.pathname.slice('/api/blobs/'.length))
      if (method === 'HEAD') return res.writeHead(blobs.has(digest) ? 200 : 404).end()
      if (method === 'POST') {
        if (`sha256:${createHash('sha256').update(raw).digest('hex')}` !== digest)
          return json(res, 400, { error: 'digest mismatch' })
        blobs.add(digest)
        return res.writeHead(201).end()
      }
    }
    switch (`${method} ${url.pathname}`) {
      case 'GET /':
        return res.writeHead(200, { 'content-type': 'text/plain' }).end('Ollama is running')
      case 'GET /api/version':
        return json(res, 200, { version })
      case 'GET /api/tags':
        return json(res, 200, { models: [...models.values()].map(tag) })
      case 'GET /api/ps':
        return json(res, 200, {
          models: [...running.entries()].flatMap(([n, expires_at]) => {
            const m = models.get(n)
            return m ? [{ ...tag(m), expires_at, size_vram: 0, context_length: 4096 }] : []
          })
        })
      case 'POST /api/show': {
        const m = models.get(norm(name))
        if (!m) return notFound(res, name)
        const params = Object.entries(m.parameters ?? {})
          .map(([k, v]) => `${k.padEnd(30)} ${JSON.stringify(v)}`)
          .join('\n')
        return json(res, 200, {
          modelfile: `FROM ${m.from ?? m.name}\n`,
          parameters: params,
          template: m.template ?? '{{ .Prompt }}',
          system: m.system,
          details: details(m),
          model_info: {
            'general.architecture': m.family ?? 'qwen2',
            'general.parameter_count': 494032768
          },
          capabilities: ['completion'],
          modified_at: '2025-01-01T00:00:00.000000Z'
        })
      }
      case 'DELETE /api/delete': {
        if (!models.delete(norm(name))) return notFound(res, name)
        running.delete(norm(name))
        return res.writeHead(200).end()
      }
      case 'POST /api/pull': {
        const n = norm(name)
        const known = registry.has(n)
        const layer = `sha256:${digestOf(n)}`
        const total = 397_808_192
        const lines: unknown[] = [{ status: 'pulling manifest' }]
        if (!known) lines.push({ error: 'pull model manifest: file does not exist' })
        else {
          for (const completed of [0, total / 4, total / 2, total]) {
            lines.push({ status: `pulling ${layer.slice(7, 19)}`, digest: layer, total, completed })
          }
          lines.push(
            { status: 'verifying sha256 digest' },
            { status: 'writing manifest' },
            { status: 'success' }
          )
          models.set(n, { name: n })
        }
        if (body.stream === false)
          return known
            ? json(res, 200, { status: 'success' })
            : json(res, 500, { error: 'pull model manifest: file does not exist' })
        return ndjson(res, lines, 1)
      }
      case 'POST /api/create': {
        const target = norm(name)
        const lines: unknown[] = []
        const from = typeof body.from === 'string' ? body.from : undefined
        const files = (body.files ?? {}) as Record<string, string>
        if (from && !models.has(norm(from))) lines.push({ error: `model '${from}' not found` })
        else if (!from && Object.keys(files).length === 0)
          lines.push({ error: 'neither "from" nor "files" was specified' })
        else {
          const missing = [
            ...Object.values(files),
            ...Object.values((body.adapters ?? {}) as Record<string, string>)
          ].find((d) => !blobs.has(d))
          if (missing) lines.push({ error: `blob ${missing} not found` })
          else {
            const base = from ? models.get(norm(from)) : undefined
            lines.push({
              status: from ? 'using existing layer sha256:' + digestOf(from) : 'parsing GGUF'
            })
            if (body.system)
              lines.push({ status: 'creating new layer sha256:' + digestOf(String(body.system)) })
            lines.push({ status: 'writing manifest' }, { status: 'success' })
            models.set(target, {
              ...(base ?? {}),
              name: target,
              from: from ?? Object.keys(files)[0],
              system: typeof body.system === 'string' ? body.system : base?.system,
              template: typeof body.template === 'string' ? body.template : base?.template,
              parameters:
                (body.parameters as Record<string, unknown> | undefined) ?? base?.parameters
            })
          }
        }
        if (body.stream === false) {
          const err = lines.find((l) => (l as Json).error) as Json | undefined
          return err ? json(res, 400, err) : json(res, 200, { status: 'success' })
        }
        return ndjson(res, lines)
      }
      case 'POST /api/chat':
        return chatLike(res, body, 'chat')
      case 'POST /api/generate':
        return chatLike(res, body, 'generate')
      case 'POST /v1/chat/completions':
        return openai(res, body)
      case 'POST /api/embed':
        return embed(res, body)
      case 'POST /v1/completions':
        return completions(res, body)
      default:
        return res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found')
    }
  })
  server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    models,
    running,
    blobs,
    chatReplies,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
