import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../../../tests/support/harness'
import { compilePipeline } from '../engine/pipeline'
import { EventBus } from '../events'
import { ModelLibrary } from '../models/library'
import { defaultDataDir } from '../paths'
import { CompositionSchema } from '../../../shared/config/schema'
import { llamaParams, LocalModelManager } from './manager'
import { pullCommand } from './missing-models'

describe('llamaParams', () => {
  it.each([
    [{ n_ctx: 2048 }, { contextSize: 2048 }],
    [{ ctx_size: '1024' }, { contextSize: 1024 }],
    [{ ngl: 20 }, { gpuLayers: 20 }],
    [{ n_gpu_layers: 'auto' }, { gpuLayers: 'auto' }],
    [{ n_threads: 4 }, { threads: 4 }],
    [{ n_batch: 256 }, { batchSize: 256 }],
    [{ fa: true }, { flashAttention: true }],
    [{ parallel: 4 }, { parallel: 4 }]
  ])('maps the Rust llmnet parameter %j (catches an alias being ignored)', (given, expected) => {
    expect(llamaParams(given)).toMatchObject(expected)
  })

  it('defaults to two sequences so a model that routes and answers keeps the router prefix (catches eviction by answers)', () => {
    expect(llamaParams(undefined).parallel).toBe(2)
  })
})

describe('pullCommand', () => {
  it('names the catalog entry when the source is a catalog URL, else the source (catches an unusable hint)', () => {
    expect(
      pullCommand('hf://Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf')
    ).toBe('llmnet models pull qwen2.5-0.5b-instruct')
    expect(pullCommand('https://example.test/x.gguf')).toBe(
      'llmnet models pull https://example.test/x.gguf'
    )
  })
})

describe('LocalModelManager.providerFor', () => {
  const manager = new LocalModelManager({
    library: new ModelLibrary({ dataDir: '/tmp/llmnet-none', env: {} }),
    events: new EventBus(),
    ollama: () => {
      throw new Error('not used')
    }
  })
  const pipeline = (models: Record<string, unknown>) =>
    compilePipeline(
      'p',
      CompositionSchema.parse({
        models,
        architecture: [
          { name: 'chat', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
          { name: 'output', adapter: 'output' }
        ]
      }),
      { path: '/tmp/p.json', baseDir: '/tmp' }
    )

  it('leaves models with an explicit endpoint or url to the HTTP provider (catches a configured server being ignored)', () => {
    for (const m of [
      { runner: 'llama-cpp', source: 'x.gguf', url: 'http://127.0.0.1:8081' },
      { runner: 'ollama', source: 'qwen2.5:0.5b', endpoint: 'http://127.0.0.1:11434' },
      { type: 'external', url: 'http://127.0.0.1:1234' }
    ]) {
      const p = pipeline({ m })
      expect(manager.providerFor(p, 'm', p.composition.models.m!)).toBeUndefined()
    }
  })

  it('serves llama-cpp and ollama models without an endpoint itself (catches local runners that cannot be called)', () => {
    const llama = pipeline({ m: { runner: 'llama-cpp', source: 'x.gguf' } })
    expect(manager.providerFor(llama, 'm', llama.composition.models.m!)?.id).toBe('llama-cpp:m')
    const ollama = pipeline({ m: { runner: 'ollama', source: 'qwen2.5:0.5b' } })
    expect(manager.providerFor(ollama, 'm', ollama.composition.models.m!)?.id).toBe(
      'ollama:qwen2.5:0.5b'
    )
  })
})

describe('defaultDataDir', () => {
  it('uses LLMNET_DATA_DIR, else the platform folder (catches models landing in the working directory)', () => {
    expect(defaultDataDir({ LLMNET_DATA_DIR: '/data/llmnet' }, 'linux')).toBe('/data/llmnet')
    expect(defaultDataDir({ HOME: '/home/u' }, 'linux')).toBe('/home/u/.local/share/llmnet')
    expect(defaultDataDir({ HOME: '/Users/u' }, 'darwin')).toBe(
      '/Users/u/Library/Application Support/llmnet'
    )
    expect(
      defaultDataDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming', HOME: 'C:\\Users\\u' }, 'win32')
    ).toContain('llmnet')
  })
})

describe('vLLM, TensorRT-LLM and docker runners', () => {
  it('prepare() reports a missing tool clearly instead of failing at request time (catches a cryptic spawn error)', async () => {
    const manager = new LocalModelManager({
      library: new ModelLibrary({ dataDir: '/tmp/llmnet-none', env: {} }),
      events: new EventBus(),
      checkTool: async (tool) => ({
        tool,
        ok: false,
        problem: `${tool} is not installed (python3 -c "import vllm" failed)`
      })
    })
    const p = compilePipeline(
      'p',
      CompositionSchema.parse({
        models: {
          big: { runner: 'vllm', source: 'Qwen/Qwen2.5-7B-Instruct' },
          remote: { runner: 'vllm', source: 'x', endpoint: 'http://10.0.0.2:8000' }
        },
        architecture: [
          { name: 'chat', layer: 0, model: 'big', adapter: 'openai-api', 'output-to': ['output'] },
          { name: 'output', adapter: 'output' }
        ]
      }),
      { baseDir: '/tmp' }
    )
    expect(await manager.prepare(p)).toEqual([
      'model "big" (vllm) cannot be started: vllm is not installed (python3 -c "import vllm" failed)'
    ])
    expect(manager.providerFor(p, 'big', p.composition.models.big!)?.id).toBe('runner:big')
    expect(manager.providerFor(p, 'remote', p.composition.models.remote!)).toBeUndefined()
  })
})

describe('LocalModelManager not-ready state', () => {
  it('prepare() keeps what a pipeline waits for, per pipeline, until a new check finds the model (catches /status calling a waiting pipeline ready)', async () => {
    const tmp = tempDir('llmnet-notready-')
    try {
      const manager = new LocalModelManager({
        library: new ModelLibrary({ dataDir: tmp.dir, env: {} }),
        events: new EventBus()
      })
      const compile = (id: string, source: string) =>
        compilePipeline(
          id,
          CompositionSchema.parse({
            models: { m: { runner: 'llama-cpp', source } },
            architecture: [
              {
                name: 'chat',
                layer: 0,
                model: 'm',
                adapter: 'openai-api',
                'output-to': ['output']
              },
              { name: 'output', adapter: 'output' }
            ]
          }),
          { path: path.join(tmp.dir, `${id}.json`), baseDir: tmp.dir }
        )
      const hf = compile(
        'hf',
        'hf://Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf'
      )
      const file = compile('file', 'weights.gguf')
      expect(await manager.prepare(hf)).toEqual([
        expect.stringContaining('get it with: llmnet models pull qwen2.5-0.5b-instruct')
      ])
      expect(await manager.prepare(file)).toEqual([
        `model "m": the file ${path.join(tmp.dir, 'weights.gguf')} does not exist`
      ])
      expect(manager.problems('hf')).toHaveLength(1)
      expect(manager.problems('file')).toHaveLength(1)
      expect(manager.problems('other')).toEqual([])

      writeFileSync(path.join(tmp.dir, 'weights.gguf'), 'GGUF')
      expect(await manager.prepare(file)).toEqual([])
      expect(manager.problems('file')).toEqual([])
      expect(manager.problems('hf')).toHaveLength(1)
    } finally {
      tmp.remove()
    }
  })
})
