/**
 * End-to-end tests of the `llmnet` command: the real bin/llmnet.mjs in a child process, with its
 * exit codes (0 ok, 1 invalid composition, 2 usage error). Each spawn costs about half a second,
 * so one spawn usually checks several things.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const execFileAsync = promisify(execFile)

const ROOT = path.resolve(__dirname, '..')
const BIN = path.join(ROOT, 'bin', 'llmnet.mjs')
const VERSION = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version

interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs `node bin/llmnet.mjs ...args`; a non-zero exit is returned, not thrown. */
async function llmnet(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 20_000
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string }
    if (typeof e.code !== 'number') throw err
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

// ── fixtures ──────────────────────────────────────────────────────────────────────────────────

const CONDITIONAL = `{
  // JSON with comments, as the Rust llmnet accepts
  "models": {
    "router": { "type": "external", "interface": "openai-api", "url": "http://localhost:8000", "api-key": null },
    "handler": { "runner": "ollama", "source": "qwen2.5:0.5b" }
  },
  "architecture": [
    { "name": "router", "layer": 0, "model": "router", "adapter": "openai-api", "output-to": [1],
      "extra-options": { "model_override": "google/gemma-3-27b-it:free" } },
    { "name": "short-input-handler", "layer": 1, "model": "handler", "adapter": "openai-api",
      "use-case": "Quick responses for short inputs", "if": "$WORD_COUNT < 10", "output-to": ["output"] },
    { "name": "long-input-handler", "layer": 1, "model": "handler", "adapter": "openai-api",
      "use-case": "Detailed responses for long inputs", "if": "$WORD_COUNT >= 10", "output-to": [2] },
    { "name": "response-refiner", "layer": 2, "model": "handler", "adapter": "openai-api",
      "use-case": "Polish long answers", "output-to": ["output"] },
    { "name": "output", "adapter": "output" }
  ]
}
`

/** Valid, but with a misspelt key: a warning, or an error under --strict. */
const WITH_UNKNOWN_KEY = `{
  "models": { "m": { "type": "external", "url": "http://localhost:8000" } },
  "architecture": [
    { "name": "chat", "layer": 0, "model": "m", "adapter": "openai-api", "output-to": ["output"], "use_case": "chat" },
    { "name": "output", "adapter": "output" }
  ]
}
`

/** Invalid: an undefined model on line 4, its value at column 44. */
const INVALID = `{
  "models": { "m": { "type": "external", "url": "http://localhost:8000" } },
  "architecture": [
    { "name": "chat", "layer": 0, "model": "nope", "adapter": "openai-api", "output-to": ["output"] },
    { "name": "output", "adapter": "output" }
  ]
}
`

/** Valid, but the model's answer reaches node as a whole argument: `$OUTPUT` on line 8, column 74. */
const SHELL_ARGUMENT = `{
  "models": { "m": { "type": "external", "url": "http://localhost:8000" } },
  "architecture": [
    { "name": "chat", "layer": 0, "model": "m", "adapter": "openai-api", "output-to": ["output"] },
    { "name": "output", "adapter": "output" }
  ],
  "functions": {
    "calc": { "type": "shell", "command": "node", "args": ["-e", "f()", "$OUTPUT"] }
  }
}
`

let dir = ''
const file = (name: string): string => path.join(dir, name)

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'llmnet-cli-'))
  writeFileSync(file('conditional.json'), CONDITIONAL)
  writeFileSync(file('unknown-key.json'), WITH_UNKNOWN_KEY)
  writeFileSync(file('invalid.json'), INVALID)
  writeFileSync(file('shell-argument.json'), SHELL_ARGUMENT)
})

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

// ── tests ─────────────────────────────────────────────────────────────────────────────────────

describe('version and help', () => {
  it.each(['--version', '-v', '-V'])(
    '%s prints the package.json version and exits 0 (catches -V, the Rust llmnet flag, being lost)',
    async (flag) => {
      const r = await llmnet(flag)
      expect(r.code).toBe(0)
      expect(r.stdout.trim()).toBe(VERSION)
    }
  )

  it('--help exits 0 and lists the commands and exit codes', async () => {
    const r = await llmnet('--help')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('validate')
    expect(r.stdout).toContain('run')
    expect(r.stdout).toContain('Exit codes')
  })

  it('an unknown command exits 2 (usage error, not 1 "invalid composition")', async () => {
    const r = await llmnet('frobnicate')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown command 'frobnicate'")
  })
})

