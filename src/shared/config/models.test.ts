/** Tests of how model definitions map to a runner, a base URL and the model id sent upstream. */
import { describe, expect, it } from 'vitest'
import { describeModel, normaliseBaseUrl, upstreamModelName } from './models'
import type { ArchitectureNode, ModelDefinition } from './schema'

describe('normaliseBaseUrl: with or without /v1, the result ends in exactly one /v1', () => {
  it.each([
    ['no /v1 (the Rust llmnet convention)', 'http://localhost:8000', 'http://localhost:8000/v1'],
    ['a trailing slash', 'http://localhost:8000/', 'http://localhost:8000/v1'],
    ['several trailing slashes', 'http://localhost:8000///', 'http://localhost:8000/v1'],
    [
      '/v1 already (the docs convention; catches /v1/v1)',
      'http://localhost:8000/v1',
      'http://localhost:8000/v1'
    ],
    ['/v1/ with a trailing slash', 'http://localhost:8000/v1/', 'http://localhost:8000/v1'],
    ['a path prefix (OpenRouter)', 'https://openrouter.ai/api', 'https://openrouter.ai/api/v1'],
    [
      'a path prefix that already has /v1',
      'https://openrouter.ai/api/v1',
      'https://openrouter.ai/api/v1'
    ],
    ['surrounding whitespace', '  http://localhost:11434  ', 'http://localhost:11434/v1'],
    ['an upper-case /V1 is kept as is', 'http://host/V1', 'http://host/V1'],
    [
      'a path that merely contains v1 elsewhere',
      'http://v1.example.com/api',
      'http://v1.example.com/api/v1'
    ],
    [
      'a path ending in /v10 is not /v1 (catches a prefix match)',
      'http://host/v10',
      'http://host/v10/v1'
    ]
  ])('%s: %s → %s', (_name, input, expected) => {
    expect(normaliseBaseUrl(input)).toBe(expected)
  })
})

const node = (extra: Partial<ArchitectureNode> = {}): ArchitectureNode => ({
  name: 'handler',
  adapter: 'openai-api',
  ...extra
})

describe('upstreamModelName precedence: model_override > model name > model source > node name', () => {
  it.each<
    [name: string, n: ArchitectureNode, model: ModelDefinition | undefined, expected: string]
  >([
    [
      'model_override wins over everything',
      node({ 'extra-options': { model_override: 'google/gemma-3-27b-it:free' } }),
      { runner: 'vllm', source: 'Qwen/Qwen2.5', name: 'served' },
      'google/gemma-3-27b-it:free'
    ],
    [
      'model_override wins over a legacy external model',
      node({ 'extra-options': { model_override: 'qwen/qwen3-coder:free' } }),
      { type: 'external', url: 'https://openrouter.ai/api' },
      'qwen/qwen3-coder:free'
    ],
    [
      'an empty model_override is ignored (catches sending "")',
      node({ 'extra-options': { model_override: '' } }),
      { runner: 'ollama', source: 'qwen2.5:0.5b' },
      'qwen2.5:0.5b'
    ],
    [
      'the model name wins over its source',
      node(),
      { runner: 'vllm', source: 'Qwen/Qwen2.5', name: 'served' },
      'served'
    ],
    [
      'a legacy external model name',
      node(),
      { type: 'external', url: 'http://x', name: 'gpt-x' },
      'gpt-x'
    ],
    [
      'the model source when there is no name',
      node(),
      { runner: 'ollama', source: 'qwen2.5:0.5b' },
      'qwen2.5:0.5b'
    ],
    [
      'the node name for a legacy external model without a name (the Rust llmnet)',
      node(),
      { type: 'external', url: 'http://x' },
      'handler'
    ],
    [
      'the node name for a legacy docker model',
      node(),
      { type: 'docker', image: 'img' },
      'handler'
    ],
    ['the node name when the node has no model', node(), undefined, 'handler'],
    [
      'other extra-options do not count as an override',
      node({ 'extra-options': { UseHeaderKeys: ['X'] } }),
      undefined,
      'handler'
    ]
  ])('%s', (_name, n, model, expected) => {
    expect(upstreamModelName(n, model)).toBe(expected)
  })
})

