/**
 * @module Writes OpenAI `chat.completion.chunk` events. The constant part of each chunk is
 * serialised once per response, so a content chunk costs one JSON.stringify of its text.
 */
import { once } from 'node:events'
import type { ServerResponse } from 'node:http'
import type { Usage } from '../../../shared/openai/chat'
import type { OpenAIErrorBody } from '../../../shared/openai/error'

export class ChunkWriter {
  private readonly head: string
  private readonly prefix: string

  constructor(
    private readonly res: ServerResponse,
    id: string,
    created: number,
    model: string
  ) {
    this.head = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)}`
    this.prefix = `data: ${this.head},"choices":[{"index":0,"delta":`
  }

  private corked = false

  /**
   * Writes made in the same tick (all events of one upstream read) leave in one syscall.
   * Returns a promise only when the socket pushes back, so the common path stays synchronous.
   */
  private write(s: string): Promise<void> | undefined {
    if (this.res.destroyed) return undefined
    if (!this.corked) {
      this.corked = true
      this.res.cork()
      process.nextTick(() => {
        this.corked = false
        this.res.uncork()
      })
    }
    if (this.res.write(s)) return undefined
    return Promise.race([once(this.res, 'drain'), once(this.res, 'close')]).then(() => undefined)
  }

  role(): Promise<void> | undefined {
    return this.write(`${this.prefix}{"role":"assistant","content":""},"finish_reason":null}]}\n\n`)
  }
  content(text: string): Promise<void> | undefined {
    return this.write(`${this.prefix}{"content":${JSON.stringify(text)}},"finish_reason":null}]}\n\n`)
  }
  toolCalls(calls: unknown[]): Promise<void> | undefined {
    return this.write(`${this.prefix}{"tool_calls":${JSON.stringify(calls)}},"finish_reason":null}]}\n\n`)
  }
  finish(reason: string | null): Promise<void> | undefined {
    return this.write(`${this.prefix}{},"finish_reason":${JSON.stringify(reason ?? 'stop')}}]}\n\n`)
  }
  usage(usage: Usage): Promise<void> | undefined {
    return this.write(`data: ${this.head},"choices":[],"usage":${JSON.stringify(usage)}}\n\n`)
  }
  error(body: OpenAIErrorBody): Promise<void> | undefined {
    return this.write(`data: ${JSON.stringify(body)}\n\n`)
  }
  done(): void {
    if (!this.res.destroyed) this.res.end('data: [DONE]\n\n')
  }
}
