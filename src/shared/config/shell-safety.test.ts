/**
 * Tests of the shell-function rules: a request-controlled variable spliced into an interpreter's
 * script, standing as a whole argument before any `--`, or choosing the command. Positions are
 * computed from the test text itself, independently of the validator's locator.
 */
import { describe, expect, it } from 'vitest'
import type { Diagnostic } from './diagnostics'
import { validateText } from './validate'

interface Shell {
  command: string
  args?: string[]
  stdin?: string | boolean
}

/** A 1-0-1 composition whose post hook calls `fn`, as pretty JSON (one argument per line). */
function composition(fn: Shell, extra: { headerKeys?: string[]; secrets?: unknown } = {}): string {
  return JSON.stringify(
    {
      models: { m: { type: 'external', url: 'http://localhost:8000' } },
      ...(extra.secrets ? { secrets: extra.secrets } : {}),
      architecture: [
        {
          name: 'chat',
          layer: 0,
          model: 'm',
          adapter: 'openai-api',
          'output-to': ['output'],
          hooks: { post: [{ function: 'fn', mode: 'transform' }] },
          ...(extra.headerKeys ? { 'extra-options': { UseHeaderKeys: extra.headerKeys } } : {})
        },
        { name: 'output', adapter: 'output' }
      ],
      functions: { fn: { type: 'shell', ...fn } }
    },
    null,
    2
  )
}

/** The shell-safety diagnostics of a composition with this one function. */
function check(fn: Shell, opts: Parameters<typeof composition>[1] & { strict?: boolean } = {}) {
  const text = composition(fn, opts)
  const result = validateText(text, { strict: opts.strict ?? false })
  const found = result.diagnostics.filter((d) => d.code.startsWith('variable-'))
  const others = result.diagnostics.filter((d) => !d.code.startsWith('variable-'))
  expect(others, 'the fixture has no other problem').toEqual([])
  return { text, result, found }
}

/** 1-based position of the `occurrence`-th `needle` in `text`; throws when it is missing. */
function pos(text: string, needle: string, occurrence = 1): { line: number; column: number } {
  let idx = -1
  for (let k = 0; k < occurrence; k++) {
    idx = text.indexOf(needle, idx + 1)
    if (idx < 0) throw new Error(`test bug: ${JSON.stringify(needle)} not found`)
  }
  const before = text.slice(0, idx)
  return { line: before.split('\n').length, column: idx - before.lastIndexOf('\n') }
}

const summary = (d: Diagnostic) => ({
  code: d.code,
  severity: d.severity,
  path: d.path.join('.'),
  line: d.line,
  column: d.column
})

