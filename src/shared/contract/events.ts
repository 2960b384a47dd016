/**
 * @module Events main sends to the renderer and to `/api/events` subscribers: name → payload
 * schema. Payloads come from main, so receivers trust them; the schemas give the types and let
 * tests and scripts check what they got.
 */
import { z } from 'zod'
import { ModelRuntimeStatusSchema } from '../models/status'
import { TraceSchema } from '../trace'
import { ControlErrorSchema } from './errors'
import { EVAL_EVENTS } from './evals'
import { PullProgressSchema } from './models'
import { ServerStateSchema } from './server'
import { SettingsSchema } from './settings'

const PipelineRef = {
  name: z.string(),
  /** The watched file, or null for a library pipeline. */
  path: z.string().nullable()
}

export const EVENTS = {
  'pipeline.loaded': z.object({ ...PipelineRef, reloaded: z.boolean() }),
  'pipeline.removed': z.object(PipelineRef),
  'pipeline.reload_failed': z.object({ ...PipelineRef, errors: z.array(z.string()) }),
  'model.status': ModelRuntimeStatusSchema,
  'model.pull_progress': PullProgressSchema,
  /** Every finished request, from `/v1` and from the chat tester. */
  trace: TraceSchema,
  'chat.delta': z.object({ chatId: z.string(), content: z.string() }),
  /** The chat's end: the trace when the engine ran, else the error that stopped it. */
  'chat.done': z.object({
    chatId: z.string(),
    trace: TraceSchema.nullable(),
    error: ControlErrorSchema.nullable()
  }),
  'server.state': ServerStateSchema,
  /** A secret was set or deleted (its value never travels). */
  'secret.changed': z.object({ name: z.string(), state: z.enum(['set', 'deleted']) }),
  'settings.changed': SettingsSchema,
  ...EVAL_EVENTS
}

export type Events = typeof EVENTS
export type EventName = keyof Events
export type EventPayload<E extends EventName> = z.output<Events[E]>

/** Whether a string names an event. */
export function isEventName(name: string): name is EventName {
  return Object.hasOwn(EVENTS, name)
}
