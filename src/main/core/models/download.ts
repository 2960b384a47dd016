/**
 * @module Model downloads that survive real networks: the body streams to `<dest>.part` (never
 * held in memory); an existing `.part` is resumed with an HTTP `Range` request (a server that
 * ignores Range and answers 200 restarts the file); a connection cut mid-body is resumed
 * automatically a few times; free disk space is checked against Content-Length before writing;
 * redirects are followed (Hugging Face redirects to its CDN); the SHA-256 is verified when known
 * (a mismatch deletes the `.part`); the finished file is renamed into place atomically and a
 * `<dest>.sha256` sidecar is written. Cancelling keeps the `.part` for a later resume.
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, stat, statfs, truncate, unlink, writeFile } from 'node:fs/promises'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import path from 'node:path'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { formatBytes } from '../../../shared/units'
import { CodedError, isAbortError } from '../errors'
import { sleep } from '../sleep'

export interface DownloadProgress {
  /** Bytes in the file so far, resumed bytes included. */
  received: number
  /** Size of the whole file, when the server said. */
  total?: number
  /** Average speed of this attempt, in bytes per second. */
  bytesPerSecond: number
}

/** Free space as `fs.statfs` reports it (numbers or bigints). */
export interface FsSpace {
  bavail: number | bigint
  bsize: number | bigint
  /** Size of the file system in blocks (for the 5 % margin). */
  blocks?: number | bigint
}

export interface DownloadOptions {
  /** Expected SHA-256 (hex). A mismatch deletes the partial file and fails. */
  sha256?: string
  onProgress?(p: DownloadProgress): void
  /** Cancels the download; the `.part` file is kept for a later resume. */
  signal?: AbortSignal
  /** Extra request headers (e.g. `authorization` for gated Hugging Face repos). */
  headers?: Record<string, string>
  /** Minimum interval between progress callbacks (default 100 ms; 0 = every chunk). */
  progressIntervalMs?: number
  /** Automatic resumes after a connection breaks mid-body (default 3). */
  retries?: number
  /** Delay before the first automatic resume; doubles each time (default 250 ms). */
  retryDelayMs?: number
  /** Socket idle timeout (default 60 s). */
  idleTimeoutMs?: number
  maxRedirects?: number
  /** Replaces `fs.statfs` (tests simulate a full disk with it). */
  statfs?: (dir: string) => Promise<FsSpace>
  /**
   * Refuse a body that does not start with these bytes (`GGUF` for models): an HTML error or
   * login page, or another kind of file, is stopped at its first bytes and deleted.
   */
  magic?: string
  /**
   * Free space always left on the disk while writing a body of unknown size (default: 1 GiB, or
   * 5 % of a smaller disk); below it the download stops and its partial file is deleted.
   */
  minFreeBytes?: number
  /** How many bytes are written between two free-space checks of such a body (default 64 MiB). */
  spaceCheckBytes?: number
}

export interface DownloadResult {
  path: string
  bytes: number
  sha256: string
  /** Whether bytes from an earlier `.part` were kept. */
  resumed: boolean
}

export type DownloadErrorCode =
  | 'checksum_mismatch'
  | 'insufficient_space'
  | 'http_error'
  | 'too_many_redirects'
  | 'network'
  | 'aborted'
  | 'not_gguf'

/** A download failure; `code` says which kind. */
export class DownloadError extends CodedError<DownloadErrorCode> {
  override readonly name = 'DownloadError'
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--'
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}

/**
 * One line for a terminal: `[=====>    ]  45%  180.2 MB / 398.0 MB  12.3 MB/s  ETA 0:18`, never
 * wider than `width`. Without a known total it shows bytes and speed only.
 */
export function formatProgress(p: DownloadProgress, width = 80): string {
  const speed = `${formatBytes(Math.round(p.bytesPerSecond))}/s`
  if (!p.total || p.total <= 0) {
    return `${formatBytes(p.received)}  ${speed}`.slice(0, width)
  }
  const ratio = Math.min(1, p.received / p.total)
  const pct = `${Math.floor(ratio * 100)}%`.padStart(4)
  const eta =
    p.bytesPerSecond > 0 ? formatDuration((p.total - p.received) / p.bytesPerSecond) : '--:--'
  const text = `${pct}  ${formatBytes(p.received)} / ${formatBytes(p.total)}  ${speed}  ETA ${eta}`
  const barWidth = width - text.length - 3
  if (barWidth < 5) return text.slice(0, width)
  const filled = Math.floor(ratio * barWidth)
  const bar =
    ratio >= 1 ? '='.repeat(barWidth) : '='.repeat(filled) + '>' + ' '.repeat(barWidth - filled - 1)
  return `[${bar}] ${text}`
}

