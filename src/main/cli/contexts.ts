/**
 * @module CLI contexts: named llmnet servers (a desktop app or `llmnet serve`) the cluster verbs
 * talk to, kept in a YAML file in the user's config folder, in the Rust llmnet's layout
 * (`current-context`, `contexts: {name: {name, url, token}}`; its `api_key` is read as the token).
 * The built-in context `local` is the server running on this machine's data folder. A context of
 * kind `kubernetes` names a kubeconfig context and namespace instead (see docs/kubernetes.md).
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { parse, stringify } from 'yaml'
import { z } from 'zod'

export const LOCAL_CONTEXT = 'local'

const LlmnetContextSchema = z
  .object({
    name: z.string().optional(),
    kind: z.literal('llmnet').default('llmnet'),
    url: z.url(),
    token: z.string().optional(),
    /** The Rust llmnet's name for the token. */
    api_key: z.string().optional(),
    description: z.string().optional()
  })
  .transform(({ api_key, ...c }) => ({ ...c, token: c.token ?? api_key }))

/** A Kubernetes cluster: credentials and cluster come from the kubeconfig, never from here. */
const KubernetesContextSchema = z.object({
  name: z.string().optional(),
  kind: z.literal('kubernetes'),
  /** The kubeconfig context (default: the kubeconfig's current context). */
  kubeContext: z.string().optional(),
  /** The namespace (default: the kubeconfig context's, else `default`). */
  namespace: z.string().optional(),
  /** The kubeconfig file (default: $KUBECONFIG, else ~/.kube/config). */
  kubeconfig: z.string().optional(),
  description: z.string().optional()
})

/** A context without `kind` (the Rust llmnet's files) is an llmnet one. */
const ContextSchema = z.preprocess(
  (v) => (v && typeof v === 'object' && !('kind' in v) ? { ...v, kind: 'llmnet' } : v),
  z.discriminatedUnion('kind', [LlmnetContextSchema, KubernetesContextSchema])
)

const FileSchema = z.object({
  'current-context': z.string().optional(),
  contexts: z.record(z.string(), ContextSchema).default({})
})

export type LlmnetContext = z.output<typeof LlmnetContextSchema> & { name: string }
export type KubernetesContext = z.output<typeof KubernetesContextSchema> & { name: string }
export type CliContext = LlmnetContext | KubernetesContext
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
      c.kind === 'kubernetes'
        ? { ...c, name }
        : {
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
