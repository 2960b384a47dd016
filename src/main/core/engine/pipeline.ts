import { DEFAULT_MAX_HOPS } from '../../../shared/config/semantics'
import type { Composition } from '../../../shared/config/schema'
import { analyzeTopology } from '../../../shared/config/topology'
import { modelCredentials } from './credentials'
import type { CompiledPipeline, PipelineSecrets } from './ports'
import { createRedactor, type Redactor } from '../secrets/redact'

export type { CompiledPipeline, PipelineSecrets } from './ports'

export const NO_SECRETS: PipelineSecrets = {
  get: () => undefined,
  values: () => [],
  keys: () => []
}
/** The identity redactor, used when a pipeline has no secrets. */
export const NO_REDACTION: Redactor = createRedactor([])

/** Where a compiled pipeline came from. */
export interface CompileOptions {
  /** The composition file, for file pipelines. */
  path?: string
  /** Where relative paths resolve: the file's folder, or the library pipeline's workspace. */
  baseDir: string
  secrets?: PipelineSecrets
  redact?: (text: string) => string
  /** Where `$ENV_VAR` api-keys are read from. */
  env?: NodeJS.ProcessEnv
}

/**
 * Analyses a validated composition once. Model `api-key`s (literal, `$ENV_VAR` from `env`, or
 * `$secrets.…`) join the pipeline's secret values, so an upstream that echoes its key has it
 * redacted like any loaded secret.
 */
export function compilePipeline(
  id: string,
  composition: Composition,
  opts: CompileOptions
): CompiledPipeline {
  const secrets = opts.secrets ?? NO_SECRETS
  const headerKeys = [
    ...new Set(composition.architecture.flatMap((n) => n['extra-options']?.UseHeaderKeys ?? []))
  ]
  const loaded = secrets.values()
  const known = new Set(loaded)
  const credentials = modelCredentials(composition, opts.env ?? {}, secrets).filter(
    (c) => !known.has(c)
  )
  const secretValues = [...loaded, ...credentials]
  return {
    id,
    path: opts.path,
    baseDir: opts.baseDir,
    composition,
    topology: analyzeTopology(composition),
    headerKeys,
    maxHops: composition['max-hops'] ?? DEFAULT_MAX_HOPS,
    secrets,
    secretValues,
    redact: credentials.length > 0 ? createRedactor(secretValues) : (opts.redact ?? NO_REDACTION)
  }
}
