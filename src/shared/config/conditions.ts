/**
 * @module The one condition language for node `if` and hook `if`.
 *
 * Grammar (our `&&`, `||`, `!` and parentheses extend the Rust llmnet):
 *   expr    := or
 *   or      := and ('||' and)*
 *   and     := unary ('&&' unary)*
 *   unary   := '!' unary | '(' expr ')' | compare
 *   compare := operand (('=='|'!='|'>='|'<='|'>'|'<') operand)?
 *   operand := $VAR | ${VAR} | number | "string" | 'string' | bare-word | true | false
 *
 * Evaluation is typed and never silently true: a comparison with a missing variable, or an
 * ordering between a number and a non-numeric string, is false.
 */

export type ConditionValue = string | number | boolean | null | undefined | object
export type Variables = Readonly<Record<string, ConditionValue>>

type Literal = string | number | boolean
type Operand = { kind: 'var'; name: string; column: number } | { kind: 'lit'; value: Literal }
type CompareOp = '==' | '!=' | '>=' | '<=' | '>' | '<'

export type ConditionExpr =
  | { kind: 'or' | 'and'; left: ConditionExpr; right: ConditionExpr }
  | { kind: 'not'; expr: ConditionExpr }
  | { kind: 'exists'; operand: Operand & { kind: 'var' } }
  | { kind: 'bool'; value: boolean }
  | { kind: 'compare'; op: CompareOp; left: Operand; right: Operand }

export interface ConditionError {
  message: string
  /** 1-based column within the condition text. */
  column: number
}

export interface CompiledCondition {
  source: string
  expr: ConditionExpr
  /** The variables the condition reads, with their 1-based columns. */
  variables: { name: string; column: number }[]
}

export type CompileResult =
  ({ ok: true } & CompiledCondition) | { ok: false; error: ConditionError }

type Token =
  | { t: 'var'; name: string; col: number }
  | { t: 'num'; value: number; col: number }
  | { t: 'str'; value: string; col: number }
  | { t: 'word'; value: string; col: number }
  | { t: 'op'; value: CompareOp | '&&' | '||' | '!' | '(' | ')'; col: number }
  | { t: 'end'; col: number }

class ParseFailure extends Error {
  constructor(
    message: string,
    readonly column: number
  ) {
    super(message)
  }
}

const VAR_RE = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*/
const NUM_RE = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/
const WORD_RE = /^[A-Za-z_][A-Za-z0-9_.:/-]*/
const OPS = ['==', '!=', '>=', '<=', '&&', '||', '>', '<', '!', '(', ')'] as const

function tokenize(src: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < src.length) {
    const ch = src[i] ?? ''
    const col = i + 1
    if (/\s/.test(ch)) {
      i++
      continue
    }
    if (ch === '$') {
      const braced = src[i + 1] === '{'
      const rest = src.slice(i + (braced ? 2 : 1))
      const m = VAR_RE.exec(rest)
      if (!m) throw new ParseFailure('expected a variable name after "$"', col)
      let len = (braced ? 2 : 1) + m[0].length
      if (braced) {
        if (src[i + len] !== '}') throw new ParseFailure('missing "}" after the variable name', col)
        len++
      }
      out.push({ t: 'var', name: m[0], col })
      i += len
      continue
    }
    if (ch === '"' || ch === "'") {
      let j = i + 1
      let value = ''
      while (j < src.length && src[j] !== ch) {
        if (src[j] === '\\' && j + 1 < src.length) j++
        value += src[j]
        j++
      }
      if (j >= src.length) throw new ParseFailure('unterminated string', col)
      out.push({ t: 'str', value, col })
      i = j + 1
      continue
    }
    const op = OPS.find((o) => src.startsWith(o, i))
    if (op) {
      out.push({ t: 'op', value: op, col })
      i += op.length
      continue
    }
    if (ch === '=') throw new ParseFailure('use "==" to compare', col)
    if (ch === '&' || ch === '|') throw new ParseFailure(`use "${ch}${ch}"`, col)
    const num = NUM_RE.exec(src.slice(i))
    if (num && !/[A-Za-z_]/.test(src[i + num[0].length] ?? '')) {
      out.push({ t: 'num', value: Number(num[0]), col })
      i += num[0].length
      continue
    }
    const word = WORD_RE.exec(src.slice(i))
    if (word) {
      out.push({ t: 'word', value: word[0], col })
      i += word[0].length
      continue
    }
    throw new ParseFailure(`unexpected character "${ch}"`, col)
  }
  out.push({ t: 'end', col: src.length + 1 })
  return out
}

