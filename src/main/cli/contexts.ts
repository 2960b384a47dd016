/**
 * @module CLI contexts: named llmnet servers (a desktop app or `llmnet serve`) the cluster verbs
 * talk to, kept in a YAML file in the user's config folder, in the original's layout
 * (`current-context`, `contexts: {name: {name, url, token}}`; its `api_key` is read as the token).
 * The built-in context `local` is the server running on this machine's data folder.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { parse, stringify } from 'yaml'
import { z } from 'zod'

export const LOCAL_CONTEXT = 'local'

const ContextSchema = z
  .object({
    name: z.string().optional(),
    kind: z.literal('llmnet').default('llmnet'),
    url: z.url(),
    token: z.string().optional(),
    /** The original's name for the token. */
    api_key: z.string().optional(),
    description: z.string().optional()
  })
  .transform(({ api_key, ...c }) => ({ ...c, token: c.token ?? api_key }))

const FileSchema = z.object({
  'current-context': z.string().optional(),
  contexts: z.record(z.string(), ContextSchema).default({})
})

export type CliContext = z.output<typeof ContextSchema> & { name: string }
export type ContextFile = z.output<typeof FileSchema>

/** The context file: `--config`, `LLMNET_CONFIG`, else `<config folder>/llmnet/config`. */
export function contextFilePath(env: NodeJS.ProcessEnv, override?: string): string {
  if (override) return override
  if (env.LLMNET_CONFIG) return env.LLMNET_CONFIG
  const home = env.HOME ?? homedir()
  const base =
    process.platform === 'win32'
      ? (env.APPDATA ?? join(home, 'AppData', 'Roaming'))
      : (env.XDG_CONFIG_HOME ?? join(home, '.config'))
  return join(base, 'llmnet', 'config')
}

export class ContextFileError extends Error {}

export async function readContexts(file: string): Promise<ContextFile> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { contexts: {} }
    throw new ContextFileError(`cannot read ${file}: ${(err as Error).message}`)
  }
  let value: unknown
  try {
    value = parse(text) ?? {}
  } catch (err) {
    throw new ContextFileError(`${file} is not valid YAML: ${(err as Error).message}`)
  }
  const parsed = FileSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ContextFileError(
      `${file}: ${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}`
    )
  }
  return parsed.data
}

/** Writes the context file (mode 0600: it holds tokens). */
export async function writeContexts(file: string, data: ContextFile): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  const contexts = Object.fromEntries(
    Object.entries(data.contexts).map(([name, c]) => [
      name,
      {
        name,
        kind: c.kind,
        url: c.url,
        ...(c.token ? { token: c.token } : {}),
        ...(c.description ? { description: c.description } : {})
      }
    ])
  )
  await writeFile(file, stringify({ ...data, contexts }), { mode: 0o600 })
  await chmod(file, 0o600)
}
