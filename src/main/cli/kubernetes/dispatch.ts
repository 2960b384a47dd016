/**
 * @module Where the cluster verbs turn to Kubernetes: the named (or current) context when it is
 * of kind `kubernetes`, and the verbs' module loaded only then, so every other command starts
 * without @kubernetes/client-node.
 */
import { contextFilePath, type KubernetesContext, LOCAL_CONTEXT, readContexts } from '../contexts'
import { EXIT } from '../exit-codes'
import type { CliIO } from '../io'
import type * as KubeCommands from './commands'

export type Row = Record<string, string | number | boolean | null>

interface ContextFlags {
  context?: string
  config?: string
  output?: string
  namespace?: string
}

/** The Kubernetes verbs (and with them the client library), loaded on first use. */
export const kubernetes = (): Promise<typeof KubeCommands> => import('./commands')

/** The context the verb names when it is of kind `kubernetes`; undefined for llmnet ones. */
export async function kubeContext(
  io: CliIO,
  flags: ContextFlags
): Promise<KubernetesContext | undefined> {
  let data
  try {
    data = await readContexts(contextFilePath(io.env, flags.config))
  } catch {
    return undefined // the llmnet path reports the broken file
  }
  const name = flags.context ?? data['current-context'] ?? LOCAL_CONTEXT
  const found = data.contexts[name]
  return found?.kind === 'kubernetes' ? { ...found, name } : undefined
}

/** `-o` of the listing verbs on Kubernetes: table or json. */
export function checkOutput(io: CliIO, flags: ContextFlags): boolean {
  if (flags.output === undefined || flags.output === 'json' || flags.output === 'table') return true
  io.stderr.write(`llmnet: -o must be "table" or "json", got "${flags.output}"\n`)
  return false
}

/** `scale NAME --replicas N`: Kubernetes contexts only (an llmnet server runs one copy). */
export async function scaleCommand(
  name: string,
  flags: ContextFlags & { replicas: string },
  io: CliIO
): Promise<number> {
  const replicas = Number(flags.replicas)
  if (!Number.isSafeInteger(replicas) || replicas < 0) {
    io.stderr.write('llmnet: --replicas must be a whole number, 0 or more\n')
    return EXIT.USAGE
  }
  const kube = await kubeContext(io, flags)
  if (!kube) {
    io.stderr.write(
      'llmnet: scale needs a Kubernetes context ("llmnet context add NAME --kubernetes"); an llmnet server runs one copy of each pipeline\n'
    )
    return EXIT.USAGE
  }
  return (await kubernetes()).kubeScale(name, replicas, kube, flags, io)
}
