/**
 * The runtime in a pod: `GET /ready` (503 until the pipelines are loaded and their local models
 * can answer), a ConfigMap volume update (kubelet's atomic `..data` symlink swap) reloading the
 * pipeline, and `llmnet serve --stateless` as a real child process: JSON log lines and traces on
 * stdout, nothing written to the data folder, no control API.
 */
import { mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRuntime } from '../src/main/runtime'
import { llmnet } from './support/cli-process'
import { type FakeUpstream, startFakeUpstream } from './support/fake-openai'

let dir: string
let upstream: FakeUpstream

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmnet-pod-'))
  upstream = await startFakeUpstream()
})
afterAll(async () => {
  await upstream.close()
  await rm(dir, { recursive: true, force: true })
})

/** A 1-0-1 pipeline on the fake upstream, with `extra` more answering nodes. */
function composition(description: string): string {
  return JSON.stringify({
    description,
    models: { m: { type: 'external', url: `${upstream.url}/v1`, name: 'fake-model' } },
    architecture: [
      { name: 'assistant', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      { name: 'output', adapter: 'output' }
    ]
  })
}

/**
 * A ConfigMap volume exactly as kubelet writes it: the files live in a timestamped folder,
 * `..data` links to that folder and each file is a link through `..data`. `update` writes a new
 * timestamped folder and renames a new link over `..data` (atomic), then removes the old folder.
 */
async function configMapVolume(
  root: string,
  files: Record<string, string>
): Promise<(next: Record<string, string>) => Promise<void>> {
  await mkdir(root, { recursive: true })
  let n = 1
  const stamp = (): string => `..2026_11_30_10_00_0${n}.00000000${n}`
  const writeStamp = async (content: Record<string, string>): Promise<string> => {
    const d = join(root, stamp())
    await mkdir(d)
    for (const [f, text] of Object.entries(content)) await writeFile(join(d, f), text)
    return stamp()
  }
  await symlink(await writeStamp(files), join(root, '..data'))
  for (const f of Object.keys(files)) await symlink(join('..data', f), join(root, f))
  return async (next) => {
    const old = stamp()
    n++
    const fresh = await writeStamp(next)
    await symlink(fresh, join(root, '..data_tmp'))
    await rename(join(root, '..data_tmp'), join(root, '..data'))
    await rm(join(root, old), { recursive: true })
  }
}

describe('GET /ready', () => {
  it('503 until the pipelines are loaded (markReady), 200 after; /health answers throughout', async () => {
    const runtime = createRuntime({ env: {}, dataDir: join(dir, 'data-ready'), startUnready: true })
    const server = await runtime.listen(0)
    try {
      const before = await fetch(`${server.url}/ready`)
      expect(before.status).toBe(503)
      expect(await before.json()).toEqual({
        status: 'not_ready',
        reasons: ['the pipelines are loading']
      })
      expect((await fetch(`${server.url}/health`)).status).toBe(200)
      const file = join(dir, 'ready.json')
      await writeFile(file, composition('ready'))
      expect((await runtime.pipelineService.loadFile(file)).ok).toBe(true)
      runtime.markReady()
      const after = await fetch(`${server.url}/ready`)
      expect(after.status).toBe(200)
      expect(await after.json()).toEqual({ status: 'ready', reasons: [] })
    } finally {
      await runtime.stop({ graceMs: 0 })
    }
  })

  it('503 naming the model while a pipeline waits for a local model file', async () => {
    const runtime = createRuntime({ env: {}, dataDir: join(dir, 'data-missing') })
    const file = join(dir, 'local.json')
    await writeFile(
      file,
      JSON.stringify({
        models: { m: { runner: 'llama-cpp', source: 'hf://org/repo/missing-model.gguf' } },
        architecture: [
          { name: 'a', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
          { name: 'output', adapter: 'output' }
        ]
      })
    )
    await runtime.pipelineService.loadFile(file)
    const p = runtime.pipelines.get('local')
    if (!p) throw new Error('not loaded')
    await runtime.models.prepare(p)
    const server = await runtime.listen(0)
    try {
      const res = await fetch(`${server.url}/ready`)
      expect(res.status).toBe(503)
      const body = (await res.json()) as { reasons: string[] }
      expect(body.reasons.join('\n')).toMatch(/^local: .*missing-model\.gguf/)
    } finally {
      await runtime.stop({ graceMs: 0 })
    }
  })

  it('needs no API key (probes carry none) while /v1 still does', async () => {
    const runtime = createRuntime({
      env: {},
      dataDir: join(dir, 'data-key'),
      server: { apiKey: 'k-123456' }
    })
    const server = await runtime.listen(0)
    try {
      expect((await fetch(`${server.url}/ready`)).status).toBe(503) // no pipeline loaded
      expect((await fetch(`${server.url}/v1/models`)).status).toBe(401)
    } finally {
      await runtime.stop({ graceMs: 0 })
    }
  })
})

describe('a ConfigMap volume update', () => {
  it('reloads the pipeline when kubelet swaps ..data (the file names never change)', async () => {
    const root = join(dir, 'configmap')
    const update = await configMapVolume(root, { 'helpdesk.json': composition('first') })
    const runtime = createRuntime({ env: {}, dataDir: join(dir, 'data-cm') })
    const file = join(root, 'helpdesk.json')
    try {
      expect((await runtime.pipelineService.loadFile(file)).ok).toBe(true)
      runtime.pipelineService.watch([file], 20)
      const reloaded = new Promise<string>((resolve) =>
        runtime.events.on('pipeline.loaded', (e) => {
          if (e.reloaded) resolve(e.id)
        })
      )
      await update({ 'helpdesk.json': composition('second') })
      expect(await reloaded).toBe('helpdesk')
      expect(runtime.pipelines.get('helpdesk')?.composition.description).toBe('second')
      expect((await readdir(root)).sort()).toEqual([
        '..2026_11_30_10_00_02.000000002',
        '..data',
        'helpdesk.json'
      ])
    } finally {
      await runtime.stop({ graceMs: 0 })
    }
  })
})

describe('llmnet serve --stateless', () => {
  it('serves the mounted folder, logs JSON lines and traces on stdout, writes no data folder', async () => {
    const root = join(dir, 'mounted')
    const update = await configMapVolume(root, { 'desk.json': composition('v1') })
    const dataDir = join(dir, 'stateless-data')
    const home = join(dir, 'home')
    const p = llmnet(
      [
        'serve',
        '--stateless',
        '--pipelines',
        root,
        '--port',
        '0',
        '--log-format',
        'json',
        '--api-key',
        'pod-key-1234'
      ],
      { HOME: home, LLMNET_DATA_DIR: dataDir }
    )
    try {
      await p.waitFor('stdout', /"event":"server.ready"/)
      const url = JSON.parse(
        p
          .stdout()
          .split('\n')
          .find((l) => l.includes('"server.listening"')) ?? '{}'
      ).url as string
      for (const line of p.stdout().trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow()
      expect((await fetch(`${url}/ready`)).status).toBe(200)
      const chat = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer pod-key-1234' },
        body: JSON.stringify({ model: 'desk', messages: [{ role: 'user', content: 'hello pod' }] })
      })
      expect(chat.status).toBe(200)
      const trace = JSON.parse((await p.waitFor('stdout', /^.*"event":"trace".*$/m))[0]) as {
        level: string
        trace: { pipeline: string; route: string[] }
      }
      expect(trace.trace.pipeline).toBe('desk')
      expect(trace.trace.route).toContain('assistant')
      // No control API in a replica.
      expect((await fetch(`${url}/api/server.status`, { method: 'POST' })).status).toBe(404)
      await update({ 'desk.json': composition('v2') })
      await p.waitFor('stdout', /"event":"pipeline.reloaded"/)
      p.child.kill('SIGTERM')
      expect(await p.exited).toBe(0)
      expect(p.stdout()).toMatch(/"event":"server.stopping".*"signal":"SIGTERM"/)
      // Nothing written: no data folder, no home folder state.
      await expect(readdir(dataDir)).rejects.toThrow(/ENOENT/)
      await expect(readdir(home)).rejects.toThrow(/ENOENT/)
    } finally {
      p.child.kill('SIGKILL')
    }
  })

  it('refuses --ui, needs --pipelines, and names a bad --log-format', async () => {
    const p = llmnet(['serve', '--stateless', '--ui'], { HOME: join(dir, 'h2') })
    expect(await p.exited).toBe(2)
    expect(p.stderr()).toContain('usage: llmnet serve --stateless --pipelines DIR')
    const q = llmnet(['serve', '--log-format', 'xml'], { HOME: join(dir, 'h3') })
    expect(await q.exited).toBe(2)
    expect(q.stderr()).toContain('--log-format must be "text" or "json", got "xml"')
  })
})
