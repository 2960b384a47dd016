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
  Token
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
  /** Whether its state is a routing decision's prompt: evicted only when no other slot can go. */
  router: boolean
  /** The prompt of its current (or last) request, known before its state holds it. */
  prompt: Token[]
}

/** What one completion produced and measured. */
export interface CompletionResult {
  text: string
  /** Thought segments node-llama-cpp separated from the answer (templates it knows). */
  thoughts: string
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

/** Tokens two prompts share from their start. */
function sharedPrefix(a: readonly Token[], b: readonly Token[]): number {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return i
}

/** A request waiting for a slot. */
interface Waiter {
  tokens: Token[]
  router: boolean
  resolve: (slot: Slot) => void
}

/**
 * The slots of one context. The router's prefix is pinned: with two slots or more, the slot of the
 * latest routing decision is kept for decisions. Other requests never take it (they wait for
 * another slot), and a decision whose prefix it holds waits for it when it is busy rather than
 * evaluating the whole prompt elsewhere (a decision takes milliseconds). One router per model is
 * pinned; the prefixes of other routers are kept by the LRU rule of {@link chooseSlot}.
 */
export class SlotPool {
  private slots: Slot[] = []
  private readonly waiters: Waiter[] = []
  private useCounter = 0

  add(sequence: LlamaContextSequence, chat: LlamaChat): void {
    this.slots.push({
      index: this.slots.length,
      sequence,
      chat,
      busy: false,
      lastUsed: 0,
      router: false,
      prompt: []
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
   * Takes a slot for a prompt; `router` marks a routing decision. Waits (first come, first served
   * among the requests that can use the freed slot) when no slot is available to it.
   */
  acquire(tokens: Token[], router: boolean): Promise<Slot> {
    // Waiters cannot use any slot free now (they are served as slots free up), so try first.
    const slot = this.tryTake(tokens, router)
    if (slot) return Promise.resolve(slot)
    return new Promise((resolve) => this.waiters.push({ tokens, router, resolve }))
  }

  /** The slot of the latest routing decision, when there are at least two slots. */
  private pinned(): Slot | undefined {
    if (this.slots.length < 2) return undefined
    let pin: Slot | undefined
    for (const s of this.slots) if (s.router && (!pin || s.lastUsed > pin.lastUsed)) pin = s
    return pin
  }

  private tryTake(tokens: Token[], router: boolean): Slot | undefined {
    const pin = this.pinned()
    const shares = (s: Slot): number => s.sequence.compareContextTokens(tokens).firstDifferentIndex
    // A busy pinned slot may not hold its prompt yet (a first decision still evaluating).
    if (
      router &&
      pin?.busy &&
      sharedPrefix(pin.prompt, tokens) >= Math.min(REUSE_MIN_TOKENS, tokens.length / 2)
    )
      return undefined
    const free = this.slots.filter((s) => !s.busy && (router || s !== pin))
    if (free.length === 0) return undefined
    const views = free.map((s) => ({
      shared: shares(s),
      size: s.sequence.nextTokenIndex,
      lastUsed: s.lastUsed,
      router: s.router
    }))
    const slot = free[chooseSlot(views, tokens.length)] as Slot
    slot.busy = true
    slot.router = router
    slot.lastUsed = ++this.useCounter
    slot.prompt = tokens
    return slot
  }

  release(slot: Slot): void {
    slot.busy = false
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i] as Waiter
      const taken = this.tryTake(w.tokens, w.router)
      if (!taken) continue
      this.waiters.splice(i, 1)
      w.resolve(taken)
      return
    }
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
    sampledTokens: completionTokens,
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
