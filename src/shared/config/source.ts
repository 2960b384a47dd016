/**
 * @module Parses composition text (JSON with comments and trailing commas, or YAML) into a value
 * plus a locator that maps a JSON path back to `line:column`, so every diagnostic can point at
 * the file. Pure: the editor in the renderer uses it as-is.
 */
import {
  type Node as JsonNode,
  type ParseError,
  parseTree,
  printParseErrorCode
} from 'jsonc-parser'
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node as YamlNode
} from 'yaml'

export type PathSegment = string | number
export type JsonPath = readonly PathSegment[]

/** 1-based line and column. */
export interface Position {
  line: number
  column: number
}

export type SourceFormat = 'json' | 'yaml'

export interface LocateOptions {
  key?: boolean
  inner?: number
}

/**
 * Moves past the opening quote of a string value, then `inner` characters of the decoded value
 * on: an escape such as `\"` or `\u00e9` in a double-quoted string counts as one character.
 */
function innerOffset(text: string, offset: number, inner: number | undefined): number {
  if (inner === undefined) return offset
  const quote = text[offset]
  if (quote !== '"' && quote !== "'") return offset + inner
  let i = offset + 1
  for (let n = 0; n < inner && i < text.length; n++) {
    if (quote === '"' && text[i] === '\\') i += text[i + 1] === 'u' ? 6 : 2
    else i++
  }
  return i
}

export interface SyntaxProblem extends Position {
  message: string
}

export interface ParsedSource {
  format: SourceFormat
  /** `undefined` when the text has syntax errors that leave nothing to check. */
  value: unknown
  syntaxErrors: SyntaxProblem[]
  /**
   * Where `path` is in the text. `key: true` points at the property name rather than its value.
   * `inner` is a character offset inside a string value (past its opening quote).
   * A path that does not exist resolves to its nearest existing ancestor.
   */
  locate(path: JsonPath, opts?: LocateOptions): Position
}

/** YAML for `.yaml`/`.yml`, JSON with comments otherwise. */
export function formatForFile(fileName: string): SourceFormat {
  return /\.ya?ml$/i.test(fileName) ? 'yaml' : 'json'
}

export function parseSource(text: string, format: SourceFormat): ParsedSource {
  return format === 'yaml' ? parseYaml(text) : parseJson(text)
}

/** Offsets → positions, by binary search over line starts. */
export function lineIndex(text: string): (offset: number) => Position {
  const starts = [0]
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1)
  return (offset) => {
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((starts[mid] ?? 0) <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 }
  }
}

function parseJson(text: string): ParsedSource {
  const errors: ParseError[] = []
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false })
  const toPos = lineIndex(text)
  const syntaxErrors = errors.map((e) => ({ ...toPos(e.offset), message: describeJsonError(e) }))
  const value = syntaxErrors.length === 0 && root ? jsonNodeValue(root) : undefined
  if (!root && syntaxErrors.length === 0 && text.trim() === '') {
    syntaxErrors.push({ line: 1, column: 1, message: 'the file is empty' })
  }
  return {
    format: 'json',
    value,
    syntaxErrors,
    locate(path, opts) {
      let node = root
      for (const seg of path) {
        const child = node && jsonChild(node, seg)
        if (!child) break
        node = child
      }
      if (!node) return { line: 1, column: 1 }
      const reachedAll = node === jsonAt(root, path)
      if (
        opts?.key &&
        reachedAll &&
        node.parent?.type === 'property' &&
        node.parent.children?.[0]
      ) {
        return toPos(node.parent.children[0].offset)
      }
      return toPos(reachedAll ? innerOffset(text, node.offset, opts?.inner) : node.offset)
    }
  }
}

function describeJsonError(e: ParseError): string {
  const names: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'invalid number',
    PropertyNameExpected: 'a property name in double quotes was expected',
    ValueExpected: 'a value was expected',
    ColonExpected: 'a colon was expected',
    CommaExpected: 'a comma was expected',
    CloseBraceExpected: 'a closing brace } was expected',
    CloseBracketExpected: 'a closing bracket ] was expected',
    EndOfFileExpected: 'unexpected text after the end of the document',
    InvalidCommentToken: 'invalid comment',
    UnexpectedEndOfComment: 'unterminated comment',
    UnexpectedEndOfString: 'unterminated string',
    UnexpectedEndOfNumber: 'unterminated number',
    InvalidUnicode: 'invalid unicode escape',
    InvalidEscapeCharacter: 'invalid escape character',
    InvalidCharacter: 'invalid character in string'
  }
  const code = printParseErrorCode(e.error)
  return `syntax error: ${names[code] ?? code}`
}

function jsonChild(node: JsonNode, seg: PathSegment): JsonNode | undefined {
  if (node.type === 'object' && typeof seg === 'string') {
    // The last occurrence wins, as in JSON.parse.
    const props = (node.children ?? []).filter((p) => p.children?.[0]?.value === seg)
    return props.at(-1)?.children?.[1]
  }
  if (node.type === 'array' && typeof seg === 'number') return node.children?.[seg]
  return undefined
}

function jsonAt(root: JsonNode | undefined, path: JsonPath): JsonNode | undefined {
  let node = root
  for (const seg of path) node = node && jsonChild(node, seg)
  return node
}

function jsonNodeValue(node: JsonNode): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? []
        if (k && v) out[String(k.value)] = jsonNodeValue(v)
      }
      return out
    }
    case 'array':
      return (node.children ?? []).map(jsonNodeValue)
    default:
      return node.value
  }
}

function parseYaml(text: string): ParsedSource {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const toPos = (offset: number): Position => {
    const p = lineCounter.linePos(offset)
    return { line: p.line, column: p.col }
  }
  const syntaxErrors = doc.errors.map((e) => ({
    ...toPos(e.pos[0]),
    message: `syntax error: ${e.message.split('\n')[0] ?? e.code}`
  }))
  const value = syntaxErrors.length === 0 ? (doc.toJS() as unknown) : undefined
  return {
    format: 'yaml',
    value,
    syntaxErrors,
    locate(path, opts) {
      let node: unknown = doc.contents
      let keyNode: unknown
      let lastGood: unknown = node
      let complete = true
      for (const seg of path) {
        keyNode = undefined
        if (isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === seg)
          if (!pair) {
            complete = false
            break
          }
          keyNode = pair.key
          node = pair.value
        } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
          node = node.items[seg]
        } else {
          complete = false
          break
        }
        if (node) lastGood = node
      }
      const useKey = opts?.key && complete && keyNode
      const target = (useKey ? keyNode : lastGood) as YamlNode | undefined
      if (!target?.range) return { line: 1, column: 1 }
      const inner = complete && !useKey ? opts?.inner : undefined
      return toPos(innerOffset(text, target.range[0], inner))
    }
  }
}
