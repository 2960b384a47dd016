/**
 * @module `llmnet functions test FILE NAME [--input TEXT] [--output TEXT]`: runs one function of
 * a composition with sample variables and prints the result, the time taken and any error.
 */
import { dirname } from 'node:path'
import type { Command } from 'commander'
import { loadPipelineFile } from '../core/config/load-composition'
import { runFunction } from '../core/functions/run-function'
import { sampleVariables } from '../core/functions/sample-vars'
import { EXIT } from './exit-codes'
import { formatDiagnostic } from './format-diagnostics'
import type { CliIO } from './io'
import type { SetExit } from './options'
import { createStyle } from './style'

export interface FunctionsTestFlags {
  input?: string
  output?: string
  node?: string
  /** Wait for a reply, as a transform hook does (websocket functions). */
  transform?: boolean
}

export async function functionsTestCommand(
  file: string,
  name: string,
  flags: FunctionsTestFlags,
  io: CliIO
): Promise<number> {
  const style = createStyle(io.stdout, io.env)
  const loaded = await loadPipelineFile(file, { secrets: { env: io.env } })
  for (const d of loaded.diagnostics)
    io.stderr.write(`${formatDiagnostic(file, d, createStyle(io.stderr, io.env))}\n`)
  if (!loaded.ok || !loaded.composition) return EXIT.INVALID
  const def = loaded.composition.functions[name]
  if (!def) {
    const known = Object.keys(loaded.composition.functions)
    io.stderr.write(
      `llmnet: no function "${name}" in ${file}; it defines: ${known.join(', ') || '(none)'}\n`
    )
    return EXIT.INVALID
  }
  const input = flags.input ?? 'What is 6 times 7?'
  const vars = sampleVariables({ input, output: flags.output, node: flags.node })
  const redact = loaded.redact ?? ((s: string) => s)
  const result = await runFunction(
    name,
    def,
    { vars, secrets: loaded.secrets ?? { get: () => undefined }, baseDir: dirname(file) },
    { expectReply: flags.transform ?? true }
  )
  io.stdout.write(
    `${style.bold(`function ${name}`)} (${def.type}) ${result.ok ? style.green('ok') : style.red('failed')} in ${result.durationMs} ms\n`
  )
  if (result.ok) {
    const shown =
      typeof result.output === 'string' ? result.output : JSON.stringify(result.output, null, 2)
    io.stdout.write(
      result.output === undefined ? `${style.dim('(no output)')}\n` : `${redact(shown ?? '')}\n`
    )
  } else {
    io.stdout.write(`${style.red('error')}: ${redact(result.error ?? 'failed')}\n`)
  }
  for (const note of result.notes ?? []) io.stdout.write(`${style.dim(`note: ${note}`)}\n`)
  return result.ok ? EXIT.OK : EXIT.RUNTIME
}

/** `llmnet functions test FILE NAME`. */
export function registerFunctionsCommand(program: Command, io: CliIO, setExit: SetExit): void {
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
}
