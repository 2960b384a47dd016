/**
 * @module The chat tester: `start` runs the same engine as `/v1` and answers at once with the
 * chat's id; the answer follows as `chat.delta` events and ends with one `chat.done` carrying the
 * trace. Chats in flight can be stopped one by one, or all at shutdown.
 */
import { randomUUID } from 'node:crypto'
import type { InputOf, OutputOf } from '../../../shared/contract/routes'
import { Cancellation } from '../cancel'
import { toControlError } from '../control-error'
import { type EngineDeps, runPipeline } from '../engine/engine'
import type { CompiledPipeline } from '../engine/pipeline'
import { AppError } from '../errors'
import type { PipelineRegistry } from '../pipelines/registry'
import type { EmitEvent } from './emit'

export interface ChatServiceDeps {
  pipelines: PipelineRegistry
  engine: EngineDeps
  emit: EmitEvent
}

export class ChatService {
  private readonly running = new Map<string, Cancellation>()

  constructor(private readonly deps: ChatServiceDeps) {}

  /** Starts a chat with a served pipeline; its run begins after this answer is sent. */
  start(input: InputOf<'chat.start'>): OutputOf<'chat.start'> {
    const pipeline = this.deps.pipelines.get(input.pipeline)
    if (!pipeline)
      throw new AppError('model_not_found', `pipeline "${input.pipeline}" is not being served`)
    const chatId = randomUUID()
    const cancel = new Cancellation()
    this.running.set(chatId, cancel)
    // The caller knows the id before the first delta.
    setImmediate(() => void this.run(chatId, pipeline, input, cancel))
    return { chatId }
  }

  /** Stops a chat in flight; false when it already ended (or never was). */
  stop(chatId: string): OutputOf<'chat.stop'> {
    const c = this.running.get(chatId)
    c?.abort(new Error('stopped by the user'))
    return { stopped: c !== undefined }
  }

  /** Stops every chat in flight (the app is stopping). */
  stopAll(): void {
    for (const c of this.running.values()) c.abort(new Error('shutting down'))
  }

  private async run(
    chatId: string,
    pipeline: CompiledPipeline,
    input: InputOf<'chat.start'>,
    signal: Cancellation
  ): Promise<void> {
    const { emit } = this.deps
    const request = { model: pipeline.id, messages: input.messages, stream: true, ...input.params }
    try {
      const result = await runPipeline(
        this.deps.engine,
        { pipeline, request, requestId: chatId, headers: {}, signal, stream: true },
        {
          start() {},
          delta(d) {
            if (d.content) emit('chat.delta', { chatId, content: d.content })
          }
        }
      )
      // The session ends before `chat.done` goes out: a stop after it is a no-op.
      this.running.delete(chatId)
      emit('chat.done', { chatId, trace: result.trace, error: null })
    } catch (err) {
      this.running.delete(chatId)
      emit('chat.done', { chatId, trace: null, error: toControlError(err, 'chat.start') })
    }
  }
}
