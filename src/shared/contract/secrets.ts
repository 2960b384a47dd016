/**
 * @module Secret routes. A value goes in through `secrets.set` and never comes back out: every
 * output here carries names and state only (`contract.test.ts` checks it).
 */
import { z } from 'zod'
import { NoInput, defineRoutes, route } from './define'

/** An environment-variable-like name, as `$secrets.NAME` refers to it. */
export const SecretNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'a secret name is letters, digits and "_"')

export const SecretInfoSchema = z.object({
  name: SecretNameSchema,
  updatedAt: z.number(),
  /** The pipelines whose composition refers to it. */
  usedBy: z.array(z.string())
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
  'secrets.set': route(
    z.strictObject({ name: SecretNameSchema, value: z.string().min(1).max(65_536) }),
    SecretInfoSchema
  ),
  'secrets.delete': route(
    z.strictObject({ name: SecretNameSchema }),
    z.object({ name: SecretNameSchema, deleted: z.boolean() })
  )
})