describe('describeModel: legacy models', () => {
  it.each<[name: string, model: ModelDefinition, expected: ReturnType<typeof describeModel>]>([
    [
      'legacy external: url normalised to /v1, no api-key for null',
      { type: 'external', interface: 'openai-api', url: 'http://localhost:11434', 'api-key': null },
      { runner: 'external', baseUrl: 'http://localhost:11434/v1', apiKey: undefined }
    ],
    [
      'legacy external with an api-key',
      { type: 'external', url: 'https://openrouter.ai/api', 'api-key': '$OPENROUTER_API_KEY_FREE' },
      {
        runner: 'external',
        baseUrl: 'https://openrouter.ai/api/v1',
        apiKey: '$OPENROUTER_API_KEY_FREE'
      }
    ],
    [
      'legacy external without a url has no base URL',
      { type: 'external' },
      { runner: 'external', baseUrl: undefined, apiKey: undefined }
    ],
    [
      'legacy docker: the image is the source',
      { type: 'docker', image: 'vllm/vllm-openai:latest' },
      { runner: 'docker', source: 'vllm/vllm-openai:latest' }
    ],
    [
      'legacy huggingface with runner vllm: url becomes source',
      { type: 'huggingface', url: 'Qwen/Qwen2.5-0.5B', runner: 'vllm' },
      { runner: 'vllm', source: 'Qwen/Qwen2.5-0.5B' }
    ],
    [
      'legacy huggingface runner llamacpp → llama-cpp',
      { type: 'huggingface', url: 'x.gguf', runner: 'llamacpp' },
      { runner: 'llama-cpp', source: 'x.gguf' }
    ],
    [
      'legacy huggingface runner tensorrt_llm → tensorrt-llm',
      { type: 'huggingface', url: 'r', runner: 'tensorrt_llm' },
      { runner: 'tensorrt-llm', source: 'r' }
    ],
    [
      'legacy huggingface runner is case-insensitive',
      { type: 'huggingface', url: 'r', runner: 'Ollama' },
      { runner: 'ollama', source: 'r' }
    ],
    [
      'legacy huggingface unknown runner → external (as the Rust llmnet)',
      { type: 'huggingface', url: 'r', runner: 'mystery' },
      { runner: 'external', source: 'r' }
    ]
  ])('%s', (_name, model, expected) => {
    expect(describeModel(model)).toEqual(expected)
  })
})

describe('describeModel: unified models', () => {
  it.each<
    [name: string, model: ModelDefinition, expected: Partial<ReturnType<typeof describeModel>>]
  >([
    [
      'no runner means external',
      { endpoint: 'http://localhost:8000' },
      { runner: 'external', baseUrl: 'http://localhost:8000/v1' }
    ],
    [
      'external with an endpoint already ending in /v1/',
      { runner: 'external', endpoint: 'http://localhost:8000/v1/' },
      { runner: 'external', baseUrl: 'http://localhost:8000/v1' }
    ],
    [
      'url is a synonym of endpoint',
      { runner: 'external', url: 'http://localhost:8001' },
      { baseUrl: 'http://localhost:8001/v1' }
    ],
    [
      'endpoint wins over url',
      { runner: 'external', endpoint: 'http://a:1', url: 'http://b:2' },
      { baseUrl: 'http://a:1/v1' }
    ],
    [
      'external without an endpoint has no base URL (catches inventing one)',
      { runner: 'external' },
      { runner: 'external', baseUrl: undefined }
    ],
    [
      'ollama defaults to port 11434',
      { runner: 'ollama', source: 'qwen2.5:0.5b' },
      { runner: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1', source: 'qwen2.5:0.5b' }
    ],
    [
      'vllm defaults to port 8000',
      { runner: 'vllm', source: 'Qwen/Qwen2.5' },
      { runner: 'vllm', baseUrl: 'http://127.0.0.1:8000/v1' }
    ],
    [
      'tensorrt-llm defaults to port 8000, api-key kept',
      { runner: 'tensorrt-llm', source: 'nvidia/x', 'api-key': 'hf_x' },
      { runner: 'tensorrt-llm', baseUrl: 'http://127.0.0.1:8000/v1', apiKey: 'hf_x' }
    ],
    [
      'an explicit endpoint wins over the default port',
      { runner: 'ollama', endpoint: 'http://gpu-box:11434' },
      { baseUrl: 'http://gpu-box:11434/v1' }
    ],
    [
      'docker uses docker.port',
      { runner: 'docker', source: 'RESMP-DEV/Qwen3', docker: { image: 'i', port: 8090 } },
      { runner: 'docker', baseUrl: 'http://127.0.0.1:8090/v1', source: 'RESMP-DEV/Qwen3' }
    ],
    [
      'docker.port overrides the runner default',
      { runner: 'vllm', source: 's', docker: { port: 9000 } },
      { baseUrl: 'http://127.0.0.1:9000/v1' }
    ],
    [
      'docker without a port has no base URL',
      { runner: 'docker', docker: { image: 'i' } },
      { runner: 'docker', baseUrl: undefined }
    ],
    [
      '"type" naming a runner (original docs)',
      { type: 'ollama', source: 'llama3.2:1b' },
      { runner: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1' }
    ],
    [
      'runner wins over type',
      { type: 'ollama', runner: 'vllm', source: 's' },
      { runner: 'vllm', baseUrl: 'http://127.0.0.1:8000/v1' }
    ],
    [
      'llama-cpp keeps its source',
      { runner: 'llama-cpp', source: 'hf://org/repo/file.gguf' },
      { runner: 'llama-cpp', source: 'hf://org/repo/file.gguf' }
    ],
    [
      'a null api-key becomes undefined',
      { runner: 'external', endpoint: 'http://x', 'api-key': null },
      { apiKey: undefined }
    ]
  ])('%s', (_name, model, expected) => {
    expect(describeModel(model)).toMatchObject(expected)
  })
})
