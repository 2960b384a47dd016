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
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node as YamlNode
} from 'yaml'

/**
 * How deeply objects and arrays may nest. Real compositions stay under ten levels; the limit is
 * far above that and far below what recursive code (parsers, schema checks) can survive.
 */
export const MAX_NESTING = 100
/** YAML aliases a document may expand (an "alias bomb" expands exponentially). */
export const MAX_YAML_ALIASES = 100

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

/**
 * The offset of the first `{` or `[` that opens a level deeper than `limit`, outside strings and
 * comments; scanned without recursion, before any parser can overflow its stack.
 */
export function tooDeepOffset(text: string, limit = MAX_NESTING): number | undefined {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 34 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) {
        if (text.charCodeAt(i) === 92 /* \ */) i++
        else if (text.charCodeAt(i) === 10) break
      }
    } else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      const end = text.indexOf('\n', i)
      i = end < 0 ? text.length : end
    } else if (c === 47 && text.charCodeAt(i + 1) === 42 /* * */) {
      const end = text.indexOf('*/', i + 2)
      i = end < 0 ? text.length : end + 1
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return i
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth = Math.max(0, depth - 1)
    }
  }
  return undefined
}

function tooDeepMessage(): string {
  return `nested deeper than ${MAX_NESTING} levels (objects and arrays inside each other)`
}

/** A source with errors only: nothing to check, nothing to locate. */
function failedSource(format: SourceFormat, syntaxErrors: SyntaxProblem[]): ParsedSource {
  return { format, value: undefined, syntaxErrors, locate: () => ({ line: 1, column: 1 }) }
}

function parseJson(text: string): ParsedSource {
  const deep = tooDeepOffset(text)
  if (deep !== undefined) {
    return failedSource('json', [{ ...lineIndex(text)(deep), message: tooDeepMessage() }])
  }
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
    // The parser catches its own stack overflow on absurd nesting; say what it means.
    message: /call stack/i.test(e.message)
      ? tooDeepMessage()
      : `syntax error: ${e.message.split('\n')[0] ?? e.code}`
  }))
  const limits = syntaxErrors.length === 0 ? yamlLimits(doc.contents) : undefined
  if (limits) syntaxErrors.push({ ...toPos(limits.offset), message: limits.message })
  let value: unknown
  if (syntaxErrors.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown
    } catch (err) {
      // Aliases that expand beyond the limit; point at the first alias.
      const at = firstYamlAlias(doc.contents) ?? 0
      syntaxErrors.push({ ...toPos(at), message: aliasMessage(err) })
    }
  }
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

function aliasMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err)
  return /alias/i.test(text)
    ? `aliases expand too much (more than ${MAX_YAML_ALIASES}): a YAML "billion laughs" document?`
    : `the document cannot be read: ${text}`
}

/** Every node of a YAML tree with its depth, without recursion (the tree may be deep). */
function* walkYaml(root: unknown): Generator<{ node: YamlNode; depth: number }> {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }]
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number }
    if (!node || typeof node !== 'object') continue
    if (isPair(node)) {
      stack.push({ node: node.value, depth }, { node: node.key, depth })
      continue
    }
    yield { node: node as YamlNode, depth }
    if (isCollection(node)) {
      for (let i = node.items.length - 1; i >= 0; i--)
        stack.push({ node: node.items[i], depth: depth + 1 })
    }
  }
}

/** The first collection nested deeper than {@link MAX_NESTING}, in document order. */
function yamlLimits(root: unknown): { offset: number; message: string } | undefined {
  for (const { node, depth } of walkYaml(root)) {
    if (depth >= MAX_NESTING && isCollection(node)) {
      return { offset: node.range?.[0] ?? 0, message: tooDeepMessage() }
    }
  }
  return undefined
}

function firstYamlAlias(root: unknown): number | undefined {
  for (const { node } of walkYaml(root)) if (isAlias(node)) return node.range?.[0]
  return undefined
}
