/**
 * @module The worker's parallel sequences ("slots"): which free slot a request takes so a router's
 * evaluated prefix survives, FIFO waiting when all are busy, and one generation on a slot with the
 * token counts that prove prefix reuse.
 */
import type {
  ChatHistoryItem,
  LlamaChat,
  LlamaContextSequence,
  LlamaGrammar,
  Token
} from 'node-llama-cpp'
import type { CompletionBody } from './grammars'
import { DEFAULT_TEMPERATURE } from './worker-checks'

/** One parallel sequence with its chat, reused from request to request. */
export interface Slot {
  index: number
  sequence: LlamaContextSequence
  chat: LlamaChat
  busy: boolean
  /** Order of last use (a counter), for least-recently-used eviction. */
  lastUsed: number
  /** Whether its state is a routing decision's prompt: evicted only when no other slot can go. */
  router: boolean
}

/** What one completion produced and measured. */
export interface CompletionResult {
  text: string
  finishReason: 'stop' | 'length'
  promptTokens: number
  /** Prompt tokens decoded (the rest were reused from the slot's state). */
  evaluatedTokens: number
  /** Tokens of the answer. */
  completionTokens: number
  /** Of which sampled (a routing decision completes a name without sampling). */
  sampledTokens: number
  tokensPerSecond: number
}

/**
 * A shared prefix at least this long (or covering half the prompt) is worth keeping: shorter ones
 * are only the chat template's opening and a few common words.
 */
export const REUSE_MIN_TOKENS = 24

/** What the slot choice needs to know of one free slot. */
export interface SlotView {
  /** Tokens its state shares with the new prompt. */
  shared: number
  /** Tokens in its state. */
  size: number
  lastUsed: number
  router: boolean
}

/**
 * Picks the slot for a prompt of `promptLength` tokens among free slots:
 * 1. the longest shared prefix, when it is a real reuse (at least {@link REUSE_MIN_TOKENS} or
 *    half the prompt), whatever the length of the rest;
 * 2. otherwise an eviction: an empty slot, else the least recently used slot that does not hold a
 *    router's prompt, else the least recently used router slot. Answers between decisions are
 *    always more recent than the decision, so plain LRU would evict the router; this keeps it.
 * Returns the index in `free`.
 */
export function chooseSlot(free: readonly SlotView[], promptLength: number): number {
  let best = -1
  for (let i = 0; i < free.length; i++) {
    const s = free[i] as SlotView
    if (best < 0 || s.shared > (free[best] as SlotView).shared) best = i
  }
  const top = free[best]
  if (top && top.shared > 0 && top.shared >= Math.min(REUSE_MIN_TOKENS, promptLength / 2))
    return best
  let pick = 0
  const rank = (s: SlotView): number => (s.size === 0 ? 0 : s.router ? 2 : 1)
  for (let i = 1; i < free.length; i++) {
    const a = free[pick] as SlotView
    const b = free[i] as SlotView
    if (rank(b) < rank(a) || (rank(b) === rank(a) && b.lastUsed < a.lastUsed)) pick = i
  }
  return pick
}

export class SlotPool {
  private slots: Slot[] = []
  private readonly waiters: { router: boolean; resolve: (s: Slot) => void }[] = []
  private useCounter = 0

  add(sequence: LlamaContextSequence, chat: LlamaChat): void {
    this.slots.push({
      index: this.slots.length,
      sequence,
      chat,
      busy: false,
      lastUsed: 0,
      router: false
    })
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
   * Takes a free slot for a prompt (see {@link chooseSlot}); `router` marks a routing decision,
   * whose slot is kept from eviction. Waits (FIFO) when every slot is busy.
   */
  acquire(tokens: Token[], router: boolean): Promise<Slot> {
    const free = this.slots.filter((s) => !s.busy)
    if (free.length === 0) {
      return new Promise((resolve) => this.waiters.push({ router, resolve }))
    }
    const views = free.map((s) => ({
      shared: s.sequence.compareContextTokens(tokens).firstDifferentIndex,
      size: s.sequence.nextTokenIndex,
      lastUsed: s.lastUsed,
      router: s.router
    }))
    return Promise.resolve(this.take(free[chooseSlot(views, tokens.length)] as Slot, router))
  }

  private take(slot: Slot, router: boolean): Slot {
    slot.busy = true
    slot.router = router
    slot.lastUsed = ++this.useCounter
    return slot
  }

  release(slot: Slot): void {
    const next = this.waiters.shift()
    if (next) next.resolve(this.take(slot, next.router))
    else slot.busy = false
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
  onText: ((text: string) => void) | undefined
): Promise<CompletionResult> {
  const meter = slot.sequence.tokenMeter
  const before = meter.getState()
  let firstTokenAt: number | undefined
  const stops =
    body.stop === undefined || body.stop === null
      ? []
      : (Array.isArray(body.stop) ? body.stop : [body.stop]).filter((s) => s.length > 0)
  const penalty = (v: unknown): number | undefined =>
    typeof v === 'number' && v !== 0 ? v : undefined
  const presence = penalty(body.presence_penalty)
  const frequency = penalty(body.frequency_penalty)
  const options = {
    maxTokens,
    temperature: body.temperature ?? DEFAULT_TEMPERATURE,
    topP: body.top_p ?? undefined,
    seed: body.seed ?? undefined,
    signal,
    stopOnAbortSignal: true,
    customStopTriggers: stops.length ? stops : undefined,
    repeatPenalty:
      presence !== undefined || frequency !== undefined
        ? { presencePenalty: presence, frequencyPenalty: frequency }
        : undefined,
    onToken: () => {
      firstTokenAt ??= performance.now()
    },
    onTextChunk: onText
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
    finishReason: response.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
    promptTokens: promptTokens.length,
    evaluatedTokens,
    completionTokens,
    sampledTokens: completionTokens,
    tokensPerSecond: completionTokens > 1 && genMs > 0 ? (completionTokens - 1) / (genMs / 1000) : 0
  }
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
