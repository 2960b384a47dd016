import {
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  existsSync,
  writeFileSync,
  mkdirSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FunctionSchema } from '../../../shared/config/schema'
import { runFunction } from './run-function'
import { runShell, type ShellFunction } from './shell'
import { TEST_SECRET, testContext } from './test-support'

const NODE = process.execPath
let dir = ''

beforeAll(() => {
  dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'llmnet-shell-')))
  mkdirSync(path.join(dir, 'sub'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A shell function running `node -e script -- ...args`. */
const nodeScript = (script: string, fields: Partial<ShellFunction> = {}): ShellFunction =>
  FunctionSchema.parse({
    type: 'shell',
    command: NODE,
    ...fields,
    args: ['-e', script, '--', ...(fields.args ?? [])]
  }) as ShellFunction

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return true
  }
  // A killed process whose parent has not reaped it yet is a zombie: dead, but still listed.
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false
  } catch {
    return false
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (isGone(pid)) return true
    await new Promise((r) => setTimeout(r, 25))
  }
  return isGone(pid)
}

describe('shell functions', () => {
  it('args are passed verbatim: no word splitting, no shell (fails if "; rm -rf x" or $(…) is interpreted)', async () => {
    const evil = [
      'a b  c',
      '; rm -rf x',
      '$(echo pwned)',
      '`id`',
      '*',
      'it\'s "quoted"',
      '$INPUT and more'
    ]
    const out = await runShell(
      nodeScript('console.log(JSON.stringify(process.argv.slice(1)))', { args: evil }),
      testContext({ INPUT: 'x; echo $HOME' })
    )
    expect(out.output).toEqual([...evil.slice(0, 6), 'x; echo $HOME and more'])
  })

  it('env is merged over the process environment and cwd is resolved against baseDir (fails if env replaces PATH or cwd is ignored)', async () => {
    const script =
      'console.log(JSON.stringify({ greet: process.env.GREETING, key: process.env.API_KEY, hasPath: !!process.env.PATH, cwd: process.cwd() }))'
    const out = await runShell(
      nodeScript(script, {
        env: { GREETING: 'hi $NODE', API_KEY: '$secrets.api.TOKEN' },
        cwd: 'sub'
      }),
      testContext({ NODE: 'router' }, dir)
    )
    expect(out.output).toEqual({
      greet: 'hi router',
      key: TEST_SECRET,
      hasPath: true,
      cwd: path.join(dir, 'sub')
    })
  })

  it('without cwd the process runs in the composition directory (fails if it runs wherever the app was started)', async () => {
    const out = await runShell(nodeScript('console.log(process.cwd())'), testContext({}, dir))
    expect(out.output).toBe(dir)
  })

  it('stdin: true delivers $INPUT, a template string is substituted, and otherwise stdin is closed (fails if a reading program hangs)', async () => {
    const echo =
      "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.stringify({s})))"
    expect(
      (await runShell(nodeScript(echo, { stdin: true }), testContext({ INPUT: 'line 1\n$OUTPUT' })))
        .output
    ).toEqual({ s: 'line 1\n$OUTPUT' })
    expect(
      (await runShell(nodeScript(echo, { stdin: 'in=$INPUT' }), testContext({ INPUT: 'x' }))).output
    ).toEqual({ s: 'in=x' })
    expect(
      (await runShell(nodeScript(echo, { timeout: 5 }), testContext({ INPUT: 'x' }))).output
    ).toEqual({ s: '' })
  })

  it('stdout is trimmed and parsed as JSON when it is JSON, else a string, empty is nothing (fails if JSON is returned as text)', async () => {
    expect(
      (await runShell(nodeScript('console.log("  {\\"n\\": 3}  ")'), testContext())).output
    ).toEqual({ n: 3 })
    expect(
      (await runShell(nodeScript('console.log("  just text \\n")'), testContext())).output
    ).toBe('just text')
    expect((await runShell(nodeScript(''), testContext())).output).toBeUndefined()
  })

  it('a non-zero exit fails with "exit code N: <stderr>" bounded to 500 chars (fails if stderr is missing or unbounded)', async () => {
    const result = await runFunction(
      'lint',
      nodeScript('console.error("  bad input " + "e".repeat(900)); process.exit(3)'),
      testContext()
    )
    expect(result.ok).toBe(false)
    expect(result.error).toMatch(/^function "lint" \(shell\): exit code 3: bad input e+$/)
    expect((result.error ?? '').split('exit code 3: ')[1]?.length).toBe(500)
  })

  it('a missing program fails with a clear message (fails if ENOENT surfaces as a crash)', async () => {
    const result = await runFunction(
      'gone',
      FunctionSchema.parse({
        type: 'shell',
        command: 'definitely-not-a-command-xyz'
      }) as ShellFunction,
      testContext()
    )
    expect(result).toMatchObject({
      ok: false,
      error:
        'function "gone" (shell): could not start "definitely-not-a-command-xyz": command not found'
    })
  })

  it('the timeout kills the whole process tree, grandchildren included (fails if the child or grandchild survives, as in the Rust llmnet)', async () => {
    const pidFile = path.join(dir, 'pids.txt')
    const grandchild = `require('fs').appendFileSync(${JSON.stringify(pidFile)}, 'grandchild ' + process.pid + '\\n'); setInterval(() => {}, 1000)`
    const child = `require('fs').appendFileSync(${JSON.stringify(pidFile)}, 'child ' + process.pid + '\\n');
      require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'inherit' });
      setInterval(() => {}, 1000)`
    const started = Date.now()
    const result = await runFunction('tree', nodeScript(child, { timeout: 1 }), testContext())
    const elapsed = Date.now() - started
    expect(result.ok).toBe(false)
    expect(result.error).toBe('function "tree" (shell): timed out after 1s (process tree killed)')
    expect(elapsed).toBeLessThan(4000)
    expect(existsSync(pidFile)).toBe(true)
    const pids = Object.fromEntries(
      readFileSync(pidFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(' '))
        .map(([who, pid]) => [who, Number(pid)])
    ) as Record<string, number>
    expect(pids.child).toBeGreaterThan(0)
    expect(pids.grandchild).toBeGreaterThan(0)
    expect(await waitGone(pids.child ?? 0, 2000)).toBe(true)
    expect(await waitGone(pids.grandchild ?? 0, 2000)).toBe(true)
  })

  it('stdout and stderr are capped at 1 MiB each and the result says so (fails if output is unbounded)', async () => {
    const script =
      "process.stdout.write('a'.repeat(1536 * 1024)); process.stderr.write('b'.repeat(1200 * 1024))"
    const result = await runFunction('big', nodeScript(script), testContext())
    expect(result.ok).toBe(true)
    expect(typeof result.output).toBe('string')
    expect((result.output as string).length).toBe(1024 * 1024)
    expect(result.notes).toEqual(['stdout truncated at 1 MiB', 'stderr truncated at 1 MiB'])
  })

  it('the command itself is substituted and resolved like any program (fails if $VAR in command is not expanded)', async () => {
    const script = path.join(dir, 'hello.js')
    writeFileSync(script, 'console.log(JSON.stringify({ argv: process.argv.slice(2) }))')
    const def = FunctionSchema.parse({
      type: 'shell',
      command: '$NODE_BIN',
      args: ['hello.js', '$INPUT']
    }) as ShellFunction
    expect(
      (await runShell(def, testContext({ NODE_BIN: NODE, INPUT: 'a b' }, dir))).output
    ).toEqual({ argv: ['a b'] })
  })
})
