/**
 * The cluster verbs on a context of kind `kubernetes`, run in-process through the real CLI
 * program and @kubernetes/client-node against FakeKube, a test double of the API server on a
 * real port. No cluster runs here: what a real API server would add (admission, controllers,
 * RBAC) is not checked.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProgram } from '../src/main/cli/program'
import type { CliIO } from '../src/main/cli/io'
import { FakeKube } from './support/fake-kube'

const COMPOSITION = {
  models: {
    router: { runner: 'vllm', source: 'Qwen/Qwen2.5-0.5B-Instruct', docker: { gpus: '1' } },
    key: { type: 'external', url: 'https://api.example.com/v1', 'api-key': '$EXAMPLE_KEY' }
  },
  architecture: [
    { name: 'router', layer: 0, model: 'router', adapter: 'openai-api', 'output-to': ['output'] },
    { name: 'output', adapter: 'output' }
  ]
}

let kube: FakeKube
let dir: string
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  kube = new FakeKube()
  await kube.start()
  dir = await mkdtemp(join(tmpdir(), 'llmnet-kube-'))
  await writeFile(join(dir, 'kubeconfig'), kube.kubeconfig('team'))
  await writeFile(join(dir, 'helpdesk.json'), JSON.stringify(COMPOSITION))
  env = {
    KUBECONFIG: join(dir, 'kubeconfig'),
    LLMNET_CONFIG: join(dir, 'llmnet-config'),
    HOME: dir,
    EXAMPLE_KEY: 'sk-example-value',
    LLMNET_API_KEY: 'pod-key-value'
  }
})
afterAll(async () => {
  await kube.stop()
  await rm(dir, { recursive: true, force: true })
})

/** Runs `llmnet …args` in-process; `until` stands in for Ctrl-C (logs -f). */
async function cli(
  args: string[],
  until: () => Promise<string> = () => new Promise(() => undefined),
  onOut: (out: string) => void = () => undefined
): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  let code = 0
  const io: CliIO = {
    stdout: {
      write: (s: string) => {
        out += s
        onOut(out)
      }
    },
    stderr: { write: (s: string) => (err += s) },
    env,
    cwd: dir
  }
  const program = buildProgram(io, (c) => (code = c), until)
  await program.parseAsync(args, { from: 'user' })
  return { code, out, err }
}