/** Writes `<file>.sha256` in `sha256sum` format. */
export async function writeSha256Sidecar(file: string, sha256: string): Promise<void> {
  await writeFile(`${file}.sha256`, `${sha256}  ${path.basename(file)}\n`, { mode: 0o600 })
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size
  } catch {
    return 0
  }
}

/** The SHA-256 of a file (hex), streamed; the signal cancels it. */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(
    createReadStream(file),
    new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk)
        cb()
      }
    }),
    { signal }
  )
  return hash.digest('hex')
}

interface Opened {
  res: IncomingMessage
  url: URL
}

/** GET with redirects. Authorization is not forwarded to another host. */
function get(
  url: URL,
  headers: Record<string, string>,
  opts: DownloadOptions,
  redirectsLeft: number
): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const send =
      url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined
    if (!send)
      return reject(
        new DownloadError(
          'http_error',
          `unsupported URL scheme ${url.protocol} (use http or https)`
        )
      )
    const req = send(url, { method: 'GET', headers, signal: opts.signal }, (res) => {
      const status = res.statusCode ?? 0
      if (REDIRECTS.has(status) && res.headers.location) {
        res.resume()
        if (redirectsLeft <= 0) {
          return reject(
            new DownloadError('too_many_redirects', `too many redirects fetching ${url.href}`)
          )
        }
        const next = new URL(res.headers.location, url)
        const nextHeaders = { ...headers }
        if (next.host !== url.host) {
          for (const k of Object.keys(nextHeaders))
            if (k.toLowerCase() === 'authorization') delete nextHeaders[k]
        }
        get(next, nextHeaders, opts, redirectsLeft - 1).then(resolve, reject)
        return
      }
      resolve({ res, url })
    })
    req.setTimeout(opts.idleTimeoutMs ?? 60_000, () => {
      req.destroy(
        Object.assign(
          new Error(`no data from ${url.host} for ${opts.idleTimeoutMs ?? 60_000} ms`),
          { code: 'ETIMEDOUT' }
        )
      )
    })
    req.once('error', reject)
    req.end()
  })
}

/** `bytes 100-199/1000` → { start: 100, total: 1000 }. */
function parseContentRange(header: string | undefined): { start?: number; total?: number } {
  const m = /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/i.exec(header?.trim() ?? '')
  if (!m) return {}
  return {
    start: m[1] !== undefined ? Number(m[1]) : undefined,
    total: m[2] !== '*' ? Number(m[2]) : undefined
  }
}

function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return Boolean(signal?.aborted) || isAbortError(err)
}

/** Result of one HTTP attempt. */
type Attempt = { done: true; bytes: number; total?: number } | { done: false; error: unknown }

/** One download's fixed facts, shared by its steps. */
interface Job {
  url: string
  dest: string
  part: string
  dir: string
  opts: DownloadOptions
  free: (dir: string) => Promise<FsSpace>
  /** Whether an attempt kept bytes from an earlier `.part`. */
  resumed: boolean
}

/** A body being received: where it starts in the file and how long the whole file is. */
interface Body {
  opened: Opened
  start: number
  total: number | undefined
}

/**
 * Downloads `url` to `dest`. See the module comment for the guarantees.
 *
 * @throws {DownloadError} `checksum_mismatch` (the `.part` is deleted), `insufficient_space`,
 * `http_error`, `too_many_redirects`, `network` (after the automatic resumes), `aborted`
 * (the `.part` is kept).
 */
export async function download(
  url: string,
  dest: string,
  opts: DownloadOptions = {}
): Promise<DownloadResult> {
  const dir = path.dirname(dest)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const job: Job = {
    url,
    dest,
    part: `${dest}.part`,
    dir,
    opts,
    free: opts.statfs ?? ((d: string) => statfs(d)),
    resumed: false
  }
  const { part } = job
  const retries = opts.retries ?? 3
  let attempt = 0

  for (;;) {
    if (opts.signal?.aborted) throw aborted(part, await sizeOf(part))
    const result = await attemptOnce(job, await sizeOf(part))
    if (result.done) return finish(job, result.bytes)
    const err = result.error
    if (err instanceof DownloadError) {
      if (err.code === 'not_gguf' || err.code === 'insufficient_space')
        await unlink(part).catch(() => undefined)
      throw err
    }
    if (isAbort(err, opts.signal)) throw aborted(part, await sizeOf(part))
    if (attempt >= retries) {
      const kept = await sizeOf(part)
      throw new DownloadError(
        'network',
        `download of ${url} failed after ${attempt + 1} attempts: ${(err as Error).message}` +
          (kept > 0 ? `; ${kept} bytes kept in ${part}, run again to resume` : ''),
        { cause: err }
      )
    }
    await sleep((opts.retryDelayMs ?? 250) * 2 ** attempt++, opts.signal).catch(async () => {
      throw aborted(part, await sizeOf(part))
    })
  }
}

