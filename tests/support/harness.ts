/**
 * Shared helpers for the end-to-end tests: compositions written to temp files, a real runtime
 * listening on port 0, the official `openai` client, raw HTTP (to set Host and Origin, which
 * fetch does not let us choose) and an SSE splitter.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import OpenAI from 'openai'
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/main/runtime'
import type { RecordedRequest } from './fake-openai'

/** A composition as plain JSON (tests write odd ones on purpose, so no schema type here). */
export type Json = Record<string, unknown>

export function tempDir(prefix = 'llmnet-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export function writeComposition(dir: string, fileName: string, composition: Json): string {
  const file = path.join(dir, fileName.includes('.') ? fileName : `${fileName}.json`)
  writeFileSync(file, JSON.stringify(composition, null, 2))
  return file
}

/** Replaces a file the way editors do (write elsewhere, rename over), so a reader never sees half a file. */
export function replaceFile(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text)
  renameSync(`${file}.tmp`, file)
}

export function externalModel(url: string, extra: Json = {}): Json {
  return { type: 'external', url, ...extra }
}

export function openaiClient(baseUrl: string, apiKey = 'x'): OpenAI {
  return new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey, maxRetries: 0 })
}

export interface Served {
  runtime: Runtime
  url: string
  client: OpenAI
  dir: string
  /** Pipeline id → composition file. */
  files: Record<string, string>
  close(): Promise<void>
}

/** Writes the compositions (in the given order: the first is the default), loads them, listens on port 0. */
export async function serve(
  compositions: Record<string, Json>,
  opts: RuntimeOptions = {}
): Promise<Served> {
  const tmp = tempDir()
  const runtime = createRuntime({ env: {}, ...opts })
  const files: Record<string, string> = {}
  for (const [id, composition] of Object.entries(compositions)) {
    const file = writeComposition(tmp.dir, id, composition)
    const loaded = await runtime.pipelineService.loadFile(file)
    if (!loaded.ok) {
      throw new Error(
        `test composition ${id} is invalid: ${JSON.stringify(loaded.diagnostics.filter((d) => d.severity === 'error'))}`
      )
    }
    files[id] = file
  }
  runtime.pipelines.setDefault(Object.keys(compositions)[0])
  const listening = await runtime.listen(0)
  return {
    runtime,
    url: listening.url,
    client: openaiClient(listening.url),
    dir: tmp.dir,
    files,
    async close() {
      await runtime.stop()
      tmp.remove()
    }
  }
}

// ── recorded upstream requests ────────────────────────────────────────────────────────────────

export interface WireMessage {
  role: string
  content: string
}

export function messagesOf(req: RecordedRequest): WireMessage[] {
  return (req.body?.messages ?? []) as WireMessage[]
}

/** The system prompt llmnet sends to a router (whether or not the backend honours the schema). */
export function isRouterCall(req: RecordedRequest): boolean {
  return messagesOf(req)[0]?.content?.startsWith('You are a request router') ?? false
}

export function systemContent(req: RecordedRequest): string | undefined {
  const first = messagesOf(req)[0]
  return first?.role === 'system' ? first.content : undefined
}

/** The candidate names offered in a routing call's JSON schema. */
export function offeredRoutes(req: RecordedRequest): string[] | undefined {
  return req.body?.response_format?.json_schema?.schema?.properties?.route?.enum as
    string[] | undefined
}

// ── raw HTTP ──────────────────────────────────────────────────────────────────────────────────

export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  text: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests inspect arbitrary wire JSON
  json(): any
}

/** One HTTP request with full control of the headers (Host and Origin included). */
export function rawRequest(
  baseUrl: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }
): Promise<RawResponse> {
  const url = new URL(opts.path, baseUrl)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: opts.method ?? 'GET',
        headers: {
          ...(opts.body !== undefined
            ? { 'content-length': String(Buffer.byteLength(opts.body)) }
            : {}),
          ...opts.headers
        }
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text)
          })
        })
        res.on('error', reject)
      }
    )
    req.on('error', reject)
    req.end(opts.body)
  })
}

/**
 * Starts a streamed chat request to `model` and reads it until `marker` has arrived (the answer
 * is under way); `rest()` reads it to its end and returns the whole body.
 */
export async function openStream(
  url: string,
  model: string,
  marker: string
): Promise<{ rest: () => Promise<string> }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }]
    })
  })
  if (res.status !== 200) throw new Error(`stream answered ${res.status}: ${await res.text()}`)
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let text = ''
  while (!text.includes(marker)) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`stream ended before ${marker}: ${text}`)
    text += decoder.decode(value, { stream: true })
  }
  return {
    async rest() {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return text
        text += decoder.decode(value, { stream: true })
      }
    }
  }
}

/** The `data:` payloads of an SSE body, in order (`[DONE]` included). */
export function sseData(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) =>
      block
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(l[5] === ' ' ? 6 : 5))
        .join('\n')
    )
}
