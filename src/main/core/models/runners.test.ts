import { describe, expect, it } from 'vitest'
import {
  checkTool,
  dockerBuildArgs,
  dockerRunArgs,
  type ExecFn,
  expandVars,
  extraArgsString,
  tensorrtCommand,
  vllmCommand
} from './runners'

describe('vLLM command', () => {
  it('builds the OpenAI server command with --kebab-key parameters, bare true flags, and drops false/arrays/objects', () => {
    const cmd = vllmCommand({
      source: 'Qwen/Qwen2.5-0.5B-Instruct',
      port: 8000,
      parameters: {
        max_model_len: 4096,
        gpu_memory_utilization: 0.8,
        enforce_eager: true,
        trust_remote_code: false,
        tags: ['a'],
        cfg: { x: 1 },
        dtype: 'half'
      },
      env: { HF_TOKEN: 'hf_x', OTHER: 'y' }
    })
    expect(cmd.command).toBe('python3')
    expect(cmd.args).toEqual([
      '-m',
      'vllm.entrypoints.openai.api_server',
      '--model',
      'Qwen/Qwen2.5-0.5B-Instruct',
      '--host',
      '127.0.0.1',
      '--port',
      '8000',
      '--max-model-len',
      '4096',
      '--gpu-memory-utilization',
      '0.8',
      '--enforce-eager',
      '--dtype',
      'half'
    ])
    expect(cmd.env).toEqual({ HF_TOKEN: 'hf_x', TOKENIZERS_PARALLELISM: 'false' })
  })
})

describe('TensorRT-LLM command', () => {
  it('runs tensorrt_llm.serve with parameters and passes the model api-key as HF_TOKEN', () => {
    const cmd = tensorrtCommand({
      source: 'nvidia/Llama-3.1-8B-Instruct-FP8',
      port: 8001,
      host: '0.0.0.0',
      parameters: { max_batch_size: 4 },
      apiKey: 'hf_key',
      python: '/opt/py',
      env: {}
    })
    expect(cmd).toEqual({
      command: '/opt/py',
      args: [
        '-m',
        'tensorrt_llm.serve',
        '--model',
        'nvidia/Llama-3.1-8B-Instruct-FP8',
        '--host',
        '0.0.0.0',
        '--port',
        '8001',
        '--max-batch-size',
        '4'
      ],
      env: { HF_TOKEN: 'hf_key', TRT_LLM_LOG_LEVEL: 'WARNING', TOKENIZERS_PARALLELISM: 'false' }
    })
  })
})

describe('docker run arguments', () => {
  const env = { HOME_CACHE: '/cache', TOKEN: 'abc' }
  it('follows the Rust llmnet order with env/volume expansion, parameters, VLLM_EXTRA_ARGS and `<image> serve`', () => {
    const args = dockerRunArgs({
      modelName: 'Qwen Next',
      source: 'RESMP-DEV/Qwen3-Next-80B-A3B-Instruct-NVFP4',
      parameters: { gpu_memory_utilization: 0.9, max_model_len: 8192, none: null },
      docker: {
        image: 'avarok/vllm-dgx-spark:v14',
        gpus: 'all',
        ipc: 'host',
        shm_size: '16g',
        restart: 'unless-stopped',
        port: 8090,
        volumes: [
          '~/.cache/huggingface:/root/.cache/huggingface',
          '${HOME_CACHE}/x:/x',
          '${UNSET}/y:/y'
        ],
        env: { HF_HOME: '/root/.cache/huggingface', TOKEN: '${TOKEN}' },
        extra_args: {
          '--max-num-seqs': 8,
          enable_prefix_caching: true,
          '--lora': ['a', 'b'],
          off: false
        }
      },
      env,
      home: '/home/me'
    })
    expect(args).toEqual([
      'run',
      '-d',
      '--name',
      'llmnet-qwen-next',
      '--network',
      'host',
      '--gpus',
      'all',
      '--ipc',
      'host',
      '--shm-size',
      '16g',
      '--restart',
      'unless-stopped',
      '-e',
      'MODEL=RESMP-DEV/Qwen3-Next-80B-A3B-Instruct-NVFP4',
      '-e',
      'PORT=8090',
      '-e',
      'GPU_MEMORY_UTIL=0.9',
      '-e',
      'MAX_MODEL_LEN=8192',
      '-e',
      'VLLM_EXTRA_ARGS=--max-num-seqs 8 --enable-prefix-caching --lora a --lora b',
      '-e',
      'HF_HOME=/root/.cache/huggingface',
      '-e',
      'TOKEN=abc',
      '-v',
      '/home/me/.cache/huggingface:/root/.cache/huggingface',
      '-v',
      '/cache/x:/x',
      '-v',
      '/y:/y',
      'avarok/vllm-dgx-spark:v14',
      'serve'
    ])
  })

  it('publishes the port on 127.0.0.1 in bridge mode, honours detached/auto_remove/name, and prefixes a registry image', () => {
    const args = dockerRunArgs({
      modelName: 'm',
      docker: {
        image: 'me/vllm:1',
        network: 'bridge',
        detached: false,
        auto_remove: true,
        name: 'custom',
        registry: { url: 'https://ghcr.io/' }
      },
      port: 9000
    })
    expect(args).toEqual([
      'run',
      '--name',
      'custom',
      '--network',
      'bridge',
      '--rm',
      '-p',
      '127.0.0.1:9000:9000',
      '-e',
      'PORT=9000',
      'ghcr.io/me/vllm:1',
      'serve'
    ])
  })

  it('runs a Dockerfile build under the same tag the build used (the Rust llmnet ran a different name)', () => {
    const docker = { dockerfile: '~/images/Dockerfile', context: '${CTX}' }
    expect(
      dockerBuildArgs({ modelName: 'My Model', docker, env: { CTX: '/src' }, home: '/h' })
    ).toEqual(['build', '-f', '/h/images/Dockerfile', '-t', 'llmnet-my-model', '/src'])
    expect(dockerRunArgs({ modelName: 'My Model', docker }).slice(-2)).toEqual([
      'llmnet-my-model',
      'serve'
    ])
    expect(() => dockerRunArgs({ modelName: 'x', docker: {} })).toThrow(
      /needs "image" or "dockerfile"/
    )
  })

  it('expands ~ only at the start and ${VAR} anywhere, unset variables becoming empty', () => {
    expect(expandVars('~/a/~b/${A}-${B}', { A: '1' }, '/h')).toBe('/h/a/~b/1-')
    expect(extraArgsString({})).toBe('')
  })
})