/** The whole file is in `.part`: checks its SHA-256, renames it into place, writes the sidecar. */
async function finish(job: Job, bytes: number): Promise<DownloadResult> {
  const { part, dest, opts } = job
  const actual = await sha256File(part, opts.signal).catch(async (err: unknown) => {
    if (isAbort(err, opts.signal)) throw aborted(part, await sizeOf(part))
    throw err
  })
  if (opts.sha256 && actual.toLowerCase() !== opts.sha256.toLowerCase()) {
    await unlink(part).catch(() => undefined)
    throw new DownloadError(
      'checksum_mismatch',
      `checksum mismatch for ${job.url}: expected sha256 ${opts.sha256.toLowerCase()}, got ${actual}; the partial file was deleted`
    )
  }
  await rename(part, dest)
  await writeSha256Sidecar(dest, actual)
  return { path: dest, bytes, sha256: actual, resumed: job.resumed }
}

/** One HTTP attempt, resuming from `existing` bytes of `.part`. */
async function attemptOnce(job: Job, existing: number): Promise<Attempt> {
  const { opts } = job
  const headers: Record<string, string> = { 'user-agent': 'llmnet', ...opts.headers }
  if (existing > 0) headers.range = `bytes=${existing}-`
  let opened: Opened
  try {
    opened = await get(new URL(job.url), headers, opts, opts.maxRedirects ?? 10)
  } catch (error) {
    return { done: false, error }
  }
  const body = await readStatus(job, opened, existing)
  if ('done' in body) return body
  await checkSpace(job, body)
  // A model is refused at its first bytes when it is an HTML page or not the expected format.
  const type = String(opened.res.headers['content-type'] ?? '')
  if (opts.magic && body.start === 0 && /text\/html/i.test(type)) {
    opened.res.destroy()
    return { done: false, error: notModel(opened.url, 'an HTML page', opts.magic) }
  }
  return receive(job, body)
}

/**
 * What the answer's status means: a body to receive (206 from where `.part` ends, 200 from the
 * start), a file already complete (416 for a range at its end), a restart, or an HTTP error.
 */
async function readStatus(job: Job, opened: Opened, existing: number): Promise<Body | Attempt> {
  const { res } = opened
  const status = res.statusCode ?? 0
  if (status === 206) {
    const range = parseContentRange(res.headers['content-range'])
    if (range.start !== existing) {
      // A range we did not ask for: start over rather than splice the wrong bytes.
      res.resume()
      await truncate(job.part, 0).catch(() => undefined)
      return {
        done: false,
        error: new Error(`server answered a different range (${res.headers['content-range']})`)
      }
    }
    job.resumed = job.resumed || existing > 0
    return { opened, start: existing, total: range.total }
  }
  if (status === 200) {
    // Full body: either a fresh download or a server that ignores Range. Restart the file.
    const len = Number(res.headers['content-length'])
    const total =
      Number.isFinite(len) && res.headers['content-length'] !== undefined ? len : undefined
    return { opened, start: 0, total }
  }
  if (status === 416 && existing > 0) {
    res.resume()
    const range = parseContentRange(res.headers['content-range'])
    if (range.total === existing) return { done: true, bytes: existing, total: existing }
    await truncate(job.part, 0).catch(() => undefined)
    return { done: false, error: new Error('the server rejected the resume range; restarting') }
  }
  const text = await readSome(res)
  throw new DownloadError(
    'http_error',
    `GET ${opened.url.href} answered ${status}${text ? `: ${text}` : ''}`
  )
}

/** Free space for what is still to come, before writing anything. */
async function checkSpace(job: Job, { opened, start, total }: Body): Promise<void> {
  const remaining = total !== undefined ? total - start : undefined
  if (remaining === undefined || remaining <= 0) return
  const available = freeBytes(await job.free(job.dir))
  if (available < remaining) {
    opened.res.destroy()
    throw new DownloadError(
      'insufficient_space',
      `not enough disk space in ${job.dir}: the download needs ${formatBytes(remaining)} more, only ${formatBytes(available)} is free`
    )
  }
}

function freeBytes(fsInfo: FsSpace): number {
  return Number(BigInt(fsInfo.bavail) * BigInt(fsInfo.bsize))
}

