/**
 * @module The worker's parallel sequences ("slots"): which free slot a request takes so a router's
 * evaluated prefix survives, FIFO waiting when all are busy, and one generation on a slot with the
 * token counts that prove prefix reuse.
 */
import type {
  ChatHistoryItem,
  LlamaChat,
  LlamaChatResponseChunk,
  LlamaChatResponseSegment,
  LlamaContextSequence,
  LlamaGrammar,
  Token,
  Tokenizer
} from 'node-llama-cpp'
import type { CompletionBody } from './grammars'
import { samplerOptions } from './request-fields'
import { DEFAULT_TEMPERATURE } from './worker-checks'

/** One parallel sequence with its chat, reused from request to request. */
export interface Slot {
  index: number
  sequence: LlamaContextSequence
  chat: LlamaChat
  busy: boolean
  /** Order of last use (a counter), for least-recently-used eviction. */
  lastUsed: number
}

/** What one completion produced and measured. */
export interface CompletionResult {
  text: string
  /** Thought segments node-llama-cpp separated from the answer (templates it knows). */
  thoughts: string
  finishReason: 'stop' | 'length'
  promptTokens: number
  evaluatedTokens: number
  completionTokens: number
  tokensPerSecond: number
}

export class SlotPool {
  private slots: Slot[] = []
  private readonly waiters: ((slot: Slot) => void)[] = []
  private useCounter = 0

  add(sequence: LlamaContextSequence, chat: LlamaChat): void {
    this.slots.push({ index: this.slots.length, sequence, chat, busy: false, lastUsed: 0 })
  }

  get total(): number {
    return this.slots.length
  }
  get busy(): number {
    return this.slots.filter((s) => s.busy).length
  }
  get queued(): number {
    return this.waiters.length
  }

  /**
   * Takes a free slot: the one whose state shares the longest prefix with this prompt when that
   * prefix is at least half the prompt (a real reuse), else the one with the least to lose, so that
   * a router's prefix (or two routers', given enough slots) survives between decisions. Waits
   * (FIFO) when every slot is busy.
   */
  acquire(history: ChatHistoryItem[], tokenizer: Tokenizer): Promise<Slot> {
    const free = this.slots.filter((s) => !s.busy)
    const first = free[0]
    if (first) {
      let best = first
      if (free.length > 1) {
        const tokens = first.chat.chatWrapper
          .generateContextState({ chatHistory: history })
          .contextText.tokenize(tokenizer)
        let bestShared = -1
        for (const s of free) {
          const shared = s.sequence.compareContextTokens(tokens).firstDifferentIndex
          if (shared > bestShared) {
            bestShared = shared
            best = s
          }
        }
        if (bestShared < tokens.length / 2) {
          // No real reuse: evict the slot whose state is cheapest to lose (fewest evaluated
          // tokens, then least recently used), so a router's long constant prefix survives the
          // short answers that come between its decisions.
          const size = (x: Slot): number => x.sequence.contextTokens.length
          best = free.reduce((a, b) =>
            size(b) < size(a) || (size(b) === size(a) && b.lastUsed < a.lastUsed) ? b : a
          )
        }
      }
      best.busy = true
      best.lastUsed = ++this.useCounter
      return Promise.resolve(best)
    }
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  release(slot: Slot): void {
    const next = this.waiters.shift()
    if (next) {
      slot.lastUsed = ++this.useCounter
      next(slot)
    } else slot.busy = false
  }

  /** Disposes every slot's chat and sequence. */
  dispose(): void {
    for (const slot of this.slots) slot.chat.dispose({ disposeSequence: true })
    this.slots = []
  }
}

/**
 * Runs one generation on a slot. The slot's LlamaChat compares the new prompt with the tokens
 * already in its sequence and decodes only from the first difference; the sequence's token meter
 * proves it: every decoded token is metered, prompt tokens as input except the last one (which
 * yields logits, so it counts as output, like every sampled token fed back).
 */
export async function generate(
  slot: Slot,
  history: ChatHistoryItem[],
  promptTokens: Token[],
  body: CompletionBody,
  grammar: LlamaGrammar | undefined,
  maxTokens: number,
  signal: AbortSignal,
  onText: ((text: string) => void) | undefined,
  onThought?: (text: string) => void
): Promise<CompletionResult> {
  const meter = slot.sequence.tokenMeter
  const before = meter.getState()
  let firstTokenAt: number | undefined
  const stops =
    body.stop === undefined || body.stop === null
      ? []
      : (Array.isArray(body.stop) ? body.stop : [body.stop]).filter((s) => s.length > 0)
  const options = {
    maxTokens,
    temperature: body.temperature ?? DEFAULT_TEMPERATURE,
    topP: body.top_p ?? undefined,
    seed: body.seed ?? undefined,
    signal,
    stopOnAbortSignal: true,
    customStopTriggers: stops.length ? stops : undefined,
    ...samplerOptions(body),
    onToken: () => {
      firstTokenAt ??= performance.now()
    },
    onTextChunk: onText,
    onResponseChunk: onThought && thoughtsTo(onThought)
  }
  const response = grammar
    ? await slot.chat.generateResponse(history, { ...options, grammar })
    : await slot.chat.generateResponse(history, options)
  const end = performance.now()
  const used = TokenMetered.diff(meter.getState(), before)
  // Sampled tokens = decodes that produced logits (the prompt's last token, then each sampled
  // token fed back, except the final one). Evaluated prompt tokens = logit-less decodes + 1.
  const completionTokens = used.output
  const evaluatedTokens = Math.min(promptTokens.length, used.input + (used.output > 0 ? 1 : 0))
  const genMs = firstTokenAt !== undefined ? end - firstTokenAt : 0
  return {
    text: response.response,
    thoughts: thoughtsOf(response.fullResponse),
    finishReason: response.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
    promptTokens: promptTokens.length,
    evaluatedTokens,
    completionTokens,
    tokensPerSecond: completionTokens > 1 && genMs > 0 ? (completionTokens - 1) / (genMs / 1000) : 0
  }
}

/** A chunk handler passing thought segments' text to `onThought`. */
function thoughtsTo(onThought: (text: string) => void): (chunk: LlamaChatResponseChunk) => void {
  return (chunk) => {
    if (chunk.type === 'segment' && chunk.segmentType === 'thought' && chunk.text)
      onThought(chunk.text)
  }
}

/** The thought segments of a whole response, joined. */
function thoughtsOf(full: readonly (string | LlamaChatResponseSegment)[]): string {
  let out = ''
  for (const part of full)
    if (typeof part !== 'string' && part.segmentType === 'thought') out += part.text
  return out
}

/** Token meter arithmetic with short names. */
const TokenMetered = {
  diff(
    after: { usedInputTokens: number; usedOutputTokens: number },
    before: { usedInputTokens: number; usedOutputTokens: number }
  ) {
    return {
      input: after.usedInputTokens - before.usedInputTokens,
      output: after.usedOutputTokens - before.usedOutputTokens
    }
  }
}
