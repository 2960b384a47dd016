import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The folder of the llmnet package this code runs from (a source checkout, the bundled CLI or the
 * app): the nearest folder up whose package.json is named `llmnet`; undefined if none.
 */
export function packageRoot(from = fileURLToPath(import.meta.url)): string | undefined {
  for (let dir = dirname(from); ;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'llmnet')
          return dir
      } catch {
        // not ours: keep looking
      }
    }
    const up = dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
}
