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

  private pending = ''
  private drained: Promise<void> | undefined

  /**
   * Events written in the same tick (all events of one upstream read) are joined and leave as one
   * chunk. Returns a promise only while the socket pushes back, so the common path stays sync.
   */
  private write(s: string): Promise<void> | undefined {
    if (this.res.destroyed) return undefined
    if (this.pending === '') process.nextTick(() => this.flush())
    this.pending += s
    return this.drained
  }

  private flush(): void {
    const data = this.pending
    this.pending = ''
    if (data === '' || this.res.destroyed) return
    if (!this.res.write(data) && !this.drained) {
      this.drained = Promise.race([once(this.res, 'drain'), once(this.res, 'close')]).then(() => {
        this.drained = undefined
      })
    }
  }

  role(): Promise<void> | undefined {
    return this.write(`${this.prefix}{"role":"assistant","content":""},"finish_reason":null}]}\n\n`)
  }
  content(text: string): Promise<void> | undefined {
    return this.write(
      `${this.prefix}{"content":${JSON.stringify(text)}},"finish_reason":null}]}\n\n`
    )
  }
  toolCalls(calls: unknown[]): Promise<void> | undefined {
    return this.write(
      `${this.prefix}{"tool_calls":${JSON.stringify(calls)}},"finish_reason":null}]}\n\n`
    )
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
    if (this.res.destroyed) return
    const data = `${this.pending}data: [DONE]\n\n`
    this.pending = ''
    this.res.end(data)
  }
}
