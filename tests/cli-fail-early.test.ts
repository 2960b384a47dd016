/**
 * Fail early, never silently, as a newcomer meets it: real `llmnet` child processes, real data and
 * config folders, port 0. Catches an `api-key` naming an unset variable that `validate` calls
 * valid and `/status` calls ready, a `--env-file` Node 20 swallows, a documented background form
 * that SIGTERM cannot stop, `context delete local` that says deleted, a command group without its
 * subcommand exiting 0, and `deploy` errors without the file or in the server's words.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { BIN, bareEnv, killAll, llmnet, type Proc, runServer } from './support/cli-process'
import { type FakeUpstream, startFakeUpstream } from './support/fake-openai'
import { openaiClient, tempDir } from './support/harness'

let upstream: FakeUpstream
const tmp = tempDir('llmnet-fail-early-')
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(async () => {
  await upstream.close()
  tmp.remove()
})
afterEach(killAll)

const VAR = 'LLMNET_TEST_UNSET_KEY'

/** A composition whose one model takes its key from $LLMNET_TEST_UNSET_KEY (YAML: line 5). */
function keyed(name: string): string {
  const file = path.join(tmp.dir, `${name}.yaml`)
  writeFileSync(
    file,
    [
      'models:',
      '  cloud:',
      '    type: external',
      `    url: ${upstream.url}/v1`,
      `    api-key: $${VAR}`,
      'architecture:',
      '  - { name: bot, layer: 0, model: cloud, adapter: openai-api, output-to: [output] }',
      '  - { name: output, adapter: output }',
      ''
    ].join('\n')
  )
  return file
}

async function verb(args: string[], env: NodeJS.ProcessEnv = {}) {
  const p = llmnet(args, env)
  const code = await p.exited
  return { code, stdout: p.stdout(), stderr: p.stderr() }
}

interface Status {
  pipelines: { id: string; ready: boolean; problems: string[] }[]
}

describe('an api-key that names an unset variable', () => {
  it('validate warns at the api-key, naming the model and the variable; the file stays valid', async () => {
    const file = keyed('validate-key')
    const r = await verb(['validate', file])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(
      `${file}:5:14: warning: model "cloud": api-key refers to $${VAR}, which is not set in the environment`
    )
    expect(r.stdout).toMatch(/is valid \(1 model, 2 nodes\), 1 warning/)
    // Set, it is no longer a warning.
    const set = await verb(['validate', file], { [VAR]: 'sk-test' })
    expect(set.stdout).not.toContain('warning')
  })

  it('run warns at start; /status shows the pipeline not ready with the reason, /ready answers 503, a request 503', async () => {
    const file = keyed('run-key')
    const { proc, url } = await runServer([file])
    expect(proc.stderr()).toContain(
      `llmnet: run-key: model "cloud": api-key refers to $${VAR}, which is not set in the environment`
    )
    const status = (await (await fetch(`${url}/status`)).json()) as Status
    expect(status.pipelines).toEqual([
      expect.objectContaining({
        id: 'run-key',
        ready: false,
        problems: [`model "cloud": api-key refers to $${VAR}, which is not set in the environment`]
      })
    ])
    const ready = await fetch(`${url}/ready`)
    expect(ready.status).toBe(503)
    expect(JSON.stringify(await ready.json())).toContain(VAR)
    const answer = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'run-key', messages: [{ role: 'user', content: 'hi' }] })
    })
    expect(answer.status).toBe(503)
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
  })

  it('--dotenv (and its alias --env-file) set the variable: no warning, ready, the key is sent', async () => {
    const file = keyed('dotenv-key')
    const envFile = path.join(tmp.dir, 'keys.env')
    writeFileSync(envFile, `${VAR}=sk-from-dotenv\n`)
    for (const flag of ['--dotenv', '--env-file']) {
      const { proc, url } = await runServer([file], {}, [flag, envFile])
      expect(proc.stderr()).not.toContain(VAR)
      const status = (await (await fetch(`${url}/status`)).json()) as Status
      expect(status.pipelines[0]).toMatchObject({ ready: true, problems: [] })
      await openaiClient(url).chat.completions.create({
        model: 'dotenv-key',
        messages: [{ role: 'user', content: 'hi' }]
      })
      expect(upstream.requests.at(-1)?.headers.authorization).toBe('Bearer sk-from-dotenv')
      proc.child.kill('SIGTERM')
      expect(await proc.exited).toBe(0)
    }
  })

  it('serve warns at start and when a deployed pipeline loads with the key unset', async () => {
    const env = serveEnv('serve-key')
    const { proc } = await serveApp(env)
    const file = keyed('served-key')
    const deployed = await verb(['deploy', file], env)
    expect(deployed.code).toBe(0)
    await proc.waitFor(
      'stderr',
      new RegExp(`served-key: model "cloud": api-key refers to \\$${VAR}, which is not set`)
    )
    proc.child.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    // Started again with the pipeline in its library: said at start too.
    const again = await serveApp(env)
    await again.proc.waitFor('stderr', new RegExp(`served-key: model "cloud": .*\\$${VAR}`))
  })
})

describe('--dotenv and --env-file on every Node', () => {
  it('a missing --dotenv file is llmnet’s own error (exit 1), on Node 20 too', async () => {
    const r = await verb(['run', '--dry-run', '--dotenv', 'no-such.env', keyed('missing-env')])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^llmnet: cannot read the env file no-such\.env \(--dotenv\): ENOENT/)
  })

  // Node 20 reads --env-file itself anywhere on the command line (nodejs/node#54232): it exits 9
  // before llmnet runs, which docs/cli.md says; later Node versions leave it to llmnet.
  const node20 = Number(process.versions.node.split('.')[0]) < 22
  it.skipIf(node20)('a missing --env-file is llmnet’s own error (exit 1) on Node 22+', async () => {
    const r = await verb(['run', '--dry-run', '--env-file', 'no-such.env', keyed('missing-env2')])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('cannot read the env file no-such.env')
  })
})