describe('validate', () => {
  it('valid files exit 0 and print "is valid"; a warning does not fail the run', async () => {
    const r = await llmnet('validate', file('conditional.json'), file('unknown-key.json'))
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`${file('conditional.json')} is valid (2 models, 5 nodes)`)
    expect(r.stdout).toContain(`${file('unknown-key.json')} is valid (1 model, 2 nodes), 1 warning`)
    expect(r.stdout).toContain(`${file('unknown-key.json')}:4:99: warning: unknown key "use_case"`)
    expect(r.stdout).toContain('2 files: 2 valid, 0 invalid')
  })

  it('--strict turns the unknown-key warning into an error: exit 1', async () => {
    const r = await llmnet('validate', '--strict', file('unknown-key.json'))
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`${file('unknown-key.json')}:4:99: error: unknown key "use_case"`)
    expect(r.stdout).toContain('did you mean "use-case"')
    expect(r.stdout).toContain('is invalid: 1 error, 0 warnings')
  })

  it('a variable passed where the program may read it as an option is a warning naming the function and the argument; --strict makes it an error (fails if validate misses node -e SCRIPT $OUTPUT)', async () => {
    const lenient = await llmnet('validate', file('shell-argument.json'))
    expect(lenient.code).toBe(0)
    expect(lenient.stdout).toContain(
      `${file('shell-argument.json')}:8:74: warning: function "calc": args[2] is $OUTPUT with no "--" before it`
    )
    expect(lenient.stdout).toContain('[variable-argument]')
    const strict = await llmnet('validate', '--strict', file('shell-argument.json'))
    expect(strict.code).toBe(1)
    expect(strict.stdout).toContain(
      `${file('shell-argument.json')}:8:74: error: function "calc": args[2] is $OUTPUT`
    )
  })

  it('an invalid file exits 1 with file:line:col: error:', async () => {
    const r = await llmnet('validate', file('invalid.json'))
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(
      `${file('invalid.json')}:4:44: error: model "nope" referenced by node "chat" is not defined`
    )
    expect(r.stdout).toContain('[undefined-model]')
    expect(r.stdout).toContain(`${file('invalid.json')} is invalid: 1 error, 0 warnings`)
  })

  it('--json prints one parseable report with per-file diagnostics; exit 1 when any file is invalid', async () => {
    const r = await llmnet('validate', '--json', file('conditional.json'), file('invalid.json'))
    expect(r.code).toBe(1)
    const report = JSON.parse(r.stdout) as {
      valid: boolean
      files: {
        file: string
        id: string
        valid: boolean
        errors: number
        warnings: number
        diagnostics: Record<string, unknown>[]
      }[]
    }
    expect(report.valid).toBe(false)
    expect(report.files).toHaveLength(2)
    expect(report.files[0]).toMatchObject({
      file: file('conditional.json'),
      id: 'conditional',
      valid: true,
      errors: 0,
      warnings: 0,
      diagnostics: []
    })
    expect(report.files[1]).toMatchObject({
      file: file('invalid.json'),
      id: 'invalid',
      valid: false,
      errors: 1,
      warnings: 0
    })
    expect(report.files[1]?.diagnostics).toEqual([
      {
        severity: 'error',
        code: 'undefined-model',
        message: expect.stringContaining('"nope"') as unknown,
        path: ['architecture', 0, 'model'],
        line: 4,
        column: 44
      }
    ])
  })

  it('a missing file exits 1 with "no such file"', async () => {
    const missing = file('does-not-exist.json')
    const r = await llmnet('validate', missing)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`${missing}:1:1: error: cannot read the file: no such file`)
  })
})

describe('run', () => {
  it('--dry-run prints layers, nodes, edges, conditions, use-cases and models, then exits 0', async () => {
    const r = await llmnet('run', '--dry-run', file('conditional.json'))
    expect(r.code).toBe(0)
    const out = r.stdout
    expect(out).toContain('Pipeline conditional')
    // Layers, in order.
    expect(out).toMatch(/Layer 0[\s\S]*Layer 1[\s\S]*Layer 2/)
    for (const name of [
      'router',
      'short-input-handler',
      'long-input-handler',
      'response-refiner',
      'output'
    ]) {
      expect(out).toContain(name)
    }
    // Edges with the target's condition.
    expect(out).toMatch(/router → short-input-handler .*if \$WORD_COUNT < 10/)
    expect(out).toMatch(/router → long-input-handler .*if \$WORD_COUNT >= 10/)
    expect(out).toContain('long-input-handler → response-refiner')
    expect(out).toContain('response-refiner → output')
    // Use-cases.
    expect(out).toContain('use-case: Quick responses for short inputs')
    expect(out).toContain('use-case: Detailed responses for long inputs')
    // Models: the definitions and what each node sends upstream.
    expect(out).toMatch(/router\s+external\s+http:\/\/localhost:8000\/v1/)
    expect(out).toMatch(
      /handler\s+ollama\s+http:\/\/127\.0\.0\.1:11434\/v1\s+source qwen2\.5:0\.5b/
    )
    expect(out).toContain('model: router (sends "google/gemma-3-27b-it:free")')
    expect(out).toContain('model: handler (sends "qwen2.5:0.5b")')
  })

  it('--dry-run on an invalid file exits 1 and starts nothing', async () => {
    const r = await llmnet('run', '--dry-run', file('invalid.json'))
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain(`${file('invalid.json')}:4:44: error:`)
    expect(r.stderr).toContain('is invalid; nothing was started')
  })

  it('--port 99999 is a usage error: exit 2, pointing at the command help', async () => {
    const r = await llmnet('run', '--port', '99999', file('conditional.json'))
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("--port <port>' argument '99999' is invalid. It must be a port")
    expect(r.stderr).toContain('(run "llmnet run --help" for usage)')
  })

  it('--max-concurrent must be a positive whole number: exit 2 (fails if NaN silently lifts the limit)', async () => {
    for (const bad of ['abc', '0', '-3', '2.5']) {
      const r = await llmnet('run', '--max-concurrent', bad, file('conditional.json'))
      expect(r.code).toBe(2)
      expect(r.stderr).toContain(`argument '${bad}' is invalid. It must be a whole number`)
      expect(r.stderr).toContain('(run "llmnet run --help" for usage)')
      expect(r.stdout).toBe('')
    }
  })

  it('usage errors of subcommands point at their own --help', async () => {
    const missing = await llmnet('models', 'pull')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('(run "llmnet models pull --help" for usage)')
    const unknown = await llmnet('validate', '--bogus', file('conditional.json'))
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('(run "llmnet validate --help" for usage)')
  })
})
