import { dirname } from 'node:path'
import type { Command } from 'commander'
import { formatForFile, parseSource } from '../../shared/config/source'
import {
  loadCompositionFile,
  type LoadedComposition,
  loadPipelineFile
} from '../core/config/load-composition'
import { missingLlamaModels } from '../core/local/missing-models'
import { ModelLibrary } from '../core/models/library'
import { unresolvedApiKeys } from '../core/providers/api-key-check'
import { defaultDataDir } from '../core/paths'
import { expandSources } from '../core/pipelines/loader'
import { maxFileSizeOption } from './byte-size'
import { EXIT } from './exit-codes'
import { countSeverities, formatDiagnostic, plural } from './format-diagnostics'
import type { CliIO } from './io'
import type { SetExit } from './options'
import { createStyle } from './style'

export interface ValidateFlags {
  json?: boolean
  strict?: boolean
  /** `--no-secrets` sets this false: skip resolving secrets (e.g. on another machine). */
  secrets?: boolean
  /** `--max-file-size`: larger files are refused unread (default 8 MiB). */
  maxFileSize?: number
}

/**
 * A llama.cpp model that is not downloaded yet is a warning (the file is fine; `run` would answer
 * 503 for it), at the model's key, with the command that gets it.
 */
async function warnMissingModels(loaded: LoadedComposition, library: ModelLibrary): Promise<void> {
  if (!loaded.composition) return
  const missing = await missingLlamaModels(loaded.composition.models, library, dirname(loaded.path))
  if (missing.length === 0) return
  const source = parseSource(loaded.text ?? '', formatForFile(loaded.path))
  for (const m of missing) {
    const at = ['models', m.key]
    loaded.diagnostics.push({
      severity: 'warning',
      code: 'model-not-downloaded',
      message: m.message,
      path: at,
      ...source.locate(at, { key: true })
    })
  }
}

/**
 * A model whose `api-key` names an unset variable (or a secret the file does not load) is a
 * warning at that `api-key`: the file is fine, but `run` would answer 503 for that model.
 */
function warnUnsetApiKeys(loaded: LoadedComposition, env: NodeJS.ProcessEnv): void {
  if (!loaded.composition || !loaded.secrets) return
  const unset = unresolvedApiKeys(loaded.composition, env, loaded.secrets)
  if (unset.length === 0) return
  const source = parseSource(loaded.text ?? '', formatForFile(loaded.path))
  for (const k of unset) {
    const at = ['models', k.model, 'api-key']
    loaded.diagnostics.push({
      severity: 'warning',
      code: 'unset-api-key',
      message: `${k.message}; its requests would answer 503 model_not_ready`,
      path: at,
      ...source.locate(at)
    })
  }
}

/**
 * `llmnet validate FILE|DIR… [--json] [--strict]`: every problem of every file (a directory
 * stands for the compositions directly inside it, as for `run`), then a summary.
 */
export async function validateCommand(
  sources: string[],
  flags: ValidateFlags,
  io: CliIO
): Promise<number> {
  const files = await expandSources(sources, { asGiven: true })
  if (files.length === 0) {
    io.stderr.write(`llmnet: no composition files found in ${sources.join(', ')}\n`)
    return EXIT.INVALID
  }
  const library = new ModelLibrary({ dataDir: defaultDataDir(io.env), env: io.env })
  const results: LoadedComposition[] = []
  for (const file of files) {
    const loaded =
      flags.secrets === false
        ? await loadCompositionFile(file, { strict: flags.strict, maxBytes: flags.maxFileSize })
        : await loadPipelineFile(file, {
            strict: flags.strict,
            maxBytes: flags.maxFileSize,
            secrets: { env: io.env }
          })
    await warnMissingModels(loaded, library)
    warnUnsetApiKeys(loaded, io.env)
    results.push(loaded)
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

/** `llmnet validate SOURCES…`. */
export function registerValidateCommand(program: Command, io: CliIO, setExit: SetExit): void {
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
    .addOption(maxFileSizeOption())
    .action(async (sources: string[], flags: ValidateFlags) => {
      setExit(await validateCommand(sources, flags, io))
    })
}