function serveEnv(name: string) {
  const dir = path.join(tmp.dir, name)
  return {
    LLMNET_DATA_DIR: path.join(dir, 'data'),
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    HOME: dir,
    LLMNET_SECRET_KEY: Buffer.alloc(32, 5).toString('base64')
  }
}

async function serveApp(env: NodeJS.ProcessEnv): Promise<{ proc: Proc; url: string }> {
  const proc = llmnet(['serve', '--port', '0'], env)
  const [, url] = await proc.waitFor(
    'stdout',
    /OpenAI-compatible API: (http:\/\/127\.0\.0\.1:\d+)\/v1/
  )
  return { proc, url: url as string }
}

describe('the CLI says what it does', () => {
  it('context delete local is refused (exit 2) and the built-in context stays', async () => {
    const env = serveEnv('ctx')
    const r = await verb(['context', 'delete', 'local'], env)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('"local" is the built-in context')
    expect(r.stderr).toContain('cannot be deleted')
    expect(r.stdout).toBe('')
    expect((await verb(['context', 'current'], env)).stdout).toBe('local\n')
  })

  it('a command group without its subcommand is a usage error (exit 2) listing the subcommands', async () => {
    const groups: Record<string, string[]> = {
      models: ['list', 'pull', 'rm', 'info'],
      context: ['list', 'current', 'add', 'use', 'delete'],
      functions: ['test']
    }
    for (const [group, subs] of Object.entries(groups)) {
      const r = await verb([group])
      expect(r.code, group).toBe(2)
      for (const sub of subs)
        expect(r.stderr, `${group} ${sub}`).toMatch(new RegExp(`\\n  ${sub}\\b`))
    }
    // Asking for the help is still a success.
    expect((await verb(['models', '--help'])).code).toBe(0)
  })

  it('deploy: an invalid file gives FILE:line:column; a bad --name the flag and the rule, not a route', async () => {
    const env = serveEnv('deploy')
    await serveApp(env)
    const broken = path.join(tmp.dir, 'broken.json')
    writeFileSync(
      broken,
      '{"models": {}, "architecture": [{"name": "bot", "layer": 0, "model": "nowhere", "adapter": "openai-api", "output-to": ["output"]}, {"name": "output", "adapter": "output"}]}'
    )
    const invalid = await verb(['deploy', broken], env)
    expect(invalid.code).toBe(1)
    expect(invalid.stderr).toContain(`llmnet: ${broken} is invalid; nothing was saved`)
    expect(invalid.stderr).toMatch(new RegExp(`\\n${escape(broken)}:1:\\d+: error: .*nowhere`))

    const named = await verb(['deploy', keyed('fine'), '--name', 'bad name!'], env)
    expect(named.code).toBe(2)
    expect(named.stderr).toBe(
      'llmnet: --name "bad name!" is not valid: a pipeline name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit\n'
    )
    const spaced = path.join(tmp.dir, 'my pipeline.json')
    writeFileSync(spaced, readFileSync(broken))
    const fromFile = await verb(['deploy', spaced], env)
    expect(fromFile.code).toBe(2)
    expect(fromFile.stderr).toContain('the file name gives the pipeline name "my pipeline"')
    expect(fromFile.stderr).toContain('choose one with --name')
    for (const r of [invalid, named, fromFile]) expect(r.stderr).not.toContain('pipelines.save')
  })
})

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('the background form docs/cli.md shows', () => {
  it('node_modules/.bin/llmnet serve & then kill $! stops the server (SIGTERM reaches llmnet)', async () => {
    // What `npm install llmnet` makes: node_modules/.bin/llmnet, a link to the package's bin.
    const project = path.join(tmp.dir, 'project')
    mkdirSync(path.join(project, 'node_modules', '.bin'), { recursive: true })
    symlinkSync(BIN, path.join(project, 'node_modules', '.bin', 'llmnet'))
    const env = serveEnv('background')
    const log = path.join(tmp.dir, 'background.log')
    // The documented lines, in a shell: start in the background, print $!.
    const sh = spawn(
      'sh',
      ['-c', `node_modules/.bin/llmnet serve --port 0 > "${log}" 2>&1 & echo $!`],
      { cwd: project, env: bareEnv(env) }
    )
    let out = ''
    sh.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    await new Promise((resolve) => sh.on('exit', resolve))
    const pid = Number(out.trim())
    expect(pid).toBeGreaterThan(0)
    try {
      const url = await until(() => /API: (http:\/\/[\d.:]+)\/v1/.exec(read(log))?.[1])
      expect((await fetch(`${url}/health`)).status).toBe(200)
      process.kill(pid, 'SIGTERM') // kill $!
      await until(() => !alive(pid) || undefined)
      expect(read(log)).toContain('SIGTERM, shutting down')
      await expect(fetch(`${url}/health`)).rejects.toThrow()
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGKILL')
    }
  })
})

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

/** Running (a zombie nobody reaped yet has stopped too). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  const stat = read(`/proc/${pid}/stat`)
  return !/^\d+ \(.*\) Z/.test(stat)
}

/** Polls `check` every 50 ms until it gives a value (the test's own timeout bounds it). */
async function until<T>(check: () => T | undefined): Promise<T> {
  for (;;) {
    const v = check()
    if (v !== undefined && v !== false) return v
    await new Promise((r) => setTimeout(r, 50))
  }
}
