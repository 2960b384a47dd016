/**
 * @module Secret routes. A value goes in through `secrets.set` and never comes back out: every
 * output here carries names and state only (`contract.test.ts` checks it).
 */
import { z } from 'zod'
import { NoInput, PipelineNameSchema, defineRoutes, route } from './define'

/**
 * A stored secret's key, `NAME.VARIABLE`: a composition's `secrets` entry `NAME` with
 * `"source": "store"` reads it as `$secrets.NAME.VARIABLE`.
 */
export const SecretNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9_-]{1,100}\.[A-Za-z_][A-Za-z0-9_]{0,99}$/,
    'a secret is named NAME.VARIABLE (letters, digits, "_" and "-" in NAME; VARIABLE like an environment variable)'
  )

export const SecretInfoSchema = z.object({
  name: SecretNameSchema,
  updatedAt: z.number(),
  /** The pipelines whose composition reads it (a `store` source named NAME). */
  usedBy: z.array(z.string())
})

/**
 * One entry of a composition's `secrets` map and how it resolved. `detail` says where it reads
 * from (the env-file path, the Vault address and path, the environment variable's name), never
 * a value; `problem` is why a source did not resolve, as the pipeline's load reported it.
 */
export const SecretSourceInfoSchema = z.object({
  pipeline: z.string(),
  name: z.string(),
  source: z.enum(['env-file', 'env', 'vault', 'store']),
  detail: z.string(),
  variables: z.array(z.object({ name: z.string(), state: z.enum(['resolved', 'missing']) })),
  problem: z.string().nullable()
})

export const secretsRoutes = defineRoutes('secrets', {
  'secrets.list': route(
    NoInput,
    z.object({
      secrets: z.array(SecretInfoSchema),
      /** How values are encrypted at rest; `warning` e.g. for Linux's `basic_text` fallback. */
      storage: z.object({
        kind: z.enum(['safe-storage', 'key-file', 'env-key']),
        warning: z.string().nullable()
      })
    })
  ),
  /** The served and failed pipelines' secret sources (one pipeline's when named). */
  'secrets.sources': route(
    z.strictObject({ pipeline: PipelineNameSchema.optional() }).default({}),
    z.object({ sources: z.array(SecretSourceInfoSchema) })
  ),
  'secrets.set': route(
    z.strictObject({ name: SecretNameSchema, value: z.string().min(1).max(65_536) }),
    SecretInfoSchema
  ),
  'secrets.delete': route(
    z.strictObject({ name: SecretNameSchema }),
    z.object({ name: SecretNameSchema, deleted: z.boolean() })
  )
})
