import { open } from 'node:fs/promises'
import { basename, dirname, extname } from 'node:path'
import {
  formatForFile,
  type ParsedSource,
  parseSource,
  type SourceFormat
} from '../../../shared/config/source'
import {
  validateSource,
  validateText,
  type ValidationResult
} from '../../../shared/config/validate'
import { type LoadedSecrets, loadSecrets } from '../secrets/loader'
import { createRedactor, type Redactor } from '../secrets/redact'
import type { SecretStore } from '../secrets/types'

export interface LoadedComposition extends ValidationResult {
  /** The file, or for a library pipeline `library:<name>` (shown in diagnostics). */
  path: string
  /** The pipeline id: the file name without its extension (`examples/dual-expert.json` → `dual-expert`). */
  id: string
  /** Where relative paths in the composition resolve: the file's folder, or a library workspace. */
  baseDir: string
  /** The composition's text, when it could be read. */
  text?: string
  /** Present when secrets were resolved (see {@link loadPipelineText}). */
  secrets?: LoadedSecrets
  redact?: Redactor
}

export interface SecretOptions {
  env: NodeJS.ProcessEnv
  store?: SecretStore
}

export function pipelineIdFromPath(path: string): string {
  return basename(path, extname(path))
}

/** The largest composition file read by default: 8 MiB (`--max-file-size` raises it). */
export const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024

/** A file over the size limit: refused from its size, before its text is read. */
export class FileTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number
  ) {
    super(`the file is ${formatBytes(size)}, over the ${formatBytes(limit)} limit`)
  }
}

/** `8 MiB`, `200.5 MiB`, `512 KiB`, `12 bytes`. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${u === 0 ? v : Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`
}

/**
 * Reads a text file of at most `limit` bytes. The size is checked before reading, and the read
 * stops one byte past the limit, so a file that grows meanwhile is refused too, never read whole.
 */
export async function readTextFile(path: string, limit = DEFAULT_MAX_FILE_BYTES): Promise<string> {
  const handle = await open(path, 'r')
  try {
    const info = await handle.stat()
    if (info.isDirectory()) throw Object.assign(new Error('it is a directory'), { code: 'EISDIR' })
    if (info.size > limit) throw new FileTooLargeError(info.size, limit)
    // Room for the whole file and one byte more: a file that grew shows it, up to limit + 1.
    let buf = Buffer.alloc(Math.min(limit + 1, info.size + 1))
    let length = 0
    for (;;) {
      if (length === buf.length) {
        if (length > limit) throw new FileTooLargeError(length, limit)
        const bigger = Buffer.alloc(Math.min(limit + 1, buf.length * 2))
        buf.copy(bigger)
        buf = bigger
      }
      const { bytesRead } = await handle.read(buf, length, buf.length - length, length)
      if (bytesRead === 0) break
      length += bytesRead
    }
    return buf.subarray(0, length).toString('utf8')
  } finally {
    await handle.close()
  }
}

/** Reads and validates a composition file; an unreadable file is reported, never thrown. */
export async function loadCompositionFile(
  path: string,
  opts: { strict?: boolean; maxBytes?: number } = {}
): Promise<LoadedComposition> {
  const id = pipelineIdFromPath(path)
  const baseDir = dirname(path)
  let text: string
  try {
    text = await readTextFile(path, opts.maxBytes)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : String((err as Error).message)
    const tooLarge = err instanceof FileTooLargeError
    return {
      path,
      id,
      baseDir,
      ok: false,
      diagnostics: [
        {
          severity: 'error',
          code: tooLarge ? 'too-large' : 'read',
          message: tooLarge
            ? `${err.message} (raise it with --max-file-size)`
            : `cannot read the file: ${reason}`,
          path: [],
          line: 1,
          column: 1
        }
      ]
    }
  }
  return { path, id, baseDir, ...validateText(text, { fileName: path, strict: opts.strict }), text }
}

/** Where a composition's text came from, and where its relative paths resolve. */
export interface TextOrigin {
  id: string
  /** Shown in diagnostics: a file path or `library:<name>`. */
  path: string
  format: SourceFormat
  baseDir: string
}

/** A composition's text parsed and validated once, kept to load it without doing either again. */
export interface CheckedText {
  text: string
  format: SourceFormat
  source: ParsedSource
  result: ValidationResult
}

/** Parses and validates a composition's text (once: {@link loadPipelineText} takes the result). */
export function checkText(text: string, format: SourceFormat, strict?: boolean): CheckedText {
  const source = parseSource(text, format)
  return { text, format, source, result: validateSource(source, { strict }) }
}

/**
 * Validates a composition's text and resolves its secrets. A secret that cannot be resolved is
 * an error at `secrets.<name>` (the message never holds a value). `checked` is the text already
 * validated by {@link checkText}: it is not parsed or validated again.
 */
export async function loadPipelineText(
  text: string,
  origin: TextOrigin,
  opts: { strict?: boolean; secrets: SecretOptions; checked?: CheckedText }
): Promise<LoadedComposition> {
  const checked =
    opts.checked?.text === text && opts.checked.format === origin.format
      ? opts.checked
      : checkText(text, origin.format, opts.strict)
  const { ok, composition, diagnostics } = checked.result
  const loaded: LoadedComposition = {
    path: origin.path,
    id: origin.id,
    baseDir: origin.baseDir,
    ok,
    ...(composition !== undefined && { composition }),
    // A copy: the secrets' problems are added to this load's list, not to the checked result.
    diagnostics: [...diagnostics],
    text
  }
  return resolveSecrets(loaded, origin.format, opts.secrets, checked.source)
}

/** Reads, validates and resolves the secrets of a composition file. */
export async function loadPipelineFile(
  path: string,
  opts: { strict?: boolean; maxBytes?: number; secrets: SecretOptions }
): Promise<LoadedComposition> {
  const loaded = await loadCompositionFile(path, opts)
  return resolveSecrets(loaded, formatForFile(path), opts.secrets)
}

async function resolveSecrets(
  loaded: LoadedComposition,
  format: SourceFormat,
  opts: SecretOptions,
  parsed?: ParsedSource
): Promise<LoadedComposition> {
  if (!loaded.ok || !loaded.composition) return loaded
  const secrets = await loadSecrets(loaded.composition.secrets, {
    env: opts.env,
    store: opts.store,
    baseDir: loaded.baseDir
  })
  if (secrets.problems.length > 0) {
    const source = parsed ?? parseSource(loaded.text ?? '', format)
    for (const p of secrets.problems) {
      const at = ['secrets', p.name]
      loaded.diagnostics.push({
        severity: 'error',
        code: 'unresolved-secret',
        message: `secret "${p.name}" (${p.source}) cannot be resolved: ${p.message}`,
        path: at,
        ...source.locate(at, { key: true })
      })
    }
    loaded.ok = false
  }
  loaded.secrets = secrets
  loaded.redact = createRedactor(secrets.values())
  return loaded
}
