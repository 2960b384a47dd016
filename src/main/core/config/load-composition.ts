import { readFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { validateText, type ValidationResult } from '../../../shared/config/validate'

export interface LoadedComposition extends ValidationResult {
  path: string
  /** The pipeline id: the file name without its extension (`examples/dual-expert.json` → `dual-expert`). */
  id: string
}

export function pipelineIdFromPath(path: string): string {
  return basename(path, extname(path))
}

/** Reads and validates a composition file; an unreadable file is reported, never thrown. */
export async function loadCompositionFile(path: string, opts: { strict?: boolean } = {}): Promise<LoadedComposition> {
  const id = pipelineIdFromPath(path)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String((err as Error).message)
    return {
      path,
      id,
      ok: false,
      diagnostics: [{ severity: 'error', code: 'read', message: `cannot read the file: ${reason}`, path: [], line: 1, column: 1 }]
    }
  }
  return { path, id, ...validateText(text, { fileName: path, strict: opts.strict }) }
}
