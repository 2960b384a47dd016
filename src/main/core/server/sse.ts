/**
 * @module Writes streamed answers: one {@link StreamWriter} for every streaming route (events
 * joined per tick, the socket's push-back passed to the engine), and OpenAI's
 * `chat.completion.chunk` events over it ({@link ChunkWriter}).
 */
import type { ServerResponse } from 'node:http'
import type { Usage } from '../../../shared/openai/chat'
import type { OpenAIErrorBody } from '../../../shared/openai/error'
import type { StreamDelta } from '../providers/provider'

/**
 * Streamed tool calls as OpenAI's deltas: each with its `index`. A whole answer's calls (a
 * buffered node, a transform hook) have none, and the SDKs' stream helpers need it.
 */
export function withIndex(calls: readonly unknown[]): unknown[] {
  let missing = false
  for (const c of calls) if (typeof (c as { index?: unknown })?.index !== 'number') missing = true
  if (!missing) return calls as unknown[]
  return calls.map((c, i) =>
    typeof c === 'object' && c !== null && typeof (c as { index?: unknown }).index !== 'number'
      ? { index: i, ...c }
      : c
  )
}

/**
 * Resolves when `res` can take more (`drain`) or is gone (`close`), and removes both listeners
 * either way. (`events.once` on each, raced, left the loser's listener and an `error` listener
 * behind on every wait: a long answer to a slow reader piled them up past the warning limit.)
 */
export function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

/**
 * Writes a streamed answer (SSE events, or Ollama's JSON lines) for every streaming route.
 *
 * - The events written in one tick (all those of one upstream read) are joined and leave as one
 *   socket write on the next tick: one system call instead of one per event.
 * - It tells the engine when to wait: once the socket could not take a write, {@link wait}
 *   returns a promise that settles on `drain` (or when the client has gone), and a
 *   sink that returns it holds the upstream back. Without that, a client that reads slowly makes
 *   the server keep the whole answer in memory. While the socket takes everything, it returns
 *   undefined, so the common path stays synchronous.
 * - {@link end} ends the response with what is still queued: a route never calls `res.end()`
 *   itself after writing through it, or the queued events would be lost.
 */
export class StreamWriter {
  private pending = ''
  private drained: Promise<void> | undefined

  constructor(private readonly res: ServerResponse) {}

  write(s: string): void {
    if (this.res.destroyed) return
    if (this.pending === '') process.nextTick(flushWriter, this)
    this.pending += s
  }

  /** Undefined while the socket takes what it is given; else when to write on. */
  wait(): Promise<void> | undefined {
    return this.drained
  }

  /** Writes what is queued (the next tick does this by itself). */
  flush(): void {
    const data = this.pending
    this.pending = ''
    if (data === '' || this.res.destroyed) return
    if (!this.res.write(data) && !this.drained) {
      this.drained = writable(this.res).then(() => {
        this.drained = undefined
      })
    }
  }

  /** Ends the response with what is still queued, then `last`. */
  end(last = ''): void {
    if (this.res.destroyed) return
    const data = this.pending + last
    this.pending = ''
    this.res.end(data)
  }
}

/** The next tick's flush, without a closure per tick. */
function flushWriter(writer: StreamWriter): void {
  writer.flush()
}

/**
 * OpenAI `chat.completion.chunk` events over a {@link StreamWriter}. The constant part of each
 * chunk is serialised once per response, so a content chunk costs one JSON.stringify of its text.
 */
export class ChunkWriter {
  private readonly head: string
  private readonly prefix: string
  private readonly out: StreamWriter

  constructor(
    res: ServerResponse,
    id: string,
    created: number,
    model: string,
    systemFingerprint?: string
  ) {
    const fp = systemFingerprint ? `,"system_fingerprint":${JSON.stringify(systemFingerprint)}` : ''
    this.head = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)}${fp}`
    this.prefix = `data: ${this.head},"choices":[{"index":0,"delta":`
    this.out = new StreamWriter(res)
  }

  private write(s: string): Promise<void> | undefined {
    this.out.write(s)
    return this.out.wait()
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
      `${this.prefix}{"tool_calls":${JSON.stringify(withIndex(calls))}},"finish_reason":null}]}\n\n`
    )
  }
  /** A delta with thinking or log probabilities (rarer: one generic serialisation). */
  full(d: StreamDelta): Promise<void> | undefined {
    const delta: Record<string, unknown> = {}
    if (d.reasoningContent) delta.reasoning_content = d.reasoningContent
    if (d.reasoning) delta.reasoning = d.reasoning
    if (d.content) delta.content = d.content
    if (d.toolCalls?.length) delta.tool_calls = withIndex(d.toolCalls)
    if (d.functionCall) delta.function_call = d.functionCall
    const logprobs = d.logprobs ? `,"logprobs":${JSON.stringify(d.logprobs)}` : ''
    return this.write(
      `${this.prefix}${JSON.stringify(delta)}${logprobs},"finish_reason":null}]}\n\n`
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
    this.out.end('data: [DONE]\n\n')
  }
}
