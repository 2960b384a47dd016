/**
 * @module Command lines for the Rust llmnet's external runners: vLLM's OpenAI
 * server, `docker run` from a model's `docker` block, and TensorRT-LLM's server; plus
 * {@link checkTool}, which says clearly what is missing (the Python module, the docker CLI, or
 * the docker daemon). Pure argument building apart from that one probe.
 */
import { execFile } from 'node:child_process'
import os from 'node:os'
import type { z } from 'zod'
import type { DockerConfigSchema } from '../../../shared/config/schema'

export type DockerConfig = z.infer<typeof DockerConfigSchema>

/** A program to run, with its arguments and the environment entries to add. */
export interface CommandSpec {
  command: string
  args: string[]
  env: Record<string, string>
}

export interface ServerCommandOptions {
  /** Hugging Face repo or local path of the model. */
  source: string
  host?: string
  port: number
  /** The model's `parameters`: each becomes `--kebab-key value`. */
  parameters?: Record<string, unknown>
  /** Python interpreter (default `python3`). */
  python?: string
  /** Where HF tokens are read from (default `process.env`). */
  env?: NodeJS.ProcessEnv
}

/**
 * `--kebab-key value` per parameter: `true` becomes a bare flag; false, null, arrays and objects
 * are dropped (the Rust llmnet's rule).
 */
export function parameterFlags(parameters: Record<string, unknown> = {}): string[] {
  const out: string[] = []
  for (const [key, value] of Object.entries(parameters)) {
    const flag = `--${key.replace(/^-+/, '').replace(/_/g, '-')}`
    if (value === true) out.push(flag)
    else if (typeof value === 'string' || typeof value === 'number') out.push(flag, String(value))
  }
  return out
}

function hfTokenEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN']) {
    const v = env[k]
    if (v) out[k] = v
  }
  return out
}

/** `python -m vllm.entrypoints.openai.api_server --model SRC --host H --port P …parameters`. */
export function vllmCommand(opts: ServerCommandOptions): CommandSpec {
  return pythonServer('vllm.entrypoints.openai.api_server', opts, {
    ...hfTokenEnv(opts.env ?? process.env),
    TOKENIZERS_PARALLELISM: 'false'
  })
}

/** `python -m MODULE --model SRC --host H --port P …parameters`: how both Python runners start. */
function pythonServer(
  module: string,
  opts: ServerCommandOptions,
  env: Record<string, string>
): CommandSpec {
  return {
    command: opts.python ?? 'python3',
    args: [
      '-m',
      module,
      '--model',
      opts.source,
      '--host',
      opts.host ?? '127.0.0.1',
      '--port',
      String(opts.port),
      ...parameterFlags(opts.parameters)
    ],
    env
  }
}

/**
 * `python -m tensorrt_llm.serve --model SRC --host H --port P …parameters`, as the Rust llmnet ran it
 * (upstream also ships this as `trtllm-serve`). `apiKey` (the model's `api-key`) is the HF token.
 */
export function tensorrtCommand(opts: ServerCommandOptions & { apiKey?: string }): CommandSpec {
  const env: Record<string, string> = {
    ...hfTokenEnv(opts.env ?? process.env),
    TRT_LLM_LOG_LEVEL: 'WARNING',
    TOKENIZERS_PARALLELISM: 'false'
  }
  if (opts.apiKey) env.HF_TOKEN = opts.apiKey
  return pythonServer('tensorrt_llm.serve', opts, env)
}

/** `~` at the start becomes the home folder; `${VAR}` becomes its value (unset → empty). */
export function expandVars(
  value: string,
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir()
): string {
  const withHome =
    value === '~' ? home : value.startsWith('~/') ? `${home}${value.slice(1)}` : value
  return withHome.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => env[name] ?? '')
}

/** `llmnet-<model>` with characters docker rejects in names replaced. */
export function containerName(modelName: string): string {
  return `llmnet-${
    modelName
      .toLowerCase()
      .replace(/[^a-z0-9_.-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'model'
  }`
}

