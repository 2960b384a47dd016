/**
 * @module The `llmnet` command line, in the kubectl-like style of the Rust llmnet.
 * Every command returns an exit code (see exit-codes.ts) instead of calling process.exit.
 */
import { Command, CommanderError } from 'commander'
import pkg from '../../../package.json' with { type: 'json' }
import { registerAskCommand } from './ask-command'
import { registerClusterCommands, registerDeployCommand } from './cluster-commands'
import { registerContextCommand } from './context-command'
import { registerEvalCommand } from './eval-command'
import { EXIT } from './exit-codes'
import { registerFunctionsCommand } from './functions-command'
import type { CliIO } from './io'
import { registerModelsCommand } from './models-command'
import type { SetExit } from './options'
import { registerServeCommand } from './serve-app-command'
import { registerRunCommand } from './serve-command'
import { registerValidateCommand } from './validate-command'

export const VERSION: string = pkg.version

/** Each command's usage errors name its own help: `llmnet models pull --help`. */
function helpHints(command: Command, path: string): void {
  command.showHelpAfterError(`(run "${path} --help" for usage)`)
  for (const sub of command.commands) helpHints(sub, `${path} ${sub.name()}`)
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

/**
 * The whole command line: the program's own options and help, then each command registered by
 * its own file, in the order `llmnet --help` lists them.
 */
export function buildProgram(
  io: CliIO,
  setExit: SetExit,
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

  registerValidateCommand(program, io, setExit)
  registerRunCommand(program, io, setExit, signals)
  registerEvalCommand(program, io, setExit)
  registerServeCommand(program, io, setExit, signals)
  registerContextCommand(program, io, setExit)
  registerDeployCommand(program, io, setExit)
  registerClusterCommands(program, io, setExit, signals)
  registerAskCommand(program, io, setExit)
  registerFunctionsCommand(program, io, setExit)
  registerModelsCommand(program, io, setExit)

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
