/**
 * @module App settings and their routes. `settings.set` takes a partial: each section present is
 * merged into the stored one, so two screens can save their own parts.
 */
import { z } from 'zod'
import { NoInput, PipelineNameSchema, defineRoutes, route } from './define'

const ServerSettingsSchema = z.strictObject({
  /** Loopback by default; another address exposes the API to the network. */
  host: z.string().min(1),
  /** 0 picks a free port. */
  port: z.number().int().min(0).max(65_535),
  autostart: z.boolean(),
  /**
   * Browser origins (`http://localhost:3000`) allowed to call `/v1` from a web page, besides
   * those given on the command line; applied when the server next starts.
   */
  corsOrigins: z
    .array(
      z
        .string()
        .regex(
          /^https?:\/\/[^/\s]+$/,
          'an origin is a scheme and host, like http://localhost:3000 (no path)'
        )
    )
    .max(100)
    .default([])
})

const TraceSettingsSchema = z.strictObject({
  enabled: z.boolean(),
  maxCount: z.number().int().min(0),
  maxAgeDays: z.number().min(0)
})

const ModelSettingsSchema = z.strictObject({
  /** Folders scanned for GGUF files. */
  dirs: z.array(z.string()),
  /** Unload a local model after this long without requests; 0 keeps it loaded. */
  idleUnloadSeconds: z.number().int().min(0)
})

const AppSettingsSchema = z.strictObject({
  /** Start the desktop app (in the tray) when the user logs in (macOS and Windows). */
  openAtLogin: z.boolean()
})

const AccessSettingsSchema = z.strictObject({
  /** Off: any local app may call `/v1`. On: each app needs its own token (unknown ones are asked about). */
  requireKeys: z.boolean()
})

export const SettingsSchema = z.strictObject({
  /** The pipeline `/v1` serves when a request names none; null: the only one, if just one. */
  defaultPipeline: PipelineNameSchema.nullable(),
  server: ServerSettingsSchema,
  traces: TraceSettingsSchema,
  models: ModelSettingsSchema,
  app: AppSettingsSchema,
  access: AccessSettingsSchema
})
export type Settings = z.infer<typeof SettingsSchema>

export const SettingsPatchSchema = z.strictObject({
  defaultPipeline: PipelineNameSchema.nullable().optional(),
  server: ServerSettingsSchema.partial().optional(),
  traces: TraceSettingsSchema.partial().optional(),
  models: ModelSettingsSchema.partial().optional(),
  app: AppSettingsSchema.partial().optional(),
  access: AccessSettingsSchema.partial().optional()
})
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>

export const settingsRoutes = defineRoutes('settings', {
  'settings.get': route(NoInput, SettingsSchema),
  'settings.set': route(SettingsPatchSchema, SettingsSchema)
})

/** What a fresh data folder starts with. */
export const DEFAULT_SETTINGS: Settings = {
  defaultPipeline: null,
  server: { host: '127.0.0.1', port: 8080, autostart: true, corsOrigins: [] },
  traces: { enabled: true, maxCount: 10_000, maxAgeDays: 7 },
  models: { dirs: [], idleUnloadSeconds: 600 },
  app: { openAtLogin: false },
  access: { requireKeys: false }
}

/** The settings as stored: each section on its own, with its default when never saved. */
export const StoredSettingsSchema = z.object({
  defaultPipeline: SettingsSchema.shape.defaultPipeline.default(DEFAULT_SETTINGS.defaultPipeline),
  server: SettingsSchema.shape.server.default(DEFAULT_SETTINGS.server),
  traces: SettingsSchema.shape.traces.default(DEFAULT_SETTINGS.traces),
  models: SettingsSchema.shape.models.default(DEFAULT_SETTINGS.models),
  app: SettingsSchema.shape.app.default(DEFAULT_SETTINGS.app),
  access: SettingsSchema.shape.access.default(DEFAULT_SETTINGS.access)
})