const COMPARE_OPS: readonly string[] = ['==', '!=', '>=', '<=', '>', '<']

/** Parentheses and `!` nest by recursion: past this depth a condition is refused, not a stack overflow. */
export const MAX_CONDITION_NESTING = 64

class Parser {
  private pos = 0
  private depth = 0
  readonly variables: { name: string; column: number }[] = []
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] ?? { t: 'end', col: 0 }
  }
  private next(): Token {
    const tok = this.peek()
    this.pos++
    return tok
  }
  private isOp(value: string): boolean {
    const tok = this.peek()
    return tok.t === 'op' && tok.value === value
  }

  parse(): ConditionExpr {
    const first = this.peek()
    if (first.t === 'end') throw new ParseFailure('the condition is empty', 1)
    const expr = this.or()
    const tok = this.peek()
    if (tok.t !== 'end') throw new ParseFailure(`unexpected ${describe(tok)}`, tok.col)
    return expr
  }
  private or(): ConditionExpr {
    let left = this.and()
    while (this.isOp('||')) {
      this.next()
      left = { kind: 'or', left, right: this.and() }
    }
    return left
  }
  private and(): ConditionExpr {
    let left = this.unary()
    while (this.isOp('&&')) {
      this.next()
      left = { kind: 'and', left, right: this.unary() }
    }
    return left
  }
  private unary(): ConditionExpr {
    if (!this.isOp('!') && !this.isOp('(')) return this.compare()
    const tok = this.next()
    if (++this.depth > MAX_CONDITION_NESTING) {
      throw new ParseFailure(
        `the condition is nested too deeply (more than ${MAX_CONDITION_NESTING} levels of "(" and "!")`,
        tok.col
      )
    }
    let expr: ConditionExpr
    if (tok.t === 'op' && tok.value === '!') {
      expr = { kind: 'not', expr: this.unary() }
    } else {
      expr = this.or()
      if (!this.isOp(')')) throw new ParseFailure('missing ")"', this.peek().col || tok.col)
      this.next()
    }
    this.depth--
    return expr
  }
  private compare(): ConditionExpr {
    const left = this.operand()
    const tok = this.peek()
    if (tok.t === 'op' && COMPARE_OPS.includes(tok.value)) {
      this.next()
      const right = this.operand()
      return { kind: 'compare', op: tok.value as CompareOp, left, right }
    }
    if (left.kind === 'var') return { kind: 'exists', operand: left }
    if (typeof left.value === 'boolean') return { kind: 'bool', value: left.value }
    throw new ParseFailure(
      `expected a comparison operator after the value, found ${describe(tok)}`,
      tok.col
    )
  }
  private operand(): Operand {
    const tok = this.next()
    switch (tok.t) {
      case 'var':
        this.variables.push({ name: tok.name, column: tok.col })
        return { kind: 'var', name: tok.name, column: tok.col }
      case 'num':
      case 'str':
        return { kind: 'lit', value: tok.value }
      case 'word':
        if (tok.value === 'true' || tok.value === 'false') {
          return { kind: 'lit', value: tok.value === 'true' }
        }
        return { kind: 'lit', value: tok.value }
      default:
        throw new ParseFailure(`expected a $VARIABLE or a value, found ${describe(tok)}`, tok.col)
    }
  }
}

function describe(tok: Token): string {
  switch (tok.t) {
    case 'end':
      return 'the end of the condition'
    case 'op':
      return `"${tok.value}"`
    case 'var':
      return `$${tok.name}`
    case 'num':
      return String(tok.value)
    default:
      return `"${tok.value}"`
  }
}

/** Parses a condition; errors carry the 1-based column. */
export function compileCondition(source: string): CompileResult {
  try {
    const parser = new Parser(tokenize(source))
    const expr = parser.parse()
    return { ok: true, source, expr, variables: parser.variables }
  } catch (err) {
    if (err instanceof ParseFailure)
      return { ok: false, error: { message: err.message, column: err.column } }
    throw err
  }
}

