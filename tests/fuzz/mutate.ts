/**
 * Arbitraries that damage valid inputs, shared by the fuzz tests: text edits (deletions,
 * insertions of hostile characters, duplicated slices) and value edits (a type swapped, a key
 * deleted or added, a value buried under deep nesting).
 */
import fc from 'fast-check'

type Json = unknown
type Path = (string | number)[]

/** Characters and snippets that break parsers: BOMs, NULs, lone surrogates, YAML anchors… */
const HOSTILE = [
  '\uFEFF',
  '\u0000',
  '\ud800',
  '\u202e',
  '\r',
  '\n',
  '\t',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  ':',
  ',',
  '#',
  '//',
  '/*',
  '&a ',
  '*a',
  '- ',
  '? ',
  '!!binary ',
  '1e999',
  '-0',
  '123456789012345678901234567890',
  '__proto__',
  '\\u0000'
]

const insertion = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 })
)

type TextEdit =
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'duplicate'; at: number; length: number }

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.nat(40) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: insertion }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.nat(80) })
)

function applyTextEdit(text: string, edit: TextEdit): string {
  const at = edit.at % (text.length + 1)
  switch (edit.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + edit.length)
    case 'insert':
      return text.slice(0, at) + edit.text + text.slice(at)
    case 'duplicate':
      return text.slice(0, at + edit.length) + text.slice(at)
  }
}

/** `text` with one to five random edits. */
export function mutatedText(text: string): fc.Arbitrary<string> {
  return fc
    .array(textEdit, { minLength: 1, maxLength: 5 })
    .map((edits) => edits.reduce(applyTextEdit, text))
}

/** `value` wrapped in `depth` arrays or objects. */
export function nest(value: Json, depth: number, as: 'array' | 'object' = 'array'): Json {
  let out = value
  for (let i = 0; i < depth; i++) out = as === 'array' ? [out] : { a: out }
  return out
}

/** Odd values to put where a valid one was (nesting at most 60 levels deep). */
export const strangeValue: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    -0,
    0.1,
    '',
    ' ',
    '\u0000',
    '\uFEFF',
    '\ud83d\ude00'.repeat(50),
    'x'.repeat(10_000),
    '$',
    '${',
    true,
    null,
    [],
    {}
  ),
  nested(60)
)

/** A value buried under 1 to `maxDepth` arrays or objects. */
export function nested(maxDepth: number): fc.Arbitrary<Json> {
  return fc
    .tuple(fc.integer({ min: 1, max: maxDepth }), fc.boolean())
    .map(([depth, asArray]) => nest(1, depth, asArray ? 'array' : 'object'))
}

/** The paths in a JSON value (the root included), down to `maxDepth`: deep nests stay cheap. */
export function pathsOf(value: Json, maxDepth = 40): Path[] {
  const out: Path[] = []
  const stack: [Json, Path][] = [[value, []]]
  while (stack.length > 0) {
    const [v, path] = stack.pop() as [Json, Path]
    out.push(path)
    if (path.length >= maxDepth || !v || typeof v !== 'object') continue
    const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v)
    for (const [k, x] of entries) stack.push([x, [...path, k]])
  }
  return out
}

type ValueEdit =
  | { kind: 'replace'; pick: number; value: Json }
  | { kind: 'delete'; pick: number }
  | { kind: 'add-key'; pick: number; key: string; value: Json }

const valueEdit = (replacement: fc.Arbitrary<Json>): fc.Arbitrary<ValueEdit> =>
  fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: replacement }),
    fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
    fc.record({
      kind: fc.constant('add-key' as const),
      pick: fc.nat(),
      key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', ''), fc.string()),
      value: strangeValue
    })
  )

/** Sets an own property, even `__proto__` (plain assignment would change the prototype). */
function setOwn(target: Record<string | number, Json>, key: string | number, value: Json): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true
  })
}

function applyValueEdit(root: Json, edit: ValueEdit): Json {
  const paths = pathsOf(root)
  const path = paths[edit.pick % paths.length] ?? []
  const parentPath = path.slice(0, -1)
  const last = path.at(-1)
  let parent = root as Record<string | number, Json>
  for (const seg of parentPath) parent = parent[seg] as Record<string | number, Json>
  switch (edit.kind) {
    case 'replace':
      if (last === undefined) return edit.value
      setOwn(parent, last, edit.value)
      return root
    case 'delete':
      if (last === undefined) return root
      if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1)
      else delete parent[last]
      return root
    case 'add-key': {
      const target = last === undefined ? root : parent[last]
      if (target && typeof target === 'object' && !Array.isArray(target))
        setOwn(target as Record<string, Json>, edit.key, edit.value)
      return root
    }
  }
}

/**
 * `value` (not modified) with one to four random value edits; `replacement` is what a replaced
 * value becomes (default {@link strangeValue}).
 */
export function mutatedValue(value: Json, replacement = strangeValue): fc.Arbitrary<Json> {
  return fc
    .array(valueEdit(replacement), { minLength: 1, maxLength: 4 })
    .map((edits) => edits.reduce(applyValueEdit, structuredClone(value)))
}

const DEEP = '\u0000deep\u0000'

/**
 * `value` as JSON text with one of its values replaced by 1 to `maxDepth` nested arrays or
 * objects. Built as text, so the test itself never recurses that deep.
 */
export function buriedDeep(value: Json, maxDepth: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.nat(), fc.integer({ min: 1, max: maxDepth }), fc.boolean())
    .map(([pick, depth, asArray]) => {
      const marked = applyValueEdit(structuredClone(value), { kind: 'replace', pick, value: DEEP })
      const [open, close] = asArray ? ['[', ']'] : ['{"a":', '}']
      const deep = open.repeat(depth) + '1' + close.repeat(depth)
      return JSON.stringify(marked).replace(JSON.stringify(DEEP), deep)
    })
}
