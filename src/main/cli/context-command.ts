/**
 * @module `llmnet context list|current|add|use|delete`: the servers the cluster verbs talk to
 * (a desktop app or `llmnet serve` by URL, or a Kubernetes cluster from the kubeconfig), kept in
 * the context file (contexts.ts).
 */
import type { Command } from 'commander'
import { printRows, type RemoteFlags, remoteOptions } from './cluster-commands'
import {
  type ContextFile,
  contextFilePath,
  LOCAL_CONTEXT,
  readContexts,
  writeContexts
} from './contexts'
import { EXIT } from './exit-codes'
import type { CliIO } from './io'
import type { SetExit } from './options'

export type ContextFlags = RemoteFlags & {
  url?: string
  token?: string
  kubernetes?: boolean
  kubeContext?: string
  kubeconfig?: string
}

export async function contextCommand(
  action: 'add' | 'use' | 'list' | 'current' | 'delete',
  name: string | undefined,
  flags: ContextFlags,
  io: CliIO
): Promise<number> {
  const file = contextFilePath(io.env, flags.config)
  let data
  try {
    data = await readContexts(file)
  } catch (err) {
    io.stderr.write(`llmnet: ${(err as Error).message}\n`)
    return EXIT.INVALID
  }
  const current = data['current-context'] ?? LOCAL_CONTEXT
  switch (action) {
    case 'list':
      listContexts(data, current, flags, io)
      return EXIT.OK
    case 'current':
      io.stdout.write(`${current}\n`)
      return EXIT.OK
    case 'add':
      return addContext(file, data, name, flags, io)
    case 'use':
    case 'delete':
      return useOrDeleteContext(action, file, data, name, io)
  }
}

/** `list`: the built-in context first, then the file's, the current one starred. */
function listContexts(data: ContextFile, current: string, flags: RemoteFlags, io: CliIO): void {
  printRows(
    io,
    flags,
    [
      {
        current: current === LOCAL_CONTEXT ? '*' : '',
        name: LOCAL_CONTEXT,
        url: 'this machine'
      },
      ...Object.entries(data.contexts).map(([n, c]) => ({
        current: n === current ? '*' : '',
        name: n,
        url:
          c.kind === 'kubernetes'
            ? `kubernetes: ${c.kubeContext ?? '(current kube context)'}/${c.namespace ?? '(its namespace)'}`
            : c.url
      }))
    ],
    { current, contexts: data.contexts }
  )
}

/** `add NAME --url URL [--token T]`, or `add NAME --kubernetes [...]`. */
async function addContext(
  file: string,
  data: ContextFile,
  name: string | undefined,
  flags: ContextFlags,
  io: CliIO
): Promise<number> {
  if (!name || !flags.url === !flags.kubernetes) {
    io.stderr.write(
      'llmnet: usage: llmnet context add NAME --url URL [--token TOKEN], or NAME --kubernetes [--kube-context C] [--namespace N]\n'
    )
    return EXIT.USAGE
  }
  if (name === LOCAL_CONTEXT) {
    io.stderr.write(`llmnet: "${LOCAL_CONTEXT}" is built in: pick another name\n`)
    return EXIT.USAGE
  }
  if (flags.kubernetes) {
    data.contexts[name] = {
      kind: 'kubernetes',
      ...(flags.kubeContext ? { kubeContext: flags.kubeContext } : {}),
      ...(flags.namespace ? { namespace: flags.namespace } : {}),
      ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {})
    }
    await writeContexts(file, data)
    io.stdout.write(`context "${name}" (kubernetes) added (${file})\n`)
    return EXIT.OK
  }
  if (!flags.url) return EXIT.USAGE
  try {
    const url = new URL(flags.url)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http')
  } catch {
    io.stderr.write(`llmnet: --url must be an http(s) URL, got "${flags.url}"\n`)
    return EXIT.USAGE
  }
  data.contexts[name] = {
    kind: 'llmnet',
    url: flags.url.replace(/\/+$/, ''),
    token: flags.token
  }
  await writeContexts(file, data)
  io.stdout.write(`context "${name}" added (${file})\n`)
  return EXIT.OK
}

/** `use NAME` makes it current; `delete NAME` removes it (never the built-in one). */
async function useOrDeleteContext(
  action: 'use' | 'delete',
  file: string,
  data: ContextFile,
  name: string | undefined,
  io: CliIO
): Promise<number> {
  if (!name) {
    io.stderr.write(`llmnet: usage: llmnet context ${action} NAME\n`)
    return EXIT.USAGE
  }
  if (action === 'delete' && name === LOCAL_CONTEXT) {
    io.stderr.write(
      `llmnet: "${LOCAL_CONTEXT}" is the built-in context (the server on this machine's data folder) and cannot be deleted; "llmnet context use NAME" picks another\n`
    )
    return EXIT.USAGE
  }
  if (name !== LOCAL_CONTEXT && !data.contexts[name]) {
    io.stderr.write(`llmnet: no context named "${name}"; see "llmnet context list"\n`)
    return EXIT.INVALID
  }
  if (action === 'use') {
    data['current-context'] = name
    io.stdout.write(`switched to context "${name}"\n`)
  } else {
    delete data.contexts[name]
    if (data['current-context'] === name) delete data['current-context']
    io.stdout.write(`context "${name}" deleted\n`)
  }
  await writeContexts(file, data)
  return EXIT.OK
}

/** `llmnet context …`. */
export function registerContextCommand(program: Command, io: CliIO, setExit: SetExit): void {
  const context = program
    .command('context')
    .description('servers the cluster verbs talk to (a desktop app or llmnet serve)')
  for (const action of ['list', 'current'] as const)
    remoteOptions(context.command(action).description(`${action} contexts`)).action(
      async (flags: RemoteFlags) => setExit(await contextCommand(action, undefined, flags, io))
    )
  remoteOptions(
    context
      .command('add')
      .description(
        'add a context: a running llmnet serve or desktop app (--url), or a Kubernetes cluster (--kubernetes)'
      )
      .argument('<name>')
      .option('--url <url>', 'its address, e.g. http://127.0.0.1:8080')
      .option('--token <token>', 'its access token (the access-token file in its data folder)')
      .option('--kubernetes', 'a Kubernetes cluster from the kubeconfig')
      .option('--kube-context <name>', 'the kubeconfig context (default: its current one)')
      .option('--kubeconfig <file>', 'the kubeconfig (default: $KUBECONFIG or ~/.kube/config)')
  ).action(async (name: string, flags: ContextFlags) =>
    setExit(await contextCommand('add', name, flags, io))
  )
  for (const action of ['use', 'delete'] as const)
    remoteOptions(
      context.command(action).argument('<name>').description(`${action} a context`)
    ).action(async (name: string, flags: RemoteFlags) =>
      setExit(await contextCommand(action, name, flags, io))
    )
}
