/**
 * @module The `llmnet` command line, in the kubectl-like style of the Rust llmnet.
 * Every command returns an exit code (see exit-codes.ts) instead of calling process.exit.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import pkg from '../../../package.json' with { type: 'json' }
import { askCommand, type AskFlags } from './ask-command'
import { functionsTestCommand, type FunctionsTestFlags } from './functions-command'
import {
  modelsInfoCommand,
  modelsListCommand,
  modelsPullCommand,
  modelsRemoveCommand
} from './models-command'
import { registerEvalCommand } from './eval-command'
import { EXIT } from './exit-codes'
import type { CliIO } from './io'
import {
  contextCommand,
  deleteCommand,
  deployCommand,
  getCommand,
  logsCommand,
  type RemoteFlags,
  statusCommand
} from './cluster-commands'
import { scaleCommand } from './kubernetes/dispatch'
import type { KubeDeployFlags } from './kubernetes/commands'
import { serveAppCommand, type ServeAppFlags } from './serve-app-command'
import { serveCommand, type ServeFlags } from './serve-command'
import { validateCommand } from './validate-command'

export const VERSION: string = pkg.version

function parsePort(value: string): string {
  const n = Number(value)
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('It must be a port number, 0-65535.')
  }
  return value
}

/** A count such as --max-concurrent: a whole number of at least 1 (NaN would lift the limit). */
function parsePositiveInt(value: string): string {
  const n = Number(value)
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('It must be a whole number of at least 1.')
  }
  return value
}

/** A duration such as --shutdown-grace: seconds, 0 or more. */
function parseSeconds(value: string): string {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError('It must be a number of seconds, 0 or more.')
  }
  return value
}