/** Streams the body into `.part`, counting it, checking its first bytes and the free space. */
async function receive(job: Job, { opened, start, total }: Body): Promise<Attempt> {
  const { opts } = job
  const interval = opts.progressIntervalMs ?? 100
  const guard = spaceGuard(job, total === undefined)
  let received = start
  const began = Date.now()
  let lastReport = 0
  const report = (force: boolean): void => {
    if (!opts.onProgress) return
    const now = Date.now()
    if (!force && now - lastReport < interval) return
    lastReport = now
    const secs = Math.max((now - began) / 1000, 0.001)
    opts.onProgress({ received, total, bytesPerSecond: (received - start) / secs })
  }
  let head = start === 0 && opts.magic ? Buffer.alloc(0) : undefined
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (head && opts.magic) {
        head = Buffer.concat([head, chunk.subarray(0, opts.magic.length)])
        if (head.length >= opts.magic.length || chunk.length === 0) {
          const bad = badStart(head, opts.magic)
          if (bad) return cb(notModel(opened.url, bad, opts.magic))
          head = undefined
        }
      }
      received += chunk.length
      report(false)
      if (!guard) return cb(null, chunk)
      guard(chunk.length).then(
        () => cb(null, chunk),
        (err: Error) => cb(err)
      )
    }
  })
  // A connection cut mid-body ends the file rather than destroying it: what arrived before the
  // cut is written out, so the next attempt resumes from there. (Handed the response itself,
  // `pipeline` closed the file as soon as the response failed, dropping whatever it still held.)
  let cut: unknown
  async function* untilCut(res: IncomingMessage): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of res) yield chunk as Buffer
    } catch (err) {
      cut = err
    }
  }
  try {
    await pipeline(
      untilCut(opened.res),
      counter,
      createWriteStream(job.part, { flags: start > 0 ? 'a' : 'w', mode: 0o600 }),
      { signal: opts.signal }
    )
  } catch (error) {
    return { done: false, error }
  }
  if (cut !== undefined) return { done: false, error: cut }
  if (total !== undefined && received < total) {
    return {
      done: false,
      error: new Error(`the connection closed after ${received} of ${total} bytes`)
    }
  }
  report(true)
  return { done: true, bytes: received, total }
}

/**
 * For a body of unknown size: a check of the free space every `spaceCheckBytes`, which fails
 * once less than the margin is left.
 */
function spaceGuard(
  job: Job,
  unknownSize: boolean
): ((bytes: number) => Promise<void>) | undefined {
  if (!unknownSize) return undefined
  const { opts, dir } = job
  const every = opts.spaceCheckBytes ?? 64 * 1024 * 1024
  let written = every // check before the first write too
  return async (bytes) => {
    written += bytes
    if (written < every) return
    written = 0
    const fsInfo = await job.free(dir)
    const available = freeBytes(fsInfo)
    const size =
      fsInfo.blocks === undefined ? undefined : Number(BigInt(fsInfo.blocks) * BigInt(fsInfo.bsize))
    const margin =
      opts.minFreeBytes ?? Math.min(GIB, size === undefined ? GIB : Math.floor(size * 0.05))
    if (available < margin) {
      throw new DownloadError(
        'insufficient_space',
        `stopped downloading ${job.url}: the server did not say its size, and only ${formatBytes(available)} is left free in ${dir} (llmnet keeps ${formatBytes(margin)} free); the partial file was deleted`
      )
    }
  }
}

function aborted(file: string, kept: number): DownloadError {
  return new DownloadError(
    'aborted',
    `download cancelled` + (kept > 0 ? `; ${kept} bytes kept in ${file} for a later resume` : '')
  )
}

const GIB = 1024 ** 3

/** Why a body that should start with `magic` does not: an HTML page, or other bytes. */
function badStart(head: Buffer, magic: string): string | undefined {
  if (head.subarray(0, magic.length).toString('latin1') === magic) return undefined
  const text = head.toString('latin1').trimStart()
  if (text.startsWith('<')) return 'an HTML page'
  const hex = [...head.subarray(0, magic.length)].map((b) => b.toString(16).padStart(2, '0'))
  return `a file that starts with bytes ${hex.join(' ') || '(none)'}`
}

function notModel(url: URL, what: string, magic: string): DownloadError {
  return new DownloadError(
    'not_gguf',
    `${url.href} is ${what}, not a ${magic} model file (a wrong link, or a login or error page?); the partial file was deleted`
  )
}

async function readSome(res: IncomingMessage): Promise<string> {
  let text = ''
  try {
    for await (const chunk of res) {
      text += (chunk as Buffer).toString('utf8')
      if (text.length > 300) break
    }
  } catch {
    // ignore: the status is the message
  }
  res.destroy()
  return text.trim().slice(0, 300)
}
