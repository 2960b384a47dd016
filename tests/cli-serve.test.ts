/**
 * `llmnet serve` as a person runs it, and the cluster verbs against it: real child processes,
 * a real data folder, port 0. Catches a verb that only works in-process, a token that does not
 * persist, a second server on the same data folder, and a shutdown that leaves the folder locked.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { killAll, llmnet, type Proc } from './support/cli-process'
import { type FakeUpstream, startFakeUpstream } from './support/fake-openai'
import { openaiClient, tempDir } from './support/harness'

let upstream: FakeUpstream
beforeAll(async () => {
  upstream = await startFakeUpstream()
})
afterAll(() => upstream.close())
afterEach(killAll)

function setup() {
  const tmp = tempDir('llmnet-serve-')
  const env = {
    LLMNET_DATA_DIR: path.join(tmp.dir, 'data'),
    XDG_CONFIG_HOME: path.join(tmp.dir, 'config'),
    HOME: tmp.dir,
    LLMNET_SECRET_KEY: Buffer.alloc(32, 3).toString('base64')
  }
  const composition = path.join(tmp.dir, 'helper.json')
  writeFileSync(
    composition,
    JSON.stringify({
      models: { m: { type: 'external', url: `${upstream.url}/v1` } },
      architecture: [
        { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
        { name: 'output', adapter: 'output' }
      ]
    })
  )
  return { tmp, env, composition }
}

async function serve(
  env: NodeJS.ProcessEnv,
  flags: string[] = []
): Promise<{ proc: Proc; url: string }> {
  const proc = llmnet(['serve', '--port', '0', ...flags], env)
  const [, url] = await proc.waitFor(
    'stdout',
    /OpenAI-compatible API: (http:\/\/127\.0\.0\.1:\d+)\/v1/
  )
  return { proc, url: url as string }
}

/** Runs one verb to completion; returns its exit code and output. */
async function verb(args: string[], env: NodeJS.ProcessEnv) {
  const p = llmnet(args, env)
  const code = await p.exited
  return { code, stdout: p.stdout(), stderr: p.stderr() }
}

