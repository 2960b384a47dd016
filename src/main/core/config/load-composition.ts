import { readFile } from 'node:fs/promises'
import { basename, dirname, extname } from 'node:path'
import { formatForFile, parseSource } from '../../../shared/config/source'
import { validateText, type ValidationResult } from '../../../shared/config/validate'
import { type LoadedSecrets, loadSecrets } from '../secrets/loader'
import { createRedactor, type Redactor } from '../secrets/redact'
import type { SecretStore } from '../secrets/types'

export interface LoadedComposition extends ValidationResult {
  path: string
  /** The pipeline id: the file name without its extension (`examples/dual-expert.json` → `dual-expert`). */
  id: string
  /** The file's text, when it could be read. */
  text?: string
  /** Present when secrets were resolved (see {@link loadPipelineFile}). */
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
  return { path, id, ...validateText(text, { fileName: path, strict: opts.strict }), text }
}

/**
 * Reads, validates and resolves the secrets of a composition file. A secret that cannot be
 * resolved is an error at `secrets.<name>` (the message never holds a value).
 */
export async function loadPipelineFile(
  path: string,
  opts: { strict?: boolean; secrets: SecretOptions }
): Promise<LoadedComposition> {
  const loaded = await loadCompositionFile(path, opts)
  if (!loaded.ok || !loaded.composition) return loaded
  const secrets = await loadSecrets(loaded.composition.secrets, {
    env: opts.secrets.env,
    store: opts.secrets.store,
    baseDir: dirname(path)
  })
  if (secrets.problems.length > 0) {
    const source = parseSource(loaded.text ?? '', formatForFile(path))
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