describe('a variable spliced into an interpreter script', () => {
  // [command, args, index of the argument holding the script, the variable as written]
  const forms: [string, string[], number, string][] = [
    ['sh', ['-c', 'echo $INPUT'], 1, '$INPUT'],
    ['bash', ['-ec', 'printf %s "${OUTPUT}"'], 1, '${OUTPUT}'],
    ['zsh', ['-c', 'print -- $OUTPUT'], 1, '$OUTPUT'],
    ['/bin/dash', ['-c', 'echo $INPUT'], 1, '$INPUT'],
    ['cmd', ['/c', 'echo', '$INPUT'], 2, '$INPUT'],
    ['C:\\Windows\\System32\\cmd.exe', ['/C', 'echo %X% $OUTPUT'], 1, '$OUTPUT'],
    ['powershell', ['-NoProfile', '-Command', 'Write-Output', '$INPUT'], 3, '$INPUT'],
    ['pwsh', ['-c', 'Write-Output "$OUTPUT"'], 1, '$OUTPUT'],
    ['node', ['-e', 'console.log("$OUTPUT")'], 1, '$OUTPUT'],
    ['/usr/local/bin/node', ['--eval', 'console.log(`$INPUT`)'], 1, '$INPUT'],
    ['node', ['-p', '"$INPUT".length'], 1, '$INPUT'],
    ['node', ['--eval=console.log("$INPUT")'], 0, '$INPUT'],
    ['bun', ['-e', 'console.log("$INPUT")'], 1, '$INPUT'],
    ['deno', ['eval', 'console.log("$INPUT")'], 1, '$INPUT'],
    ['python3', ['-c', 'print("$INPUT")'], 1, '$INPUT'],
    ['python3.12', ['-Ic', 'print("$OUTPUT")'], 1, '$OUTPUT'],
    ['python.exe', ['-c', "print('$INPUT')"], 1, '$INPUT'],
    ['perl', ['-ne', 'print "$INPUT"'], 1, '$INPUT'],
    ['perl', ['-e', 'print "$INPUT"'], 1, '$INPUT'],
    ['ruby', ['-e', 'puts "$OUTPUT"'], 1, '$OUTPUT'],
    ['php', ['-r', 'echo "$INPUT";'], 1, '$INPUT'],
    ['lua', ['-e', 'print("$INPUT")'], 1, '$INPUT'],
    ['env', ['LANG=C', 'python3', '-c', 'print("$INPUT")'], 3, '$INPUT'],
    ['/usr/bin/env', ['-i', 'node', '-e', 'x("$REQUEST_ID")'], 3, '$REQUEST_ID']
  ]

  it.each(forms)(
    '%s %j is reported at the variable (fails if this interpreter form is missed)',
    (command, args, index, token) => {
      const { text, found } = check({ command, args })
      expect(found.map(summary)).toEqual([
        {
          code: 'variable-in-script',
          severity: 'warning',
          path: `functions.fn.args.${index}`,
          ...pos(text, token)
        }
      ])
      const message = found[0]?.message ?? ''
      expect(message).toContain('function "fn"')
      expect(message).toContain(`args[${index}]`)
      expect(message).toContain(token)
      expect(message).toContain(`"stdin": "${token}"`)
    }
  )

  it('the script without a request variable, and the value on stdin, are fine (catches false alarms on the safe form)', () => {
    expect(
      check({
        command: 'node',
        args: ['-e', 'process.stdin.pipe(process.stdout)'],
        stdin: '$OUTPUT'
      }).found
    ).toEqual([])
    // Author-controlled or numeric variables, unknown names (left as written) and secrets are not data from a request.
    expect(
      check(
        {
          command: 'sh',
          args: ['-c', 'echo $NODE $WORD_COUNT $INPUT_LENGTH $HOME $secrets.k.TOKEN']
        },
        { secrets: { k: { source: 'env', variable: 'TOKEN' } } }
      ).found
    ).toEqual([])
  })

  it('a name that only starts with a variable counts, as substitution reads it (catches a stricter definition than the runtime)', () => {
    const { text, found } = check({ command: 'sh', args: ['-c', 'echo $INPUT_TEXT'] })
    expect(found.map(summary)).toEqual([
      {
        code: 'variable-in-script',
        severity: 'warning',
        path: 'functions.fn.args.1',
        ...pos(text, '$INPUT_TEXT')
      }
    ])
  })

  it('a request-header variable listed in UseHeaderKeys counts (catches header values being trusted)', () => {
    const { found } = check(
      { command: 'bash', args: ['-c', 'echo ${Tenant}'] },
      { headerKeys: ['Tenant'] }
    )
    expect(found.map((d) => d.code)).toEqual(['variable-in-script'])
  })
})

