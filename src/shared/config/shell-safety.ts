/**
 * @module Shell functions that would let a request or a model run code. A shell function is
 * spawned without a shell, so its arguments are never split, but the program that receives them
 * still interprets them: a variable spliced into a script (`sh -c`, `node -e`, `python -c`, …)
 * is code, and a variable standing as a whole argument before any `--` can be read as one of the
 * program's own options (`--help`, node's `--import=data:…`). A variable in `command` picks the
 * program. Each is a warning, an error under `--strict`.
 */
import type { Composition } from './schema'
import type { JsonPath } from './source'
import type { Reporter } from './reporter'
import { findVariables, HOOK_VARIABLES, type VariableUse } from './variables'

type ShellFunction = Extract<Composition['functions'][string], { type: 'shell' }>

/**
 * Variables whose value a client or a model chooses; the others are numbers, timestamps or node
 * names the composition's author wrote. Request-header variables (`UseHeaderKeys`) are added.
 */
const REQUEST_CONTROLLED = ['INPUT', 'OUTPUT', 'INITIAL_INPUT', 'CURRENT_INPUT', 'REQUEST_ID']

/** Where an interpreter's script is in its argument list. */
interface ScriptSpan {
  /** The flag that introduces the script, as written (`-c`, `--eval=…`, `eval`). */
  flag: string
  /** Indices of the arguments that make up the script: `[from, to)`. */
  from: number
  to: number
  /** Arguments after the script are handed to it, never read as the interpreter's options. */
  tailIsData: boolean
}

interface Interpreter {
  name: RegExp
  script(args: readonly string[]): ScriptSpan | undefined
}

const VERSIONED = '(?:\\d+(?:\\.\\d+)*)?'

/** The script is the argument after the first one that `isFlag` accepts, or inside it. */
function afterFlag(
  isFlag: (arg: string) => boolean,
  attached: RegExp | undefined,
  tailIsData: boolean
): (args: readonly string[]) => ScriptSpan | undefined {
  return (args) => {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] ?? ''
      if (arg === '--') return undefined
      if (attached?.test(arg)) return { flag: arg, from: i, to: i + 1, tailIsData }
      if (isFlag(arg))
        return { flag: arg, from: i + 1, to: Math.min(i + 2, args.length), tailIsData }
    }
    return undefined
  }
}

/** The script is every argument after the flag: cmd and PowerShell join them into one. */
function restAfterFlag(isFlag: (arg: string) => boolean) {
  return (args: readonly string[]): ScriptSpan | undefined => {
    const i = args.findIndex(isFlag)
    return i < 0
      ? undefined
      : { flag: args[i] ?? '', from: i + 1, to: args.length, tailIsData: false }
  }
}

const INTERPRETERS: Interpreter[] = [
  {
    // `-c`, also in a cluster (`-ec`, `-lc`); the arguments after the script become $0, $1, …
    name: /^(?:sh|bash|zsh|dash|ksh|mksh|ash|fish|csh|tcsh)$/,
    script: afterFlag((a) => /^-[A-Za-z]*c[A-Za-z]*$/.test(a), undefined, true)
  },
  { name: /^cmd$/, script: restAfterFlag((a) => /^\/[ck]$/i.test(a)) },
  {
    name: /^(?:powershell|pwsh)(?:-preview)?$/,
    script: restAfterFlag((a) => /^(?:--?|\/)(?:c|command)$/i.test(a))
  },
  {
    name: /^(?:node|nodejs|bun)$/,
    script: afterFlag(
      (a) => /^(?:-[ep]|-pe|-ep|--eval|--print)$/.test(a),
      /^--(?:eval|print)=/,
      false
    )
  },
  {
    name: /^deno$/,
    script: (args) => {
      if (args[0] !== 'eval') return undefined
      const i = args.findIndex((a, k) => k > 0 && !a.startsWith('-'))
      return i < 0 ? undefined : { flag: 'eval', from: i, to: i + 1, tailIsData: false }
    }
  },
  {
    // `-c` ends Python's options: what follows is sys.argv.
    name: new RegExp(`^(?:python|pypy|py)${VERSIONED}w?$`),
    script: afterFlag((a) => /^-[A-Za-z]*c$/.test(a), /^-c./, true)
  },
  {
    name: new RegExp(`^perl${VERSIONED}$`),
    script: afterFlag((a) => /^-[A-Za-z]*[eE]$/.test(a), /^-[eE]./, false)
  },
  {
    name: new RegExp(`^j?ruby${VERSIONED}$`),
    script: afterFlag((a) => /^-[A-Za-z]*e$/.test(a), /^-e./, false)
  },
  { name: new RegExp(`^php${VERSIONED}$`), script: afterFlag((a) => a === '-r', undefined, false) },
  {
    name: new RegExp(`^(?:lua|luajit|rscript|osascript)${VERSIONED}$`),
    script: afterFlag((a) => a === '-e', undefined, false)
  }
]

