/**
 * @module Splits a thinking model's `<think>…</think>` block from its answer, as text streams in:
 * the thoughts become `reasoning_content`, the rest `content`. node-llama-cpp already separates
 * thoughts for the chat templates it knows (Qwen3, DeepSeek-R1); this covers the others, whose
 * tags arrive in the answer's text. A tag may be split across chunks: the part of a chunk that
 * could start a tag is held until the next one. Only a block at the very start of the answer
 * counts (after whitespace): a `<think>` later in the text is content.
 */

const OPEN = '<think>'
const CLOSE = '</think>'

/** One piece of the answer, split. */
export interface ThinkPart {
  reasoning: string
  content: string
}

type State = 'start' | 'think' | 'after' | 'content'

/** The length of the longest end of `text` that is a beginning of `tag` (a tag cut in two). */
function partialTagAt(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--)
    if (tag.startsWith(text.slice(text.length - n))) return n
  return 0
}

export class ThinkSplitter {
  private state: State
  private held = ''

  /**
   * `open`: the prompt already opened the block (templates that end the prompt with `<think>`),
   * so the answer starts inside it and only `</think>` comes.
   */
  constructor(open = false) {
    this.state = open ? 'think' : 'start'
  }

  /** The part of `text` (with what was held) that can be told apart now. */
  push(text: string): ThinkPart {
    if (this.state === 'content') return { reasoning: '', content: text }
    const out: ThinkPart = { reasoning: '', content: '' }
    let rest = this.held + text
    this.held = ''
    for (;;) {
      if (this.state === 'start') {
        const lead = rest.trimStart()
        if (lead.startsWith(OPEN)) {
          this.state = 'think'
          rest = lead.slice(OPEN.length)
          continue
        }
        if (lead === '' || OPEN.startsWith(lead)) {
          this.held = rest // maybe the start of the tag: wait for more
          return out
        }
        this.state = 'content'
        out.content += rest
        return out
      }
      if (this.state === 'think') {
        const end = rest.indexOf(CLOSE)
        if (end >= 0) {
          out.reasoning += rest.slice(0, end)
          this.state = 'after'
          rest = rest.slice(end + CLOSE.length)
          continue
        }
        const keep = partialTagAt(rest, CLOSE)
        out.reasoning += rest.slice(0, rest.length - keep)
        this.held = rest.slice(rest.length - keep)
        return out
      }
      // 'after': the blank lines between the block and the answer are neither.
      const answer = rest.trimStart()
      if (answer !== '') {
        this.state = 'content'
        out.content += answer
      }
      return out
    }
  }

  /** What was held at the end of the answer (an unclosed block stays thinking). */
  end(): ThinkPart {
    const held = this.held
    this.held = ''
    if (this.state === 'think') return { reasoning: held, content: '' }
    if (this.state === 'start') return { reasoning: '', content: held }
    return { reasoning: '', content: '' }
  }
}

/** A whole answer split at once (answers that are not streamed). */
export function splitThinking(text: string, open = false): ThinkPart {
  const s = new ThinkSplitter(open)
  const a = s.push(text)
  const b = s.end()
  return { reasoning: a.reasoning + b.reasoning, content: a.content + b.content }
}

/** Whether a rendered prompt's end (its last few tokens as text) leaves a `<think>` block open. */
export function opensThinking(promptEnd: string): boolean {
  const at = promptEnd.lastIndexOf(OPEN)
  return (
    at >= 0 && promptEnd.indexOf(CLOSE, at) < 0 && promptEnd.slice(at + OPEN.length).trim() === ''
  )
}