describe('tool check', () => {
  it('says the Python module is missing, with the pip command, when `import vllm` fails', async () => {
    const exec: ExecFn = async () => ({
      code: 1,
      stdout: '',
      stderr: "Traceback (most recent call last):\nModuleNotFoundError: No module named 'vllm'\n"
    })
    const r = await checkTool('vllm', { exec })
    expect(r).toEqual({
      tool: 'vllm',
      ok: false,
      problem:
        "the Python module vllm is not installed for python3 (ModuleNotFoundError: No module named 'vllm'); install it with: python3 -m pip install vllm"
    })
  })

  it('says Python itself is missing when the interpreter cannot be started (real probe)', async () => {
    const r = await checkTool('tensorrt-llm', { python: '/nonexistent/python3' })
    expect(r.ok).toBe(false)
    expect(r.problem).toMatch(
      /^Python is not installed \(\/nonexistent\/python3: not found\); runner "tensorrt-llm" needs Python with tensorrt-llm/
    )
  })

  it('tells a missing docker CLI apart from a stopped docker daemon', async () => {
    const missing = await checkTool('docker', { docker: '/nonexistent/docker' })
    expect(missing.problem).toMatch(
      /^the docker CLI is not installed \(\/nonexistent\/docker: not found\)/
    )

    const daemonDown: ExecFn = async (_cmd, args) =>
      args[0] === '--version'
        ? { code: 0, stdout: 'Docker version 27.1.1, build 6312585\n', stderr: '' }
        : {
            code: 1,
            stdout: '',
            stderr:
              'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n'
          }
    const down = await checkTool('docker', { exec: daemonDown })
    expect(down.ok).toBe(false)
    expect(down.problem).toMatch(
      /^the docker daemon is not reachable \(Cannot connect to the Docker daemon/
    )

    const up: ExecFn = async (_cmd, args) => ({
      code: 0,
      stdout: args[0] === 'info' ? '27.1.1\n' : 'Docker version 27.1.1\n',
      stderr: ''
    })
    expect(await checkTool('docker', { exec: up })).toEqual({
      tool: 'docker',
      ok: true,
      version: '27.1.1'
    })
  })

  it('reports the module version when it imports', async () => {
    const exec: ExecFn = async (cmd, args) => {
      expect([cmd, args[0]]).toEqual(['/venv/bin/python', '-c'])
      expect(args[1]).toContain('import vllm')
      return { code: 0, stdout: '0.6.3\n', stderr: '' }
    }
    expect(await checkTool('vllm', { python: '/venv/bin/python', exec })).toEqual({
      tool: 'vllm',
      ok: true,
      version: '0.6.3'
    })
  })
})