/** Looks up `NAME` or a dotted `NAME.a.b` that walks into an object value. */
export function lookupVariable(vars: Variables, name: string): ConditionValue {
  if (Object.hasOwn(vars, name)) return vars[name]
  const parts = name.split('.')
  let value: ConditionValue = Object.hasOwn(vars, parts[0] ?? '') ? vars[parts[0] ?? ''] : undefined
  for (const part of parts.slice(1)) {
    // Own properties only: `$RESULT.constructor` must not read the prototype.
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined
    value = (value as Record<string, ConditionValue>)[part]
  }
  return value
}

function truthy(value: ConditionValue): boolean {
  if (value === undefined || value === null || value === false || value === '') return false
  if (Array.isArray(value)) return value.length > 0
  if (typeof value === 'object') return Object.keys(value).length > 0
  return true
}

function asNumber(value: ConditionValue): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value)
    return Number.isFinite(n) ? n : undefined
  }
  return undefined
}

function resolve(operand: Operand, vars: Variables): ConditionValue {
  return operand.kind === 'var' ? lookupVariable(vars, operand.name) : operand.value
}

function compareValues(op: CompareOp, a: ConditionValue, b: ConditionValue): boolean {
  if (a === undefined || b === undefined || a === null || b === null) return false
  const numeric = typeof a === 'number' || typeof b === 'number'
  if (numeric) {
    const x = asNumber(a)
    const y = asNumber(b)
    if (x === undefined || y === undefined) return false
    return applyOp(op, x, y)
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    if (op !== '==' && op !== '!=') return false
    return applyOp(op, String(a), String(b))
  }
  if (typeof a === 'object' || typeof b === 'object') {
    if (op !== '==' && op !== '!=') return false
    const x = serialize(a)
    const y = serialize(b)
    // A value JSON cannot hold (a BigInt, a cycle) is not comparable: false, never a throw.
    if (x === undefined || y === undefined) return false
    return applyOp(op, x, y)
  }
  return applyOp(op, a, b)
}

function serialize(value: ConditionValue): string | undefined {
  try {
    return JSON.stringify(value)
  } catch {
    return undefined
  }
}

function applyOp<T extends number | string>(op: CompareOp, x: T, y: T): boolean {
  switch (op) {
    case '==':
      return x === y
    case '!=':
      return x !== y
    case '>':
      return x > y
    case '>=':
      return x >= y
    case '<':
      return x < y
    case '<=':
      return x <= y
  }
}

/**
 * `a && b && c…` nests on the left, one level per operand: walk that spine in a loop, so a long
 * chain costs no stack (only "(" and "!" recurse, and the parser bounds those).
 */
function evaluateChain(expr: ConditionExpr & { kind: 'or' | 'and' }, vars: Variables): boolean {
  const operands: ConditionExpr[] = []
  let e: ConditionExpr = expr
  while (e.kind === expr.kind) {
    operands.push(e.right)
    e = e.left
  }
  operands.push(e)
  for (let i = operands.length - 1; i >= 0; i--) {
    const value = evaluateExpr(operands[i] as ConditionExpr, vars)
    if (value === (expr.kind === 'or')) return value
  }
  return expr.kind === 'and'
}

function evaluateExpr(expr: ConditionExpr, vars: Variables): boolean {
  switch (expr.kind) {
    case 'or':
    case 'and':
      return evaluateChain(expr, vars)
    case 'not':
      return !evaluateExpr(expr.expr, vars)
    case 'bool':
      return expr.value
    case 'exists':
      return truthy(lookupVariable(vars, expr.operand.name))
    case 'compare':
      return compareValues(expr.op, resolve(expr.left, vars), resolve(expr.right, vars))
  }
}

/** Evaluates a compiled condition. */
export function evaluateCondition(cond: CompiledCondition, vars: Variables): boolean {
  return evaluateExpr(cond.expr, vars)
}

const cache = new Map<string, CompileResult>()

/**
 * Compiles (memoised) and evaluates. A condition that does not parse is false; the validator
 * reports it with its column before a pipeline ever runs.
 */
export function conditionHolds(source: string, vars: Variables): boolean {
  let compiled = cache.get(source)
  if (!compiled) {
    compiled = compileCondition(source)
    if (cache.size > 1000) cache.clear()
    cache.set(source, compiled)
  }
  return compiled.ok ? evaluateExpr(compiled.expr, vars) : false
}
