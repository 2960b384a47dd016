import { linkSync, rmSync, writeFileSync } from 'node:fs'

/**
 * Creates `file` holding `text` only if no such file exists, and returns whether it did. The text
 * is written aside first and hard-linked into place, so no reader ever sees it half-written.
 */
export function createExclusive(file: string, text: string, mode = 0o666): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  writeFileSync(tmp, text, { flag: 'wx', mode })
  try {
    linkSync(tmp, file)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw err
  } finally {
    rmSync(tmp, { force: true })
  }
}