function envName(key: string): string {
  if (key === 'gpu_memory_utilization') return 'GPU_MEMORY_UTIL'
  return key.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()
}

function scalar(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined
  return typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : JSON.stringify(v)
}

/** `extra_args` as one string: `--k v`, `true` → bare flag, arrays repeat the flag. */
export function extraArgsString(extra: Record<string, unknown> = {}): string {
  const out: string[] = []
  for (const [key, value] of Object.entries(extra)) {
    const flag = key.startsWith('-') ? key : `--${key.replace(/_/g, '-')}`
    const values = Array.isArray(value) ? value : [value]
    for (const v of values) {
      if (v === true) out.push(flag)
      else if (v !== false && v !== null && v !== undefined) out.push(flag, scalar(v) ?? '')
    }
  }
  return out.join(' ')
}

export interface DockerRunOptions {
  /** The composition's model key (names the container). */
  modelName: string
  /** The model `source`, passed as `MODEL`. */
  source?: string
  docker: DockerConfig
  /** The model's `parameters`, passed as upper-cased environment variables. */
  parameters?: Record<string, unknown>
  /** Port passed as `PORT` (default `docker.port`). */
  port?: number
  env?: NodeJS.ProcessEnv
  home?: string
}

/**
 * The image a container runs: a Dockerfile build is tagged `llmnet-<model>` (see
 * {@link dockerBuildArgs}); a registry image gets the registry prefix it was pulled with. Both
 * were mismatched in the Rust llmnet.
 */
export function dockerImage(opts: Pick<DockerRunOptions, 'modelName' | 'docker'>): string {
  const d = opts.docker
  if (!d.image) {
    if (d.dockerfile) return containerName(opts.modelName)
    throw new Error(`model ${opts.modelName}: the docker block needs "image" or "dockerfile"`)
  }
  const registry = d.registry?.url?.replace(/^https?:\/\//, '').replace(/\/+$/, '')
  return registry && !d.image.startsWith(`${registry}/`) ? `${registry}/${d.image}` : d.image
}

/** `docker build -f <dockerfile> -t llmnet-<model> <context>`, as arguments after `docker`. */
export function dockerBuildArgs(
  opts: Pick<DockerRunOptions, 'modelName' | 'docker' | 'env' | 'home'>
): string[] {
  const d = opts.docker
  if (!d.dockerfile) throw new Error(`model ${opts.modelName}: no dockerfile to build`)
  const x = (s: string): string => expandVars(s, opts.env, opts.home)
  return ['build', '-f', x(d.dockerfile), '-t', containerName(opts.modelName), x(d.context ?? '.')]
}

/**
 * The `docker run` arguments (after `docker`) for a model's `docker` block, in the Rust llmnet's
 * order: `run [-d] --name N --network NET [--gpus] [--ipc] [--shm-size] [--rm]
 * [--restart]`, `-e MODEL`, `-e PORT`, `-e PARAM=v` per parameter, `-e VLLM_EXTRA_ARGS`, `-e K=V`
 * per `env` entry, `-v` per volume (both with `~` and `${VAR}` expanded), then `<image> serve`.
 * Unlike the Rust llmnet, a non-host network publishes the port on 127.0.0.1.
 */
export function dockerRunArgs(opts: DockerRunOptions): string[] {
  const d = opts.docker
  const x = (s: string): string => expandVars(s, opts.env, opts.home)
  const network = d.network ?? 'host'
  const port = opts.port ?? d.port
  const args = ['run']
  if (d.detached ?? true) args.push('-d')
  args.push('--name', d.name ?? containerName(opts.modelName), '--network', network)
  if (d.gpus) args.push('--gpus', d.gpus)
  if (d.ipc) args.push('--ipc', d.ipc)
  if (d.shm_size) args.push('--shm-size', d.shm_size)
  if (d.auto_remove) args.push('--rm')
  if (d.restart) args.push('--restart', d.restart)
  if (network !== 'host' && port) args.push('-p', `127.0.0.1:${port}:${port}`)
  if (opts.source) args.push('-e', `MODEL=${opts.source}`)
  if (port) args.push('-e', `PORT=${port}`)
  for (const [k, v] of Object.entries(opts.parameters ?? {})) {
    const s = scalar(v)
    if (s !== undefined) args.push('-e', `${envName(k)}=${s}`)
  }
  const extra = extraArgsString(d.extra_args)
  if (extra) args.push('-e', `VLLM_EXTRA_ARGS=${extra}`)
  for (const [k, v] of Object.entries(d.env ?? {})) args.push('-e', `${k}=${x(v)}`)
  for (const v of d.volumes ?? []) args.push('-v', x(v))
  args.push(dockerImage(opts), 'serve')
  return args
}

// ── the probe ───────────────────────────────────────────────────────────────────────────────────

export type ToolName = 'vllm' | 'tensorrt-llm' | 'docker'

export interface ToolCheck {
  tool: ToolName
  ok: boolean
  version?: string
  /** What is missing, in words a user can act on. */
  problem?: string
}

/** Runs a program; `code` is null when it could not be started (`error` says why). */
export type ExecFn = (
  command: string,
  args: string[]
) => Promise<{ code: number | null; stdout: string; stderr: string; error?: string }>

const defaultExec: ExecFn = (command, args) =>
  new Promise((resolve) => {
    execFile(command, args, { timeout: 15_000, windowsHide: true }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null
      if (e && typeof e.code === 'string')
        return resolve({ code: null, stdout: '', stderr: '', error: e.code })
      resolve({
        code: e ? (typeof e.code === 'number' ? e.code : 1) : 0,
        stdout: String(stdout),
        stderr: String(stderr)
      })
    })
  })

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? ''
}

