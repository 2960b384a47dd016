/**
 * @module The chat tester: `chat.start` runs the same engine as `/v1` and answers at once; the
 * answer follows as `chat.delta` events and ends with one `chat.done` carrying the trace.
 */
import { randomUUID } from 'node:crypto'
import { Cancellation } from '../../core/cancel'
import { runPipeline, type EngineDeps } from '../../core/engine/engine'
import { AppError } from '../../core/errors'
import type { PipelineRegistry } from '../../core/pipelines/registry'
import { toControlError } from '../dispatch'
import type { EventHub } from '../events'
import type { DomainHandlers } from './types'

export interface ChatDeps {
  pipelines: PipelineRegistry
  engine: EngineDeps
  hub: EventHub
}

/** Chats in flight, so `chat.stop` can cancel them and shutdown can wait for them. */
export class ChatSessions {
  private readonly running = new Map<string, Cancellation>()
  add(id: string, c: Cancellation): void {
    this.running.set(id, c)
  }
  delete(id: string): void {
    this.running.delete(id)
  }
  stop(id: string): boolean {
    const c = this.running.get(id)
    c?.abort(new Error('stopped by the user'))
    return c !== undefined
  }
  stopAll(): void {
    for (const c of this.running.values()) c.abort(new Error('shutting down'))
  }
}

export function chatHandlers(
  deps: ChatDeps,
  sessions = new ChatSessions()
): DomainHandlers<'chat'> {
  return {
    async 'chat.start'(input) {
      const pipeline = deps.pipelines.get(input.pipeline)
      if (!pipeline)
        throw new AppError('model_not_found', `pipeline "${input.pipeline}" is not being served`)
      const chatId = randomUUID()
      const controller = new Cancellation()
      sessions.add(chatId, controller)
      // The run starts after this answer is sent, so the caller knows the id before the deltas.
      setImmediate(() => {
        runPipeline(
          deps.engine,
          {
            pipeline,
            request: {
              model: pipeline.id,
              messages: input.messages,
              stream: true,
              ...input.params
            },
            requestId: chatId,
            headers: {},
            signal: controller,
            stream: true
          },
          {
            start() {},
            delta(d) {
              if (d.content) deps.hub.emit('chat.delta', { chatId, content: d.content })
            }
          }
        )
          // The session ends before `chat.done` goes out: a stop after it is a no-op.
          .then(
            (result) => {
              sessions.delete(chatId)
              deps.hub.emit('chat.done', { chatId, trace: result.trace, error: null })
            },
            (err: unknown) => {
              sessions.delete(chatId)
              const error = toControlError(err, 'chat.start')
              deps.hub.emit('chat.done', { chatId, trace: null, error })
            }
          )
      })
      return { chatId }
    },
    async 'chat.stop'(input) {
      return { stopped: sessions.stop(input.chatId) }
    }
  }
}