describe('a variable as a whole argument', () => {
  it('before any "--" is reported, naming the function and the argument (fails if node -e SCRIPT $OUTPUT passes)', () => {
    const { text, found } = check({ command: 'node', args: ['-e', 'f()', '$OUTPUT'] })
    expect(found.map(summary)).toEqual([
      {
        code: 'variable-argument',
        severity: 'warning',
        path: 'functions.fn.args.2',
        ...pos(text, '$OUTPUT')
      }
    ])
    expect(found[0]?.message).toMatch(
      /^function "fn": args\[2\] is \$OUTPUT with no "--" before it/
    )
  })

  it.each([
    [['--', '$OUTPUT']],
    [['-e', 'f()', '--', '$OUTPUT', '${INPUT}']],
    [['--name=$INPUT']],
    [['-c', 'printf %s "$1"', 'sh', '$INPUT']]
  ])(
    'is fine behind "--", as an --option=value, or as a positional of sh -c: %j (catches false alarms)',
    (args) => {
      const command = args[0] === '-c' ? 'sh' : 'tool'
      expect(check({ command, args }).found).toEqual([])
    }
  )

  it('after python -c SCRIPT is sys.argv, but after node -e SCRIPT node still reads options (catches treating every interpreter alike)', () => {
    expect(check({ command: 'python3', args: ['-c', 'f()', '$INPUT'] }).found).toEqual([])
    expect(
      check({ command: 'node', args: ['-e', 'f()', '$INPUT'] }).found.map((d) => d.code)
    ).toEqual(['variable-argument'])
  })

  it.each([['$INPUT'], ['${OUTPUT}.txt'], ['$REQUEST_ID']])(
    '%s at the start of an argument of any program is reported (fails if only exact matches count)',
    (arg) => {
      const { found } = check({ command: 'grep', args: ['-i', arg, 'notes.txt'] })
      expect(found.map((d) => [d.code, d.path.join('.')])).toEqual([
        ['variable-argument', 'functions.fn.args.1']
      ])
    }
  )

  it('a "--" after the variable does not help (catches checking for "--" anywhere)', () => {
    expect(check({ command: 'tool', args: ['$INPUT', '--'] }).found.map((d) => d.code)).toEqual([
      'variable-argument'
    ])
  })
})

describe('the command', () => {
  it('chosen by a request variable is reported at the variable (fails if $INPUT can pick the program)', () => {
    const { text, found } = check({ command: '/usr/bin/$INPUT' })
    expect(found.map(summary)).toEqual([
      {
        code: 'variable-command',
        severity: 'warning',
        path: 'functions.fn.command',
        ...pos(text, '$INPUT')
      }
    ])
    expect(found[0]?.message).toContain('function "fn": $INPUT chooses the program to run')
  })

  it('built from an author-controlled variable is fine', () => {
    expect(check({ command: '/opt/tools/$NODE' }).found).toEqual([])
  })
})

describe('severity', () => {
  it('--strict makes every shell warning an error and the composition invalid (fails if strict ignores them)', () => {
    const { result, found } = check(
      { command: '$INPUT', args: ['-c', 'x', '$OUTPUT'] },
      { strict: true }
    )
    expect(found.length).toBeGreaterThan(0)
    expect(found.every((d) => d.severity === 'error')).toBe(true)
    expect(result.ok).toBe(false)
    const lenient = check({ command: 'node', args: ['-e', 'f("$OUTPUT")'] })
    expect(lenient.result.ok).toBe(true)
  })

  it('YAML compositions are located too (catches JSON-only positions)', () => {
    const yaml = [
      'models:',
      '  m: { type: external, url: "http://localhost:8000" }',
      'architecture:',
      '  - { name: chat, layer: 0, model: m, adapter: openai-api, output-to: [output] }',
      '  - { name: output, adapter: output }',
      'functions:',
      '  fn:',
      '    type: shell',
      '    command: sh',
      '    args: ["-c", "echo $OUTPUT"]',
      ''
    ].join('\n')
    const [d] = validateText(yaml, { fileName: 'x.yaml' }).diagnostics
    expect(d && summary(d)).toEqual({
      code: 'variable-in-script',
      severity: 'warning',
      path: 'functions.fn.args.1',
      ...pos(yaml, '$OUTPUT')
    })
  })
})
