/**
 * @module Per-app access: the tokens local apps send when settings require keys. A token is
 * shown once, when it is created; lists carry only its first characters.
 */
import { z } from 'zod'
import { NoInput, defineRoutes, route } from './define'

export const AppNameSchema = z.string().trim().min(1).max(100)

export const AppTokenInfoSchema = z.object({
  name: z.string(),
  /** The token's first characters, to tell tokens apart. */
  hint: z.string(),
  /** `created` here, or `approved` when the user allowed an app that asked. */
  origin: z.enum(['created', 'approved']),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
  revokedAt: z.number().nullable()
})

export const accessRoutes = defineRoutes('access', {
  'access.list': route(NoInput, z.object({ apps: z.array(AppTokenInfoSchema) })),
  /** The only answer that carries a token: copy it into the app now, it is not shown again. */
  'access.create': route(
    z.strictObject({ name: AppNameSchema }),
    z.object({ app: AppTokenInfoSchema, token: z.string() })
  ),
  'access.revoke': route(
    z.strictObject({ name: AppNameSchema }),
    z.object({ name: z.string(), revoked: z.boolean() })
  )
})
