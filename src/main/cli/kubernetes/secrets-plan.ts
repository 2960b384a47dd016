/**
 * @module Which Secret keys a composition needs in a pod, and how the ConfigMap copy reaches them.
 * Values never enter the ConfigMap: `env` sources and `$ENV` api-keys become environment
 * variables from the Secret (`secretKeyRef`); an `env-file` becomes a file of the Secret mounted
 * at /etc/llmnet/secrets and the copy's `path` points there. The values come from the user's
 * environment only with `--create-secrets`; otherwise the user creates the Secret (the command
 * is printed).
 */
import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { parseDotenv } from '../../../shared/config/dotenv'
import type { Composition } from '../../../shared/config/schema'
import { type KubeObject, labels, secretName } from './names'

/** Where the pipeline's Secret is mounted (env-file sources). */
export const SECRETS_DIR = '/etc/llmnet/secrets'
/** The Secret key of the API key the pods require on /v1. */
export const API_KEY_VAR = 'LLMNET_API_KEY'

export interface SecretPlan {
  /** The Secret's name. */
  name: string
  /** Keys read into environment variables of the same name. */
  envKeys: string[]
  /** Keys mounted as dotenv files: the composition's secret, its local path and variables. */
  files: { key: string; secret: string; path: string; variables: string[] }[]
  /** What cannot work in a pod, by composition path. */
  problems: string[]
}

const ENV_REF = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/

/**
 * Reads the secret needs of `composition` and rewrites `raw` (the document that goes into the
 * ConfigMap) so env-file paths point at the mounted Secret.
 */
export function planSecrets(
  pipeline: string,
  composition: Composition,
  raw: { secrets?: Record<string, Record<string, unknown>> },
  apiKey: boolean
): SecretPlan {
  const env = new Set<string>()
  const files: SecretPlan['files'] = []
  const problems: string[] = []
  for (const [name, source] of Object.entries(composition.secrets)) {
    switch (source.source) {
      case 'env':
        env.add(source.variable)
        break
      case 'env-file': {
        const key = `${name.replace(/[^-._a-zA-Z0-9]/g, '_')}.env`
        files.push({ key, secret: name, path: source.path, variables: source.variables })
        const target = raw.secrets?.[name]
        if (target) target.path = `${SECRETS_DIR}/${key}`
        break
      }
      case 'vault':
        env.add(source.token_env ?? source['token-env'] ?? 'VAULT_TOKEN')
        break
      case 'store':
        problems.push(
          `secrets.${name}: "source": "store" is the desktop app's encrypted store, which a pod does not have: use "env" or "env-file"`
        )
    }
  }
  for (const [key, model] of Object.entries(composition.models)) {
    const value = 'api-key' in model ? model['api-key'] : undefined
    const ref = typeof value === 'string' && !value.startsWith('$secrets.') && ENV_REF.exec(value)
    if (ref && ref[1]) env.add(ref[1])
    else if (typeof value === 'string' && value !== '' && !value.startsWith('$'))
      problems.push(
        `models.${key}.api-key: a literal key would be written into the ConfigMap: use "$ENV_VAR" or "$secrets.NAME.VAR"`
      )
  }
  if (apiKey) env.add(API_KEY_VAR)
  return { name: secretName(pipeline), envKeys: [...env].sort(), files, problems }
}

/** True when the pods need the Secret at all. */
export function needsSecret(plan: SecretPlan): boolean {
  return plan.envKeys.length > 0 || plan.files.length > 0
}

/** `kubectl create secret …` for the user who keeps values out of llmnet (`$VAR` from their shell). */
export function kubectlSecretCommand(plan: SecretPlan, namespace: string, baseDir: string): string {
  const parts = [`kubectl -n ${namespace} create secret generic ${plan.name}`]
  for (const k of plan.envKeys) parts.push(`--from-literal=${k}="$${k}"`)
  for (const f of plan.files) {
    const local = isAbsolute(f.path) ? f.path : resolve(baseDir, f.path)
    parts.push(`--from-file=${f.key}=${local}`)
  }
  return parts.join(' \\\n    ')
}

/**
 * The Secret itself, from the current environment and the env files (`--create-secrets`).
 * A variable that is not set is an error naming it; nothing is half-created.
 */
export async function buildSecret(
  plan: SecretPlan,
  pipeline: string,
  namespace: string,
  env: NodeJS.ProcessEnv,
  baseDir: string
): Promise<KubeObject> {
  const stringData: Record<string, string> = {}
  const missing = plan.envKeys.filter((k) => env[k] === undefined || env[k] === '')
  if (missing.length > 0)
    throw new Error(
      `--create-secrets: ${missing.map((m) => `$${m}`).join(', ')} not set in this environment`
    )
  for (const k of plan.envKeys) stringData[k] = env[k] as string
  for (const f of plan.files) {
    const local = isAbsolute(f.path) ? f.path : resolve(baseDir, f.path)
    let text: string
    try {
      text = await readFile(local, 'utf8')
    } catch (err) {
      throw new Error(
        `--create-secrets: secrets.${f.secret}: cannot read ${local}: ${(err as Error).message}`,
        { cause: err }
      )
    }
    const { values } = parseDotenv(text)
    const keep = f.variables.length > 0 ? f.variables : Object.keys(values)
    stringData[f.key] = keep
      .filter((v) => values[v] !== undefined)
      .map((v) => `${v}=${JSON.stringify(values[v])}`)
      .join('\n')
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: plan.name, namespace, labels: labels(pipeline, 'pipeline') },
    type: 'Opaque',
    stringData
  }
}

/** The Secret as `--dry-run` shows it: its keys, never its values. */
export function redactSecret(secret: KubeObject): KubeObject {
  const data = (secret.stringData ?? {}) as Record<string, string>
  return {
    ...secret,
    stringData: Object.fromEntries(Object.keys(data).map((k) => [k, '(redacted)']))
  }
}
