/**
 * @module The `llmnet` command line, in the kubectl-like style of the original.
 * Every command returns an exit code (see exit-codes.ts) instead of calling process.exit.
 */
import { readFile } from 'node:fs/promises'
import { Command, CommanderError, Option } from 'commander'
import pkg from '../../../package.json' with { type: 'json' }
import { parseDotenv } from '../../shared/config/dotenv'
import { loadCompositionFile } from '../core/config/load-composition'
import { formatDryRun } from './dry-run'
import { EXIT } from './exit-codes'
import { formatDiagnostic } from './format-diagnostics'
import type { CliIO } from './io'
import { createStyle } from './style'
import { validateCommand } from './validate-command'

export const VERSION: string = pkg.version

export interface RunFlags {
  port: string
  host: string
  dryRun?: boolean
  envFile?: string
}

/** Loads a dotenv file into `env` without overriding variables that are already set. */
async function loadEnvFile(file: string, io: CliIO): Promise<boolean> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    io.stderr.write(`llmnet: cannot read --env-file ${file}: ${(err as Error).message}\n`)
    return false
  }
  const { values, problems } = parseDotenv(text)
  for (const p of problems) io.stderr.write(`llmnet: ${file}:${p.line}: ${p.message}; line ignored\n`)
  for (const [k, v] of Object.entries(values)) if (io.env[k] === undefined) io.env[k] = v
  return true
}

async function runCommand(file: string, flags: RunFlags, io: CliIO): Promise<number> {
  if (flags.envFile && !(await loadEnvFile(flags.envFile, io))) return EXIT.INVALID
  const loaded = await loadCompositionFile(file)
  const style = createStyle(io.stderr, io.env)
  for (const d of loaded.diagnostics) io.stderr.write(`${formatDiagnostic(file, d, style)}\n`)
  if (!loaded.ok || !loaded.composition) {
    io.stderr.write(`llmnet: ${file} is invalid; nothing was started\n`)
    return EXIT.INVALID
  }
  if (flags.dryRun) {
    io.stdout.write(formatDryRun(loaded.composition, { id: loaded.id, path: file }, createStyle(io.stdout, io.env)))
    return EXIT.OK
  }
  io.stderr.write('llmnet: serving is not available in this build; use --dry-run\n')
  return EXIT.RUNTIME
}

function parsePort(value: string): string {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new CommanderError(EXIT.USAGE, 'llmnet.invalidPort', `error: --port must be 0-65535, got "${value}"`)
  }
  return value
}

export function buildProgram(io: CliIO, setExit: (code: number) => void): Command {
  const program = new Command('llmnet')
  program
    .description('Pipelines of small local models behind one OpenAI-compatible endpoint')
    .version(VERSION, '-v, --version', 'print the version (-V too)')
    .option('--verbose', 'more log output')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run "llmnet --help" for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s)
    })
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 invalid composition, 2 usage error, 3 runtime failure.\nDocs: docs/cli.md, docs/composition.md'
    )

  program
    .command('validate')
    .description('check compositions and report every problem with its line:column')
    .argument('<files...>', 'composition files (.json, .jsonc, .yaml, .yml)')
    .option('--json', 'machine-readable report on stdout')
    .option('--strict', 'treat unknown keys as errors')
    .action(async (files: string[], flags: { json?: boolean; strict?: boolean }) => {
      setExit(await validateCommand(files, flags, io))
    })

  program
    .command('run')
    .description('serve a pipeline on an OpenAI-compatible API (or print its topology with --dry-run)')
    .argument('<file>', 'composition file')
    .addOption(new Option('-p, --port <port>', 'port to listen on').default('8080').argParser(parsePort))
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--dry-run', 'print layers, nodes, edges, conditions and models, then exit')
    .option('--env-file <file>', 'load environment variables from a dotenv file first')
    .action(async (file: string, flags: RunFlags) => {
      setExit(await runCommand(file, flags, io))
    })

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
    // The original's -V still prints the version.
    await program.parseAsync(argv.map((a) => (a === '-V' ? '--version' : a)), { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return EXIT.OK
      }
      if (err.code === 'llmnet.invalidPort') io.stderr.write(`${err.message}\n`)
      return EXIT.USAGE
    }
    io.stderr.write(`llmnet: internal error: ${(err as Error).stack ?? String(err)}\n`)
    return EXIT.RUNTIME
  }
  return code
}