describe('llmnet serve and the cluster verbs', () => {
  it('deploys, lists, serves, logs and deletes a pipeline through the local context', async () => {
    const { tmp, env, composition } = setup()
    try {
      const { proc, url } = await serve(env)
      const deployed = await verb(['deploy', composition], env)
      expect(deployed.stdout).toBe('pipeline.llmnet/helper deployed to local (version 1)\n')
      expect(deployed.code).toBe(0)

      const table = await verb(['get', 'pipelines'], env)
      expect(table.stdout.split('\n')[0]).toMatch(
        /^NAME\s+SOURCE\s+VERSION\s+STATUS\s+DEFAULT\s+ERROR$/
      )
      expect(table.stdout).toMatch(/helper\s+library\s+1\s+loaded\s+yes/)
      const json = JSON.parse((await verb(['get', 'pipelines', '-o', 'json'], env)).stdout)
      expect(json).toEqual([expect.objectContaining({ name: 'helper', status: 'loaded' })])

      // `logs -f` prints each request as it finishes; `get traces` and `logs` list it after.
      const follow = llmnet(['logs', '-f', '--tail', '0'], env)
      await follow.waitFor('stderr', /following traces/)
      const answer = await openaiClient(url).chat.completions.create({
        model: 'helper',
        messages: [{ role: 'user', content: 'ping' }]
      })
      expect(answer.choices[0]?.message.content).toContain('ping')
      await follow.waitFor('stdout', /helper ok \d+ ms bot → output \(/)
      follow.child.kill('SIGINT')
      expect(await follow.exited).toBe(0)
      // Stored traces are written in batches (docs/storage.md): `logs -f` saw it live, the store
      // has it within the writer's interval. Wait for that, a bounded number of times.
      let listed: unknown[] = []
      for (let i = 0; i < 20 && listed.length === 0; i++) {
        listed = JSON.parse((await verb(['get', 'traces', '-o', 'json'], env)).stdout) as unknown[]
        if (listed.length === 0) await new Promise((r) => setTimeout(r, 100))
      }
      expect(listed).toEqual([expect.objectContaining({ pipeline: 'helper', status: 'ok' })])
      expect((await verb(['logs'], env)).stdout).toMatch(/helper ok \d+ ms bot → output/)

      const status = await verb(['status', '-o', 'json'], env)
      expect(JSON.parse(status.stdout)).toMatchObject({
        context: 'local',
        server: 'running',
        endpoint: `${url}/v1`,
        pipelines: 1,
        defaultPipeline: 'helper'
      })

      expect((await verb(['delete', 'pipeline', 'helper'], env)).stdout).toBe(
        'pipeline.llmnet/helper deleted\n'
      )
      const gone = await verb(['delete', 'pipeline', 'helper'], env)
      expect(gone.code).toBe(1)
      expect(gone.stderr).toContain('pipeline "helper" not found')

      proc.child.kill('SIGTERM')
      expect(await proc.exited).toBe(0)
      expect(existsSync(path.join(env.LLMNET_DATA_DIR, 'llmnet.lock'))).toBe(false)
      const down = await verb(['status'], env)
      expect(down.code).toBe(3)
      expect(down.stderr).toContain('no llmnet is running')
    } finally {
      tmp.remove()
    }
  })

  it('named contexts: add, use, list, current, a wrong token, an invalid deploy', async () => {
    const { tmp, env, composition } = setup()
    try {
      const { url } = await serve(env)
      const token = readFileSync(path.join(env.LLMNET_DATA_DIR, 'access-token'), 'utf8').trim()
      expect(
        (await verb(['context', 'add', 'box', '--url', url, '--token', token], env)).code
      ).toBe(0)
      expect((await verb(['context', 'use', 'box'], env)).stdout).toBe(
        'switched to context "box"\n'
      )
      expect((await verb(['context', 'current'], env)).stdout).toBe('box\n')
      expect((await verb(['context', 'list'], env)).stdout).toMatch(
        /\*\s+box\s+http:\/\/127\.0\.0\.1/
      )
      const file = path.join(env.XDG_CONFIG_HOME, 'llmnet', 'config')
      expect(readFileSync(file, 'utf8')).toContain('current-context: box')
      expect((await verb(['deploy', composition, '--name', 'via-box'], env)).code).toBe(0)

      await verb(['context', 'add', 'wrong', '--url', url, '--token', 'not-the-token'], env)
      const refused = await verb(['get', 'pipelines', '--context', 'wrong'], env)
      expect(refused.code).toBe(3)
      expect(refused.stderr).toContain('wrong bearer token')

      const broken = path.join(tmp.dir, 'broken.json')
      writeFileSync(broken, '{"models": {}, "architecture": [')
      const invalid = await verb(['deploy', broken], env)
      expect(invalid.code).toBe(1)
      expect(invalid.stderr).toContain(`${broken} is invalid; nothing was saved`)
      expect(invalid.stderr).toContain(`\n${broken}:1:33: error: syntax error`)

      const unknown = await verb(['get', 'pipelines', '--context', 'nowhere'], env)
      expect(unknown.stderr).toContain('no context named "nowhere"')
      expect((await verb(['get', 'gadgets'], env)).code).toBe(2)
    } finally {
      tmp.remove()
    }
  })

  it('`llmnet` names a pipeline after a second deploy; `default` and `deploy --default` move it (catches the 404 that listed `llmnet`)', async () => {
    const { tmp, env, composition } = setup()
    try {
      const { proc, url } = await serve(env)
      const client = openaiClient(url)
      const ids = async (): Promise<string[]> => {
        const out: string[] = []
        for await (const m of client.models.list()) out.push(m.id)
        return out
      }
      const answeredBy = async (): Promise<string> => {
        const r = await client.chat.completions.create({
          model: 'llmnet',
          messages: [{ role: 'user', content: 'who?' }]
        })
        return r.choices[0]?.message.content ?? ''
      }
      expect((await verb(['deploy', composition, '--name', 'one'], env)).code).toBe(0)
      expect((await verb(['deploy', composition, '--name', 'two'], env)).code).toBe(0)
      expect(await ids()).toEqual(expect.arrayContaining(['one', 'two', 'llmnet']))
      expect(await answeredBy()).toContain('who?')
      expect((await verb(['default'], env)).stdout).toBe('one answers as model "llmnet"\n')

      expect((await verb(['default', 'two'], env)).stdout).toBe('two answers as model "llmnet"\n')
      const pipelines = JSON.parse((await verb(['get', 'pipelines', '-o', 'json'], env)).stdout)
      expect(pipelines).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'two', isDefault: true })])
      )
      const deployed = await verb(['deploy', composition, '--name', 'three', '--default'], env)
      expect(deployed.stdout).toBe(
        'pipeline.llmnet/three deployed to local (version 1), the default (model "llmnet")\n'
      )
      expect(JSON.parse((await verb(['default', '-o', 'json'], env)).stdout)).toEqual({
        defaultPipeline: 'three'
      })
      const missing = await verb(['default', 'nowhere'], env)
      expect(missing.code).toBe(1)
      expect(missing.stderr).toContain('no pipeline named "nowhere"')

      // A 404 lists only ids that answer.
      const err = await client.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e)
      expect((err as Error).message).toContain('available: one, two, three, llmnet')
      proc.child.kill('SIGTERM')
      await proc.exited
    } finally {
      tmp.remove()
    }
  }, 120_000)

  it('one server per data folder; the token persists until --new-token', async () => {
    const { tmp, env } = setup()
    try {
      const first = await serve(env)
      const second = await verb(['serve', '--port', '0'], env)
      expect(second.code).toBe(3)
      expect(second.stderr).toMatch(/is in use by another llmnet: pid \d+/)
      const token = readFileSync(path.join(env.LLMNET_DATA_DIR, 'access-token'), 'utf8').trim()
      first.proc.child.kill('SIGTERM')
      expect(await first.proc.exited).toBe(0)

      const again = await serve(env)
      const same = readFileSync(path.join(env.LLMNET_DATA_DIR, 'access-token'), 'utf8').trim()
      expect(same).toBe(token)
      again.proc.child.kill('SIGTERM')
      await again.proc.exited

      const rotated = await serve(env, ['--new-token'])
      const fresh = readFileSync(path.join(env.LLMNET_DATA_DIR, 'access-token'), 'utf8').trim()
      expect(fresh).not.toBe(token)
      const old = await fetch(`${rotated.url}/api/server.status`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}'
      })
      expect(old.status).toBe(401)
    } finally {
      tmp.remove()
    }
  })
})