/**
 * Whether a runner's tool is usable: for vLLM and TensorRT-LLM, that the Python module imports;
 * for docker, that the CLI exists and the daemon answers.
 */
export async function checkTool(
  tool: ToolName,
  opts: { python?: string; docker?: string; exec?: ExecFn } = {}
): Promise<ToolCheck> {
  const exec = opts.exec ?? defaultExec
  if (tool === 'docker') {
    const docker = opts.docker ?? 'docker'
    const cli = await exec(docker, ['--version'])
    if (cli.code === null) {
      return {
        tool,
        ok: false,
        problem: `the docker CLI is not installed (${docker}: ${cli.error === 'ENOENT' ? 'not found' : cli.error}); install Docker to use runner "docker"`
      }
    }
    const info = await exec(docker, ['info', '--format', '{{.ServerVersion}}'])
    if (info.code !== 0) {
      return {
        tool,
        ok: false,
        problem: `the docker daemon is not reachable (${lastLine(info.stderr) || 'docker info failed'}); start Docker, or check that this user may use it`
      }
    }
    return { tool, ok: true, version: info.stdout.trim() || lastLine(cli.stdout) }
  }
  const python = opts.python ?? 'python3'
  const module = tool === 'vllm' ? 'vllm' : 'tensorrt_llm'
  const pip = tool === 'vllm' ? 'vllm' : 'tensorrt-llm'
  const r = await exec(python, [
    '-c',
    `import ${module}; print(getattr(${module}, '__version__', ''))`
  ])
  if (r.code === null) {
    return {
      tool,
      ok: false,
      problem: `Python is not installed (${python}: ${r.error === 'ENOENT' ? 'not found' : r.error}); runner "${tool}" needs Python with ${pip}`
    }
  }
  if (r.code !== 0) {
    return {
      tool,
      ok: false,
      problem: `the Python module ${module} is not installed for ${python} (${lastLine(r.stderr) || `exit code ${r.code}`}); install it with: ${python} -m pip install ${pip}`
    }
  }
  return { tool, ok: true, version: r.stdout.trim() || undefined }
}
