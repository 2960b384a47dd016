/**
 * @module Starts the Rust llmnet's documented server for `runner: "vllm"`, `"tensorrt-llm"` and
 * `"docker"` models that name no endpoint, waits until it answers `GET /v1/models` (polling with
 * backoff, no fixed sleeps), and stops it on quit. The tool's absence is reported by prepare()
 * before anything starts.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { freePort } from '../net'
import { describeModel } from '../../../shared/config/models'
import type { ModelDefinition } from '../../../shared/config/schema'
import {
  type CommandSpec,
  containerName,
  dockerRunArgs,
  tensorrtCommand,
  type ToolName,
  vllmCommand
} from '../models/runners'

/** Which tool a runner needs, or undefined for runners llmnet serves itself. */
export function toolFor(model: ModelDefinition): ToolName | undefined {
  const runner = describeModel(model).runner
  return runner === 'vllm' || runner === 'tensorrt-llm' || runner === 'docker' ? runner : undefined
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** What a runner or an Ollama model is doing, for the status rows. */
export interface LiveState {
  state: 'stopped' | 'starting' | 'ready' | 'error'
  lastError: string | null
  lastUsed: number | null
}

export class ServerRunner {
  /** For the status rows: stopped until first used. */
  readonly live: LiveState = { state: 'stopped', lastError: null, lastUsed: null }
  private child: ChildProcess | undefined
  private starting: Promise<string> | undefined
  private container: string | undefined
  private exited = false

  constructor(
    private readonly key: string,
    private readonly model: ModelDefinition,
    private readonly env: NodeJS.ProcessEnv,
    private readonly readyTimeoutMs = 15 * 60_000
  ) {}

  /** Starts the server once (joined) and resolves with its `/v1` base URL when it answers. */
  start(): Promise<string> {
    this.live.lastUsed = Date.now()
    if (this.starting) return this.starting
    this.live.state = 'starting'
    this.starting = this.launch().then(
      (url) => {
        Object.assign(this.live, { state: 'ready', lastError: null })
        return url
      },
      (err: unknown) => {
        this.starting = undefined
        Object.assign(this.live, { state: 'error', lastError: (err as Error).message })
        throw err
      }
    )
    return this.starting
  }

  private async launch(): Promise<string> {
    const info = describeModel(this.model)
    const parameters = 'parameters' in this.model ? this.model.parameters : undefined
    const docker = 'docker' in this.model ? this.model.docker : undefined
    const port = docker?.port ?? (await freePort())
    const baseUrl = `http://127.0.0.1:${port}/v1`
    let spec: CommandSpec
    if (info.runner === 'docker') {
      if (!docker)
        throw new Error(
          `model "${this.key}" uses runner docker but has no "docker" block (image or dockerfile)`
        )
      this.container = docker.name ?? containerName(this.key)
      spec = {
        command: 'docker',
        args: dockerRunArgs({
          modelName: this.key,
          source: info.source,
          docker,
          parameters,
          port,
          env: this.env
        }),
        env: {}
      }
    } else if (info.runner === 'tensorrt-llm') {
      spec = tensorrtCommand({
        source: info.source ?? '',
        port,
        parameters,
        env: this.env,
        apiKey: info.apiKey
      })
    } else {
      spec = vllmCommand({ source: info.source ?? '', port, parameters, env: this.env })
    }
    this.exited = false
    const child = spawn(spec.command, spec.args, {
      env: { ...this.env, ...spec.env },
      stdio: ['ignore', 'ignore', 'pipe']
    })
    this.child = child
    let stderr = ''
    child.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-2000)
    })
    const exit = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => {
        this.exited = true
        resolve(code)
      })
      child.once('error', () => {
        this.exited = true
        resolve(null)
      })
    })
    // `docker run -d` exits once the container started; a python server keeps running.
    const detached = info.runner === 'docker' && (docker?.detached ?? true)
    const deadline = Date.now() + this.readyTimeoutMs
    let delay = 250
    for (;;) {
      if (await this.answers(baseUrl)) return baseUrl
      if (this.exited && !detached) {
        const code = await exit
        throw new Error(
          `${spec.command} exited (code ${code}) before serving: ${stderr.trim().split('\n').slice(-3).join(' | ')}`
        )
      }
      if (detached && this.exited && (await exit) !== 0) {
        throw new Error(`docker run failed: ${stderr.trim().split('\n').slice(-3).join(' | ')}`)
      }
      if (Date.now() > deadline) {
        await this.stop()
        throw new Error(
          `${this.key} did not answer at ${baseUrl} within ${Math.round(this.readyTimeoutMs / 1000)} s`
        )
      }
      await sleep(delay)
      delay = Math.min(delay * 2, 2000)
    }
  }

  private async answers(baseUrl: string): Promise<boolean> {
    try {
      const res = await fetch(`${baseUrl}/models`, { signal: AbortSignal.timeout(2000) })
      return res.ok
    } catch {
      return false
    }
  }

  /** Stops the server: SIGTERM, then SIGKILL; a container is stopped and removed. */
  async stop(): Promise<void> {
    this.starting = undefined
    if (this.live.state !== 'error') this.live.state = 'stopped'
    const child = this.child
    this.child = undefined
    if (child && !this.exited) {
      child.kill('SIGTERM')
      const gone = await Promise.race([
        new Promise<boolean>((r) => child.once('exit', () => r(true))),
        sleep(5000).then(() => false)
      ])
      if (!gone) child.kill('SIGKILL')
    }
    if (this.container) {
      const name = this.container
      await new Promise<void>((r) =>
        execFile('docker', ['stop', name], () => execFile('docker', ['rm', '-f', name], () => r()))
      )
    }
  }
}
