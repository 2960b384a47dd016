/**
 * @module The chat tester's routes. `chat.start` runs the same engine as `/v1` and returns at
 * once; the answer arrives as `chat.delta` events and ends with one `chat.done` carrying the
 * trace. It exists because a renderer loaded from `file://` sends `Origin: null`, which `/v1`
 * refuses.
 */
import { z } from 'zod'
import { ChatMessageSchema } from '../openai/chat'
import { PipelineNameSchema, defineRoutes, route } from './define'

/** The client parameters the chat tester may set (forwarded to answering nodes). */
export const ChatParamsSchema = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_tokens: z.number().int().positive().optional(),
  stop: z.array(z.string()).max(4).optional(),
  seed: z.number().int().optional()
})

export const chatRoutes = defineRoutes('chat', {
  'chat.start': route(
    z.strictObject({
      pipeline: PipelineNameSchema,
      messages: z.array(ChatMessageSchema).min(1).max(1000),
      params: ChatParamsSchema.default({})
    }),
    z.object({ chatId: z.string() })
  ),
  /** Cancels a running chat; it still ends with `chat.done` (status `error`, `client_closed`). */
  'chat.stop': route(
    z.strictObject({ chatId: z.string().min(1) }),
    z.object({ stopped: z.boolean() })
  )
})
