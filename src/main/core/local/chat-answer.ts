/**
 * @module How the llama.cpp worker writes one chat completion back: as server-sent events (the
 * role chunk first, reasoning at once, answer text coalesced, then the finish chunk, the usage
 * chunk when asked and `[DONE]`) or as one `chat.completion` JSON body. Thinking is split from
 * the answer (think-split.ts) in both.
 */
import type { ServerResponse } from 'node:http'
import { randomUUID } from 'node:crypto'
import type { CompletionResult } from './slots'
import { splitThinking, type ThinkSplitter } from './think-split'
import { sendJson, TextCoalescer } from './worker-http'

/** What every chunk and the JSON body of one answer share. */
export interface AnswerFrame {
  id: string
  created: number
  model: string
  /** `stream_options.include_usage`: every chunk carries `usage: null`, and a usage chunk ends. */
  includeUsage: boolean
}

export function answerFrame(model: string, includeUsage: boolean): AnswerFrame {
  return {
    id: `chatcmpl-${randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model,
    includeUsage
  }
}

/** OpenAI's `usage`, with the slot's reused prefix as cached tokens. */
export function usageOf(result: CompletionResult): Record<string, unknown> {
  return {
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    total_tokens: result.promptTokens + result.completionTokens,
    prompt_tokens_details: { cached_tokens: result.promptTokens - result.evaluatedTokens },
    completion_tokens_details: { sampled_tokens: result.sampledTokens }
  }
}

/** The answer as one `chat.completion` body; reasoning goes to `reasoning_content`. */
export function sendCompletionJson(
  res: ServerResponse,
  frame: AnswerFrame,
  result: CompletionResult,
  thinkOpen: boolean
): void {
  const split = splitThinking(result.text, thinkOpen)
  const reasoning = result.thoughts + split.reasoning
  sendJson(res, 200, {
    id: frame.id,
    object: 'chat.completion',
    created: frame.created,
    model: frame.model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: split.content,
          ...(reasoning && { reasoning_content: reasoning })
        },
        logprobs: null,
        finish_reason: result.finishReason
      }
    ],
    usage: usageOf(result)
  })
}

/** One answer streamed as server-sent events. */
export class ChatStream {
  private readonly coalescer: TextCoalescer
  /** A text chunk is the same envelope around the text: built once, not per token. */
  private readonly textHead: string
  private readonly textTail: string

  constructor(
    private readonly res: ServerResponse,
    private readonly frame: AnswerFrame,
    private readonly thinking: ThinkSplitter
  ) {
    ;[this.textHead, this.textTail] = this.chunk({ content: '\u0000' }, null).split(
      '"\\u0000"'
    ) as [string, string]
    this.coalescer = new TextCoalescer((text) =>
      res.write(this.textHead + JSON.stringify(text) + this.textTail)
    )
  }

  /** The status line, the headers and the role chunk. */
  start(): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive'
    })
    this.res.write(this.chunk({ role: 'assistant', content: '' }, null))
  }

  /** Generated text: thoughts go out at once; answer text is coalesced (one write per 10 ms at most). */
  readonly onText = (text: string): void => {
    if (!text) return
    const part = this.thinking.push(text)
    if (part.reasoning) {
      this.coalescer.flush()
      this.res.write(this.chunk({ reasoning_content: part.reasoning }, null))
    }
    if (part.content) this.coalescer.push(part.content)
  }

  /** A thought the chat wrapper separated itself. */
  readonly onThought = (text: string): void => {
    this.coalescer.flush()
    this.res.write(this.chunk({ reasoning_content: text }, null))
  }

  /** Writes the coalesced text still pending. */
  flush(): void {
    this.coalescer.flush()
  }

  /** Ends the stream with an error event (the status line is long sent). */
  fail(err: Error): void {
    this.res.end(
      `data: ${JSON.stringify({ error: { message: err.message, type: 'server_error', code: 'generation_failed' } })}\n\n`
    )
  }

  /** The text the splitter held back, the finish chunk, the usage chunk when asked, `[DONE]`. */
  finish(result: CompletionResult): void {
    const { frame, res } = this
    const held = this.thinking.end()
    if (held.reasoning) res.write(this.chunk({ reasoning_content: held.reasoning }, null))
    if (held.content) res.write(this.chunk({ content: held.content }, null))
    let tail = this.chunk({}, result.finishReason)
    if (frame.includeUsage) {
      tail += `data: ${JSON.stringify({ id: frame.id, object: 'chat.completion.chunk', created: frame.created, model: frame.model, system_fingerprint: null, choices: [], usage: usageOf(result) })}\n\n`
    }
    res.end(`${tail}data: [DONE]\n\n`)
  }

  private chunk(delta: Record<string, unknown>, finish: string | null): string {
    const { frame } = this
    return `data: ${JSON.stringify({
      id: frame.id,
      object: 'chat.completion.chunk',
      created: frame.created,
      model: frame.model,
      system_fingerprint: null,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(frame.includeUsage ? { usage: null } : {})
    })}\n\n`
  }
}
