/**
 * @module A routing decision on a slot in a few sampled tokens. The model's answer is constrained
 * to the candidate names themselves (no JSON wrapper is sampled): text that every remaining
 * candidate shares is appended without sampling, one token is sampled at each point where the
 * candidates part (a GBNF alternation of what may follow), and as soon as the text names one
 * candidate only, the rest of the name is completed without sampling. So a decision samples at
 * most one token per branching of the candidates' names, never the wrapper, never whitespace.
 */
import { LlamaGrammarEvaluationState, type LlamaModel, type Token } from 'node-llama-cpp'
import { alternationGbnf, type Choice, type GrammarCache } from './grammars'
import type { CompletionResult, Slot } from './slots'

/** More sampled tokens than this means the grammar did not hold: stop with an error, not a loop. */
const MAX_SAMPLED = 64

/** Longest common prefix of strings. */
export function commonPrefix(texts: readonly string[]): string {
  const [first, ...rest] = texts
  if (first === undefined) return ''
  let n = first.length
  for (const t of rest) {
    let i = 0
    while (i < n && i < t.length && t[i] === first[i]) i++
    n = i
  }
  return first.slice(0, n)
}

/**
 * Runs a decision on `slot` for `promptTokens` (the rendered prompt, ending with the model's turn
 * opening). Reuses the slot's state up to the first different token. Returns the answer as the
 * compact JSON the schema asks for, `{"route":"name"}`.
 */
export async function decide(
  slot: Slot,
  model: LlamaModel,
  grammars: GrammarCache,
  promptTokens: Token[],
  choice: Choice,
  sampling: { temperature: number; seed?: number; signal: AbortSignal }
): Promise<CompletionResult> {
  const started = performance.now()
  const sequence = slot.sequence
  // Keep the shared prefix, but re-evaluate at least the prompt's last token: its logits choose.
  const keep = Math.min(
    sequence.compareContextTokens(promptTokens).firstDifferentIndex,
    promptTokens.length - 1
  )
  if (sequence.nextTokenIndex > keep)
    await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }])
  let pending = promptTokens.slice(keep)
  const evaluatedPrompt = pending.length
  const answer: Token[] = []
  let text = ''
  let sampled = 0
  let name: string | undefined
  for (;;) {
    const remaining = choice.options.filter((o) => o.startsWith(text))
    if (remaining.length === 1) {
      name = remaining[0]
      break
    }
    if (remaining.length === 0 || sampled >= MAX_SAMPLED)
      throw new Error(
        `the routing grammar produced ${JSON.stringify(text)}, which names no candidate`
      )
    const suffixes = remaining.map((o) => o.slice(text.length))
    const shared = commonPrefix(suffixes)
    if (shared) {
      // Every remaining name goes on with this text: no choice to make, so nothing to sample.
      const forced = model.tokenize(shared, false, 'trimLeadingSpace')
      pending = [...pending, ...forced]
      answer.push(...forced)
      text = model.detokenize(answer)
      continue
    }
    sampling.signal.throwIfAborted()
    const grammar = await grammars.gbnf(alternationGbnf(suffixes))
    const iterator = sequence.evaluate(pending, {
      temperature: sampling.temperature,
      seed: sampling.seed,
      grammarEvaluationState: new LlamaGrammarEvaluationState({ model, grammar }),
      yieldEogToken: true
    })
    const next = await iterator.next()
    await iterator.return()
    sampled++
    if (next.done) throw new Error('the model stopped before naming a candidate')
    const token = next.value
    if (model.isEogToken(token)) {
      // The grammar allows the end only where the text is a whole name.
      name = choice.options.find((o) => o === text)
      break
    }
    answer.push(token)
    pending = [token]
    text = model.detokenize(answer)
  }
  if (name === undefined)
    throw new Error(
      `the routing grammar produced ${JSON.stringify(text)}, which names no candidate`
    )
  const ms = performance.now() - started
  const completionTokens = model.tokenize(name, false, 'trimLeadingSpace').length
  return {
    text: JSON.stringify({ [choice.property]: name }),
    thoughts: '',
    finishReason: 'stop',
    promptTokens: promptTokens.length,
    evaluatedTokens: evaluatedPrompt,
    completionTokens,
    sampledTokens: sampled,
    tokensPerSecond: ms > 0 ? (sampled / ms) * 1000 : 0
  }
}