/** Each command's usage errors name its own help: `llmnet models pull --help`. */
function helpHints(command: Command, path: string): void {
  command.showHelpAfterError(`(run "${path} --help" for usage)`)
  for (const sub of command.commands) helpHints(sub, `${path} ${sub.name()}`)
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

/**
 * `--dotenv FILE`, and `--env-file FILE` as its alias. Node 20 reads `--env-file` itself wherever
 * it appears on the command line and exits 9 before llmnet starts when the file is missing
 * (nodejs/node#54232), so `--dotenv` is the name that works on every Node.
 */
interface DotenvFlag {
  dotenv?: string
  envFile?: string
}
function withDotenv<T extends DotenvFlag>({ dotenv, ...flags }: T): Omit<T, 'dotenv'> {
  return { ...flags, envFile: dotenv ?? flags.envFile }
}

/** Resolves with the signal's name on SIGINT or SIGTERM. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const done = (sig: string) => () => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
      resolve(sig)
    }
    const onInt = done('SIGINT')
    const onTerm = done('SIGTERM')
    process.once('SIGINT', onInt)
    process.once('SIGTERM', onTerm)
  })
}

export function buildProgram(
  io: CliIO,
  setExit: (code: number) => void,
  signals: () => Promise<string> = untilSignal
): Command {
  const program = new Command('llmnet')
  program
    .description('Pipelines of small local models behind one OpenAI-compatible endpoint')
    .version(VERSION, '-v, --version', 'print the version (-V too)')
    .option('--verbose', 'more log output')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s)
    })
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 invalid composition, 2 usage error, 3 runtime failure, 4 evaluation failed.\nDocs: docs/cli.md, docs/composition.md'
    )

  program
    .command('validate')
    .description('check compositions and report every problem with its line:column')
    .argument(
      '<sources...>',
      'composition files (.json, .jsonc, .yaml, .yml), or directories of them'
    )
    .option('--json', 'machine-readable report on stdout')
    .option('--strict', 'treat unknown keys as errors')
    .option('--no-secrets', 'do not resolve secrets (env files, environment, Vault)')
    .action(
      async (sources: string[], flags: { json?: boolean; strict?: boolean; secrets?: boolean }) => {
        setExit(await validateCommand(sources, flags, io))
      }
    )

  program
    .command('run')
    .description(
      'serve pipelines on an OpenAI-compatible API (or print their topology with --dry-run)'
    )
    .argument(
      '<sources...>',
      'composition files, or directories of them; each is served as model <file name>'
    )
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (0 picks a free one)')
        .default('8080')
        .argParser(parsePort)
    )
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--dry-run', 'print layers, nodes, edges, conditions and models, then exit')
    .option('--dotenv <file>', 'load environment variables from a dotenv file first')
    .option('--env-file <file>', 'the same as --dotenv (Node 20 takes this name itself)')
    .option('--api-key <key>', 'require this bearer key (default: $LLMNET_API_KEY)')
    .option(
      '--insecure-no-key',
      'serve a non-loopback --host without an API key (anyone on the network can use it)'
    )
    .option('--cors-origin <origin>', 'allow browser calls from this origin (repeatable)', collect)
    .option(
      '--allow-host <name>',
      'accept this Host header besides localhost (repeatable)',
      collect
    )
    .addOption(
      new Option('--max-concurrent <n>', 'requests in flight before answering 429')
        .default('256')
        .argParser(parsePositiveInt)
    )
    .addOption(
      new Option(
        '--shutdown-grace <seconds>',
        'on SIGINT/SIGTERM, time requests in flight get to finish'
      )
        .default('10')
        .argParser(parseSeconds)
    )
    .option('--no-watch', 'do not reload pipelines when their files change')
    .option('--trace', "print each request's trace to stderr (readable)")
    .addOption(
      new Option(
        '--trace-format <format>',
        "print each request's trace to stderr: text (as --trace) or json (one trace per line)"
      ).choices(['text', 'json'])
    )
    .addOption(
      new Option(
        '--idle-unload <seconds>',
        'stop a local model after this long without requests (0 = never; default 600)'
      ).argParser(parseSeconds)
    )
    .action(async (sources: string[], flags: ServeFlags & DotenvFlag) => {
      setExit(await serveCommand(sources, withDotenv(flags), io, signals))
    })

  registerEvalCommand(program, io, setExit)

  program
    .command('serve')
    .description(
      'run the app runtime headless: the OpenAI API, the control API, and with --ui the web UI'
    )
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (default: the settings, 8080)').argParser(
        parsePort
      )
    )
    .option('--host <host>', 'address to bind (default: the settings, 127.0.0.1)')
    .option('--ui', 'serve the web UI at / (opened with the printed ?token= URL)')
    .option('--data-dir <dir>', 'the data folder (default: $LLMNET_DATA_DIR or the platform’s)')
    .option('--new-token', 'replace the access token (the old URL and contexts stop working)')
    .option('--api-key <key>', 'require this bearer key on /v1 (default: $LLMNET_API_KEY)')
    .option(
      '--insecure-no-key',
      'serve a non-loopback --host without an API key (anyone on the network can use it)'
    )
    .option(
      '--cors-origin <origin>',
      'allow browser calls to /v1 from this origin (repeatable)',
      collect
    )
    .option(
      '--allow-host <name>',
      'accept this Host header besides localhost (repeatable)',
      collect
    )
    .addOption(
      new Option(
        '--shutdown-grace <seconds>',
        'on SIGINT/SIGTERM, time requests in flight get to finish'
      )
        .default('10')
        .argParser(parseSeconds)
    )
    .option(
      '--stateless',
      'a replica (Kubernetes): no database, lock or control API; traces to stdout as JSON'
    )
    .option('--pipelines <dir>', 'with --stateless: serve the compositions in this folder')
    .option('--log-format <format>', 'text or json (one JSON object a line on stdout)', 'text')
    .option('--no-watch', 'with --stateless: do not reload the folder’s files')
    .action(async (flags: ServeAppFlags) => {
      setExit(await serveAppCommand(flags, io, signals))
    })

  const remoteOptions = (c: Command): Command =>
    c
      .option('--context <name>', 'the server to talk to (default: the current context)')
      .option('--config <file>', 'the context file (default: ~/.config/llmnet/config)')
      .option('-o, --output <format>', 'table or json (deploy: yaml too)', 'table')
      .option('-n, --namespace <ns>', 'the Kubernetes namespace (kubernetes contexts)')

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
  ).action(async (name: string, flags: RemoteFlags & { url?: string; token?: string }) =>
    setExit(await contextCommand('add', name, flags, io))
  )
  for (const action of ['use', 'delete'] as const)
    remoteOptions(
      context.command(action).argument('<name>').description(`${action} a context`)
    ).action(async (name: string, flags: RemoteFlags) =>
      setExit(await contextCommand(action, name, flags, io))
    )

  remoteOptions(
    program
      .command('deploy')
      .description(
        "import a composition into the context's library and serve it; on Kubernetes, apply its objects"
      )
      .argument('<file>')
      .option('--name <name>', 'the pipeline name (default: the file name)')
      .option('--target <target>', 'kubernetes: render for Kubernetes even without such a context')
      .option('--dry-run', 'print the Kubernetes objects (-o yaml or json), contact no cluster')
      .option('--image <image>', 'the llmnet image the pods run (default: llmnet:latest)')
      .option('--replicas <n>', 'replicas (the HPA minimum; default 1)')
      .option('--max-replicas <n>', 'the HPA maximum (default 5)')
      .option('--cpu-target <percent>', 'the HPA CPU utilisation target (default 70)')
      .option('--no-autoscale', 'no HPA: a fixed --replicas')
      .option('--create-secrets', 'create the Secret from this environment and the env files')
      .option('--no-api-key', 'serve the Service without LLMNET_API_KEY (in-cluster clients only)')
      .addOption(
        new Option('--shutdown-grace <seconds>', 'the pods’ drain time on SIGTERM')
          .default('10')
          .argParser(parseSeconds)
      )
  ).action(async (file: string, flags: RemoteFlags & KubeDeployFlags & { target?: string }) =>
    setExit(await deployCommand(file, flags, io))
  )
  remoteOptions(
    program
      .command('get')
      .description('list pipelines, models or traces of the context (Kubernetes: pipelines, pods)')
      .argument('<kind>', 'pipelines | models | traces | pods')
  ).action(async (kind: string, flags: RemoteFlags) => setExit(await getCommand(kind, flags, io)))
  remoteOptions(
    program
      .command('delete')
      .description('delete a pipeline from the context')
      .argument('<kind>', 'pipeline')
      .argument('<name>')
  ).action(async (kind: string, name: string, flags: RemoteFlags) =>
    setExit(await deleteCommand(kind, name, flags, io))
  )
  remoteOptions(
    program.command('status').description("the context's server, pipelines and models")
  ).action(async (flags: RemoteFlags) => setExit(await statusCommand(flags, io)))
  remoteOptions(
    program
      .command('logs')
      .description(
        'print the latest request traces (Kubernetes: the pipeline pods’ logs); -f follows'
      )
      .argument('[pipeline]', 'only this pipeline (required on Kubernetes)')
      .option('-f, --follow', 'keep printing as requests finish')
      .option('--tail <n>', 'how many recent traces (lines) to print first', '20')
      .option('--pipeline <name>', 'only this pipeline')
  ).action(
    async (
      name: string | undefined,
      flags: RemoteFlags & { follow?: boolean; tail?: string; pipeline?: string }
    ) => setExit(await logsCommand(flags, io, signals, name))
  )
  remoteOptions(
    program
      .command('scale')
      .description("set a pipeline's replicas (Kubernetes contexts: the Deployment's scale)")
      .argument('<name>')
      .requiredOption('--replicas <n>', 'the number of replicas')
  ).action(async (name: string, flags: RemoteFlags & { replicas: string }) =>
    setExit(await scaleCommand(name, flags, io))
  )

  program
    .command('ask')
    .description('answer one prompt through a pipeline and print the route')
    .argument('<file>', 'composition file')
    .argument('<prompt>', 'the user message')
    .option('--trace', 'print the full trace (hops, times, tokens, router answers) to stderr')
    .option('--system <text>', 'a system message to send first')
    .option('--dotenv <file>', 'load environment variables from a dotenv file first')
    .option('--env-file <file>', 'the same as --dotenv (Node 20 takes this name itself)')
    .action(async (file: string, prompt: string, flags: AskFlags & DotenvFlag) => {
      setExit(await askCommand(file, prompt, withDotenv(flags), io))
    })

  const functions = program.command('functions').description('work with the functions hooks call')
  functions
    .command('test')
    .description('run one function with sample variables; print its result, time and error')
    .argument('<file>', 'composition file')
    .argument('<name>', 'function name')
    .option('--input <text>', 'the $INPUT value')
    .option('--output <text>', 'the $OUTPUT value (as in a post hook)')
    .option('--node <name>', 'the $NODE value')
    .option('--no-transform', 'do not wait for a websocket reply (observe mode)')
    .action(async (file: string, name: string, flags: FunctionsTestFlags) => {
      setExit(await functionsTestCommand(file, name, flags, io))
    })

  const models = program
    .command('models')
    .description('the local model library (GGUF files for llama.cpp)')
  models
    .command('list')
    .description('downloaded models read from their GGUF headers, and recommended ones')
    .option('--json', 'machine-readable output')
    .action(async (flags: { json?: boolean }) => setExit(await modelsListCommand(flags, io)))
  models
    .command('pull')
    .description(
      'download a model: a catalog name, an http(s):// URL or hf://org/repo/file.gguf (resumes, checks sha256)'
    )
    .argument('<source>', 'what to download')
    .option('--sha256 <hex>', 'the expected SHA-256: a mismatch deletes the file')
    .action(async (source: string, flags: { sha256?: string }) => {
      const controller = new AbortController()
      const onInt = (): void => controller.abort()
      process.once('SIGINT', onInt)
      try {
        setExit(await modelsPullCommand(source, io, controller.signal, flags))
      } finally {
        process.off('SIGINT', onInt)
      }
    })
  models
    .command('rm')
    .description('delete a downloaded model')
    .argument('<name>', 'file name or catalog name')
    .action(async (name: string) => setExit(await modelsRemoveCommand(name, io)))
  models
    .command('info')
    .description('details of a downloaded model from its GGUF header')
    .argument('<name>', 'file name or catalog name')
    .option('--json', 'machine-readable output')
    .action(async (name: string, flags: { json?: boolean }) =>
      setExit(await modelsInfoCommand(name, flags, io))
    )

  helpHints(program, 'llmnet')
  return program
}

/** Parses `argv` (without node and script) and runs the command. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let code: number = EXIT.OK
  try {
    const program = buildProgram(io, (c) => {
      code = c
    })
    if (argv.length === 0) {
      program.outputHelp()
      return EXIT.USAGE
    }
    // The Rust llmnet's -V still prints the version.
    await program.parseAsync(
      argv.map((a) => (a === '-V' ? '--version' : a)),
      { from: 'user' }
    )
  } catch (err) {
    if (err instanceof CommanderError) {
      // A command group run without its subcommand (`llmnet models`) prints its help as an
      // error (exitCode 1): a usage error, not success.
      if (err.code === 'commander.help' && err.exitCode !== 0) return EXIT.USAGE
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      ) {
        return EXIT.OK
      }
      return EXIT.USAGE
    }
    io.stderr.write(`llmnet: internal error: ${(err as Error).stack ?? String(err)}\n`)
    return EXIT.RUNTIME
  }
  return code
}