/** `/usr/bin/python3.12.exe` → `python3.12`. */
function programName(command: string): string {
  const base = command.split(/[\\/]/).at(-1) ?? command
  return base.toLowerCase().replace(/\.(?:exe|cmd|bat|com)$/, '')
}

/** Looks through `env [-i] [NAME=value…] program args…` to the program it runs. */
function unwrapEnv(command: string, args: readonly string[]): { program: string; offset: number } {
  if (programName(command) !== 'env') return { program: programName(command), offset: 0 }
  let i = 0
  while (i < args.length && /^(?:-i|-|--ignore-environment|--|[^=-][^=]*=.*)$/.test(args[i] ?? ''))
    i++
  const program = args[i]
  return program === undefined
    ? { program: 'env', offset: 0 }
    : { program: programName(program), offset: i + 1 }
}

/** Checks every shell function; `headerVars` are the composition's `UseHeaderKeys`. */
export function checkShellSafety(
  c: Composition,
  r: Reporter,
  opts: { headerVars: ReadonlySet<string>; strict: boolean }
): void {
  const all = new Set<string>([...HOOK_VARIABLES, ...opts.headerVars])
  const risky = new Set<string>([...REQUEST_CONTROLLED, ...opts.headerVars])
  const find = (text: string): VariableUse[] =>
    findVariables(text, (name) => all.has(name)).filter((v) => risky.has(v.name))
  const report = (code: string, path: JsonPath, message: string, inner: number): void =>
    r.report(opts.strict ? 'error' : 'warning', code, path, message, { inner })

  for (const [name, def] of Object.entries(c.functions)) {
    if (def.type !== 'shell') continue
    checkFunction(name, def, find, report)
  }
}

function checkFunction(
  name: string,
  def: ShellFunction,
  find: (text: string) => VariableUse[],
  report: (code: string, path: JsonPath, message: string, inner: number) => void
): void {
  const base: JsonPath = ['functions', name]
  const [picked] = find(def.command)
  if (picked) {
    report(
      'variable-command',
      [...base, 'command'],
      `function "${name}": ${picked.token} chooses the program to run, so a request can run any program with your rights; name the program in "command"`,
      picked.index
    )
  }
  const args = def.args ?? []
  const { program, offset } = unwrapEnv(def.command, args)
  const own = args.slice(offset)
  const span = INTERPRETERS.find((i) => i.name.test(program))?.script(own)
  const stdinHint = (v: VariableUse): string => `"stdin": "${v.token}"`

  own.forEach((arg, k) => {
    const i = k + offset
    const path: JsonPath = [...base, 'args', i]
    const uses = find(arg)
    const [first] = uses
    if (!first) return
    if (span && k >= span.from && k < span.to) {
      report(
        'variable-in-script',
        path,
        `function "${name}": ${first.token} is spliced into the script that ${program} runs (args[${i}], after ${span.flag}), so the value can inject code; pass it on stdin (${stdinHint(first)}) and read it there`,
        first.index
      )
      return
    }
    if (first.index !== 0) return
    if (own.slice(0, k).includes('--')) return
    if (span?.tailIsData && k >= span.to) return
    report(
      'variable-argument',
      path,
      `function "${name}": args[${i}] is ${first.token} with no "--" before it, so ${program} may read a value such as "--help" or "--import=…" as one of its own options; put "--" before it, write it as "--option=${first.token}", or pass it on stdin (${stdinHint(first)})`,
      first.index
    )
  })
}
