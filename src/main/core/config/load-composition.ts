import { readFile } from 'node:fs/promises'
import { basename, dirname, extname } from 'node:path'
import { formatForFile, parseSource, type SourceFormat } from '../../../shared/config/source'
import { validateText, type ValidationResult } from '../../../shared/config/validate'
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

/** Reads and validates a composition file; an unreadable file is reported, never thrown. */
export async function loadCompositionFile(
  path: string,
  opts: { strict?: boolean } = {}
): Promise<LoadedComposition> {
  const id = pipelineIdFromPath(path)
  const baseDir = dirname(path)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : String((err as Error).message)
    return {
      path,
      id,
      baseDir,
      ok: false,
      diagnostics: [
        {
          severity: 'error',
          code: 'read',
          message: `cannot read the file: ${reason}`,
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

/**
 * Validates a composition's text and resolves its secrets. A secret that cannot be resolved is
 * an error at `secrets.<name>` (the message never holds a value).
 */
export async function loadPipelineText(
  text: string,
  origin: TextOrigin,
  opts: { strict?: boolean; secrets: SecretOptions }
): Promise<LoadedComposition> {
  const loaded: LoadedComposition = {
    path: origin.path,
    id: origin.id,
    baseDir: origin.baseDir,
    ...validateText(text, { format: origin.format, strict: opts.strict }),
    text
  }
  return resolveSecrets(loaded, origin.format, opts.secrets)
}

/** Reads, validates and resolves the secrets of a composition file. */
export async function loadPipelineFile(
  path: string,
  opts: { strict?: boolean; secrets: SecretOptions }
): Promise<LoadedComposition> {
  const loaded = await loadCompositionFile(path, opts)
  return resolveSecrets(loaded, formatForFile(path), opts.secrets)
}

async function resolveSecrets(
  loaded: LoadedComposition,
  format: SourceFormat,
  opts: SecretOptions
): Promise<LoadedComposition> {
  if (!loaded.ok || !loaded.composition) return loaded
  const secrets = await loadSecrets(loaded.composition.secrets, {
    env: opts.env,
    store: opts.store,
    baseDir: loaded.baseDir
  })
  if (secrets.problems.length > 0) {
    const source = parseSource(loaded.text ?? '', format)
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
