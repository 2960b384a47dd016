/**
 * @module `llmnet ask FILE "prompt" [--trace]`: answers once in the terminal, streaming, and
 * prints the route taken.
 */
import { randomUUID } from 'node:crypto'
import type { Command } from 'commander'
import { runPipeline } from '../core/engine/engine'
import type { Trace } from '../core/engine/trace'
import { Cancellation } from '../core/cancel'
import { AppError } from '../core/errors'
import { EXIT } from './exit-codes'
import type { CliIO } from './io'
import { type DotenvFlag, type SetExit, withDotenv } from './options'
import { loadEnvFile, loadRuntime, preflightModels } from './serve-command'
import { createStyle } from './style'
import { formatTrace } from './trace-format'

export interface AskFlags {
  trace?: boolean
  envFile?: string
  system?: string
}

export async function askCommand(
  file: string,
  prompt: string,
  flags: AskFlags,
  io: CliIO
): Promise<number> {
  if (flags.envFile && !(await loadEnvFile(flags.envFile, io))) return EXIT.INVALID
  const loaded = await loadRuntime([file], io)
  if (!loaded) return EXIT.INVALID
  const { runtime } = loaded
  if (!(await preflightModels(runtime, io))) {
    await runtime.stop()
    return EXIT.RUNTIME
  }
  const pipeline = runtime.pipelines.default()
  if (!pipeline) return EXIT.INVALID
  const style = createStyle(io.stderr, io.env)
  let trace: Trace | undefined
  runtime.events.on('trace', (t) => {
    trace = t
  })
  const controller = new Cancellation()
  const messages = [
    ...(flags.system ? [{ role: 'system' as const, content: flags.system }] : []),
    { role: 'user' as const, content: prompt }
  ]
  let code: number = EXIT.OK
  let endedWithNewline = true
  try {
    await runPipeline(
      runtime.engine,
      {
        pipeline,
        request: { model: pipeline.id, messages, stream: true },
        requestId: randomUUID(),
        headers: {},
        signal: controller,
        stream: true
      },
      {
        start() {},
        delta(d) {
          if (!d.content) return
          io.stdout.write(d.content)
          endedWithNewline = d.content.endsWith('\n')
        }
      }
    )
    if (!endedWithNewline) io.stdout.write('\n')
  } catch (err) {
    const e = AppError.from(err)
    io.stderr.write(`llmnet: ${style.red(e.code)}: ${e.message}\n`)
    code = EXIT.RUNTIME
  }
  if (trace) {
    io.stderr.write(
      flags.trace
        ? formatTrace(trace, style)
        : `${style.dim(`route: ${trace.route.join(' > ')}`)}\n`
    )
  }
  await runtime.stop()
  return code
}

/** `llmnet ask FILE PROMPT`. */
export function registerAskCommand(program: Command, io: CliIO, setExit: SetExit): void {
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
}
