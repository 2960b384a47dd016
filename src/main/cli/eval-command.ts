/**
 * @module `llmnet eval FILE|NAME --cases FILE`: runs every case of an evaluation set through a
 * pipeline and reports routing accuracy, the confusion matrix, checks and latency; `--against`
 * runs the same cases on a second pipeline and shows what changed. A FILE is run headless here;
 * a NAME (or `NAME@vN`, a stored version) runs on the app or `llmnet serve` of the current context.
 */
import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import type { EvalCase, ParsedCases } from '../../shared/eval/cases'
import { parseEvalCases } from '../../shared/eval/cases'
import { parsePromptfooTests } from '../../shared/eval/promptfoo'
import type { EvalReport } from '../../shared/eval/score'
import { createJsonValidator } from '../core/eval/json-schema'
import { engineCaseRunner, runEval } from '../core/eval/run-eval'
import { AppError } from '../core/errors'
import { type EvalFlags, printOutcome } from './eval-format'
import { EXIT } from './exit-codes'
import { formatDiagnostic } from './format-diagnostics'
import type { CliIO } from './io'
import { loadRuntime, preflightModels } from './serve-command'
import { createStyle } from './style'

export type { EvalFlags }

/** Reads a case file: JSONL (`.jsonl`, `.ndjson`), or a promptfoo test file (YAML or JSON). */
export async function readCases(file: string, inputVar?: string): Promise<ParsedCases> {
  const text = await readFile(file, 'utf8')
  const ext = extname(file).toLowerCase()
  if (ext === '.jsonl' || ext === '.ndjson') return parseEvalCases(text)
  return parsePromptfooTests(text, { inputVar, format: ext === '.json' ? 'json' : 'yaml' })
}

/** Whether a target names a composition file here (else a pipeline on a running app). */
export function isFileTarget(target: string): boolean {
  return /\.(jsonc?|ya?ml)$/i.test(target) || (existsSync(target) && statSync(target).isFile())
}

/** Runs the cases on a composition file, headless; `undefined` after printing why it could not. */
async function runOnFile(
  file: string,
  cases: EvalCase[],
  flags: EvalFlags,
  io: CliIO,
  label: string
): Promise<EvalReport | number> {
  const loaded = await loadRuntime([file], io)
  if (!loaded) return EXIT.INVALID
  const { runtime } = loaded
  try {
    if (!(await preflightModels(runtime, io))) return EXIT.RUNTIME
    const pipeline = runtime.pipelines.default()
    if (!pipeline) return EXIT.INVALID
    const progress = io.stderr.isTTY && !flags.json
    const report = await runEval(pipeline.id, cases, engineCaseRunner(runtime.engine, pipeline), {
      concurrency: Number(flags.concurrency ?? 4),
      validateJson: createJsonValidator(),
      onProgress: progress
        ? (p) => io.stderr.write(`\r${label}: ${p.done}/${p.total} (${p.passed} passed)`)
        : undefined
    })
    if (progress) io.stderr.write('\n')
    return report
  } finally {
    await runtime.stop()
  }
}

export async function evalCommand(target: string, flags: EvalFlags, io: CliIO): Promise<number> {
  const style = createStyle(io.stderr, io.env)
  let parsed: ParsedCases
  try {
    parsed = await readCases(flags.cases, flags.inputVar)
  } catch (err) {
    io.stderr.write(`llmnet: cannot read --cases ${flags.cases}: ${(err as Error).message}\n`)
    return EXIT.INVALID
  }
  for (const d of parsed.diagnostics)
    io.stderr.write(`${formatDiagnostic(flags.cases, d, style)}\n`)
  if (parsed.diagnostics.some((d) => d.severity === 'error')) {
    io.stderr.write(`llmnet: ${flags.cases} has invalid cases; nothing was run\n`)
    return EXIT.INVALID
  }
  if (!isFileTarget(target) || (flags.against !== undefined && !isFileTarget(flags.against))) {
    const { evalRemote } = await import('./eval-remote')
    return evalRemote(target, parsed.cases, flags, io)
  }
  try {
    const report = await runOnFile(target, parsed.cases, flags, io, target)
    if (typeof report === 'number') return report
    const against = flags.against
      ? await runOnFile(flags.against, parsed.cases, flags, io, flags.against)
      : undefined
    if (typeof against === 'number') return against
    return printOutcome(report, against, flags, io)
  } catch (err) {
    const e = AppError.from(err)
    io.stderr.write(`llmnet: ${e.code}: ${e.message}\n`)
    return EXIT.RUNTIME
  }
}

function parseAccuracy(value: string): string {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError('It must be a number from 0 to 1, e.g. 0.9.')
  }
  return value
}

function parseConcurrency(value: string): string {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new InvalidArgumentError('It must be a whole number from 1 to 64.')
  return value
}

/** Adds `llmnet eval` to the program. */
export function registerEvalCommand(
  program: Command,
  io: CliIO,
  setExit: (code: number) => void
): void {
  program
    .command('eval')
    .description(
      'run an evaluation set through a pipeline: routing accuracy, confusion matrix, checks, latency'
    )
    .argument(
      '<pipeline>',
      'a composition file (run here), or NAME / NAME@vN on the running app or serve'
    )
    .requiredOption(
      '--cases <file>',
      'the cases: JSONL (one case a line), or a promptfoo test file (YAML/JSON)'
    )
    .option('--json', 'the report as one JSON document on stdout')
    .option(
      '--min-accuracy <x>',
      'fail (exit 4) when routing accuracy is below this (0-1)',
      parseAccuracy
    )
    .option('--concurrency <n>', 'cases in flight at once (default 4)', parseConcurrency)
    .option(
      '--against <pipeline>',
      'run the same cases on a second pipeline (file, NAME or NAME@vN) and compare'
    )
    .option('--input-var <name>', 'promptfoo files: the var that holds the user text')
    .option('--all', 'list passed cases too')
    .option(
      '--context <name>',
      'for NAME targets: the server to talk to (default: the current context)'
    )
    .option('--config <file>', 'the context file (default: ~/.config/llmnet/config)')
    .action(async (target: string, flags: EvalFlags) =>
      setExit(await evalCommand(target, flags, io))
    )
}