describe('llmnet on a kubernetes context', () => {
  it('adds the context from the kubeconfig and uses it', async () => {
    expect(
      (await cli(['context', 'add', 'k8s', '--kubernetes', '--kube-context', 'fake-ctx'])).code
    ).toBe(0)
    expect((await cli(['context', 'use', 'k8s'])).code).toBe(0)
    const list = await cli(['context', 'list'])
    expect(list.out).toMatch(/\*\s+k8s\s+kubernetes: fake-ctx/)
  })

  it('deploy applies every object with server-side apply and creates the Secret on request', async () => {
    const r = await cli(['deploy', join(dir, 'helpdesk.json'), '--create-secrets'])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    const applies = kube.requests.filter((q) => q.method === 'PATCH')
    expect(applies.length).toBeGreaterThanOrEqual(7)
    for (const a of applies) {
      expect(a.contentType).toBe('application/apply-patch+yaml')
      expect(a.query.get('fieldManager')).toBe('llmnet')
      expect(a.query.get('force')).toBe('true')
    }
    expect(applies.map((a) => a.path)).toEqual([
      '/api/v1/namespaces/team/secrets/llmnet-helpdesk-secrets',
      '/api/v1/namespaces/team/configmaps/llmnet-helpdesk',
      '/apis/apps/v1/namespaces/team/deployments/llmnet-helpdesk-router',
      '/api/v1/namespaces/team/services/llmnet-helpdesk-router',
      '/apis/apps/v1/namespaces/team/deployments/llmnet-helpdesk',
      '/api/v1/namespaces/team/services/llmnet-helpdesk',
      '/apis/autoscaling/v2/namespaces/team/horizontalpodautoscalers/llmnet-helpdesk'
    ])
    const secret = kube.objects('Secret')[0]
    expect(secret?.stringData).toEqual({
      EXAMPLE_KEY: 'sk-example-value',
      LLMNET_API_KEY: 'pod-key-value'
    })
    const cm = JSON.stringify(kube.objects('ConfigMap')[0])
    expect(cm).not.toContain('sk-example-value')
    expect(cm).toContain('http://llmnet-helpdesk-router:8000')
    expect(r.out).toContain('deployment/llmnet-helpdesk serverside-applied')
  })

  it('get pipelines and get pods read the cluster', async () => {
    const pipelines = await cli(['get', 'pipelines'])
    expect(pipelines.out).toMatch(/helpdesk\s+team\s+1\s+1\/1\s+1\s+llmnet-helpdesk/)
    const pods = await cli(['get', 'pods', '-o', 'json'])
    const names = (JSON.parse(pods.out) as { metadata: { name: string } }[]).map(
      (p) => p.metadata.name
    )
    expect(names.sort()).toEqual(['llmnet-helpdesk-7d9f-0', 'llmnet-helpdesk-router-7d9f-0'])
  })

  it('scale patches the Deployment scale subresource', async () => {
    const r = await cli(['scale', 'helpdesk', '--replicas', '3'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('deployment.apps/llmnet-helpdesk scaled to 3')
    expect(r.err).toContain('HPA llmnet-helpdesk keeps replicas between 1 and 5')
    const patch = kube.requests.findLast((q) => q.path.endsWith('/scale'))
    expect(patch?.contentType).toBe('application/json-patch+json')
    expect(patch?.body).toEqual([{ op: 'replace', path: '/spec/replicas', value: 3 }])
    const d = kube.objects('Deployment').find((o) => o.metadata.name === 'llmnet-helpdesk')
    expect(d?.spec?.replicas).toBe(3)
    const status = JSON.parse((await cli(['status', '-o', 'json'])).out) as Record<string, unknown>
    expect(status).toMatchObject({ namespace: 'team', pipelines: 1, replicas: 3, modelServers: 1 })
    expect(status.server).toBe(kube.url)
  })

  it('scale of a pipeline that is not there fails with the API message', async () => {
    const r = await cli(['scale', 'nothere', '--replicas', '2'])
    expect(r.code).toBe(1)
    expect(r.err).toContain('deployments.apps "llmnet-nothere" not found')
  })

  it('logs prints the pods’ logs, and -f follows until interrupted', async () => {
    kube.log('llmnet-helpdesk-7d9f-0', '{"event":"server.ready"}')
    const once = await cli(['logs', 'helpdesk', '--tail', '10'])
    expect(once.out).toContain('[llmnet-helpdesk-7d9f-0] {"event":"server.ready"}')
    let interrupt: (s: string) => void = () => undefined
    const line = '[llmnet-helpdesk-7d9f-2] {"event":"trace","msg":"later"}'
    // Ctrl-C once the line written after the stream opened has come through.
    const following = cli(
      ['logs', 'helpdesk', '-f'],
      () => new Promise((r) => (interrupt = r)),
      (out) => {
        if (out.includes(line)) interrupt('SIGINT')
      }
    )
    await kube.followed('llmnet-helpdesk-7d9f-2')
    kube.log('llmnet-helpdesk-7d9f-2', '{"event":"trace","msg":"later"}')
    const r = await following
    expect(r.code).toBe(0)
    expect(r.out).toContain(line)
    expect(
      kube.requests.filter((q) => q.path.endsWith('/log') && q.query.get('follow') === 'true')
    ).toHaveLength(3)
  })

  it('delete pipeline removes every labelled object, then reports not found', async () => {
    const r = await cli(['delete', 'pipeline', 'helpdesk'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('horizontalpodautoscaler/llmnet-helpdesk deleted')
    expect(r.out).toContain('deployment/llmnet-helpdesk-router deleted')
    expect(r.out).toContain('secret/llmnet-helpdesk-secrets deleted')
    expect(kube.objects().filter((o) => o.kind !== 'Pod')).toEqual([])
    const again = await cli(['delete', 'pipeline', 'helpdesk'])
    expect(again.code).toBe(1)
    expect(again.err).toContain('pipeline "helpdesk" not found in namespace team')
  })

  it('without --create-secrets it prints the kubectl command and writes no Secret', async () => {
    const r = await cli(['deploy', join(dir, 'helpdesk.json'), '--name', 'desk2'])
    expect(r.code).toBe(0)
    expect(r.err).toContain('kubectl -n team create secret generic llmnet-desk2-secrets')
    expect(r.err).toContain('--from-literal=EXAMPLE_KEY="$EXAMPLE_KEY"')
    expect(kube.objects('Secret')).toEqual([])
  })

  it('scale needs a kubernetes context; a bad -o is a usage error', async () => {
    const r = await cli(['scale', 'helpdesk', '--replicas', '2', '--context', 'local'])
    expect(r.code).toBe(2)
    expect(r.err).toContain('scale needs a Kubernetes context')
    const o = await cli(['get', 'pods', '-o', 'yaml'])
    expect(o.code).toBe(2)
    expect(o.err).toContain('-o must be "table" or "json", got "yaml"')
  })

  it('a kubeconfig without the named context is a clear error', async () => {
    await cli(['context', 'add', 'bad', '--kubernetes', '--kube-context', 'nope'])
    const r = await cli(['get', 'pods', '--context', 'bad'])
    expect(r.code).toBe(3)
    expect(r.err).toContain('has no context "nope"')
  })
})
