/**
 * @module The bundled example compositions (the package's `examples/` folder), for the gallery.
 */
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { z } from 'zod'
import type { ExampleSchema } from '../../../shared/contract/pipelines'
import { formatForFile, parseSource } from '../../../shared/config/source'
import { packageRoot } from '../package-root'

type Example = z.infer<typeof ExampleSchema>

/** The `examples/` folder of the llmnet package this code runs from; undefined if none. */
export function bundledExamplesDir(from?: string): string | undefined {
  const root = packageRoot(from)
  const examples = root && join(root, 'examples')
  return examples && existsSync(examples) ? examples : undefined
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
