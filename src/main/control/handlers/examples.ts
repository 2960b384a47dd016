/**
 * @module The bundled example compositions (the package's `examples/` folder), for the gallery.
 */
import { existsSync, readFileSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { z } from 'zod'
import type { ExampleSchema } from '../../../shared/contract/pipelines'
import { formatForFile, parseSource } from '../../../shared/config/source'

type Example = z.infer<typeof ExampleSchema>

/**
 * The `examples/` folder of the llmnet package this code runs from (a source checkout, the
 * bundled CLI or the app), found next to the package.json named `llmnet`; undefined if none.
 */
export function bundledExamplesDir(from = fileURLToPath(import.meta.url)): string | undefined {
  for (let dir = dirname(from); ;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && /"name":\s*"llmnet"/.test(readFileSync(pkg, 'utf8'))) {
      const examples = join(dir, 'examples')
      return existsSync(examples) ? examples : undefined
    }
    const up = dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
}

/** Every `.json`/`.yaml` composition in `dir`, by name, each with its `description`. */
export async function readExamples(dir: string | undefined): Promise<Example[]> {
  if (!dir) return []
  const files = (await readdir(dir)).filter((f) => /\.(json|ya?ml)$/i.test(f)).sort()
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(join(dir, file), 'utf8')
      const format = formatForFile(file)
      // An example that does not parse is still shown: the editor will say what is wrong.
      const value = parseSource(text, format).value as { description?: unknown } | undefined
      return {
        name: file.replace(/\.[^.]+$/, ''),
        description: typeof value?.description === 'string' ? value.description : '',
        text,
        format
      }
    })
  )
}
