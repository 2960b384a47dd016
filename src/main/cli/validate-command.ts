import {
  loadCompositionFile,
  type LoadedComposition,
  loadPipelineFile
} from '../core/config/load-composition'
import { EXIT } from './exit-codes'
import { countSeverities, formatDiagnostic, plural } from './format-diagnostics'
import type { CliIO } from './io'
import { createStyle } from './style'

export interface ValidateFlags {
  json?: boolean
  strict?: boolean
  /** `--no-secrets` sets this false: skip resolving secrets (e.g. on another machine). */
  secrets?: boolean
}

/** `llmnet validate FILE… [--json] [--strict]`: every problem of every file, then a summary. */
export async function validateCommand(
  files: string[],
  flags: ValidateFlags,
  io: CliIO
): Promise<number> {
  const results: LoadedComposition[] = []
  for (const file of files) {
    results.push(
      flags.secrets === false
        ? await loadCompositionFile(file, { strict: flags.strict })
        : await loadPipelineFile(file, { strict: flags.strict, secrets: { env: io.env } })
    )
  }
  const allValid = results.every((r) => r.ok)

  if (flags.json) {
    const report = {
      valid: allValid,
      files: results.map((r) => ({
        file: r.path,
        id: r.id,
        valid: r.ok,
        ...countSeverities(r.diagnostics),
        diagnostics: r.diagnostics
      }))
    }
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    return allValid ? EXIT.OK : EXIT.INVALID
  }

  const style = createStyle(io.stdout, io.env)
  for (const r of results) {
    for (const d of r.diagnostics) io.stdout.write(`${formatDiagnostic(r.path, d, style)}\n`)
    const { errors, warnings } = countSeverities(r.diagnostics)
    if (r.ok) {
      const size = r.composition
        ? ` (${plural(Object.keys(r.composition.models).length, 'model')}, ${plural(r.composition.architecture.length, 'node')})`
        : ''
      const warn = warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''
      io.stdout.write(`${style.green('✓')} ${r.path} is valid${size}${warn}\n`)
    } else {
      io.stdout.write(
        `${style.red('✗')} ${r.path} is invalid: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`
      )
    }
  }
  if (results.length > 1) {
    const bad = results.filter((r) => !r.ok).length
    io.stdout.write(
      `${plural(results.length, 'file')}: ${results.length - bad} valid, ${bad} invalid\n`
    )
  }
  return allValid ? EXIT.OK : EXIT.INVALID
}
