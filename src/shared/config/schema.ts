/**
 * @module The composition format: every field the Rust llmnet accepts, plus our documented
 * additions (docs/composition.md). Objects are strict so that unknown or misspelled keys surface;
 * the validator turns those particular issues into warnings (errors under `--strict`).
 */
import { z } from 'zod'

const jsonValue: z.ZodType<unknown> = z.unknown()
const stringMap = z.record(z.string(), z.string())

/** The runners of the unified model format. */
export const RUNNERS = [
  'external',
  'ollama',
  'vllm',
  'llama-cpp',
  'docker',
  'tensorrt-llm'
] as const
export type Runner = (typeof RUNNERS)[number]

// ── models ────────────────────────────────────────────────────────────────────────────────────

export const DockerConfigSchema = z.strictObject({
  image: z.string().optional(),
  dockerfile: z.string().optional(),
  context: z.string().optional(),
  registry: z
    .strictObject({
      url: z.string().optional(),
      username: z.string().optional(),
      token: z.string().optional()
    })
    .optional(),
  name: z.string().optional(),
  network: z.string().optional(),
  gpus: z.string().optional(),
  ipc: z.string().optional(),
  shm_size: z.string().optional(),
  restart: z.string().optional(),
  volumes: z.array(z.string()).optional(),
  env: stringMap.optional(),
  extra_args: z.record(z.string(), jsonValue).optional(),
  detached: z.boolean().optional(),
  auto_remove: z.boolean().optional(),
  port: z.number().int().min(1).max(65535).optional()
})

const apiKey = z.string().nullable().optional()

/**
 * Ours: the read timeout in seconds, how long the model's server may stay silent (before its
 * answer starts, and between two streamed pieces) before the request fails with 504. Default 300.
 */
const readTimeout = z.number().positive().max(86_400).optional()

/**
 * Ours: seconds without requests before llmnet stops a model it runs (llama.cpp, Ollama); 0 keeps
 * it loaded. Default: `llmnet run --idle-unload`, else the settings, else 600.
 */
const idleTimeout = z.number().min(0).max(31_536_000).optional()

/** Legacy `"type": "external"`: an OpenAI-compatible server at `url` (with or without `/v1`). */
export const ExternalModelSchema = z.strictObject({
  type: z.literal('external'),
  interface: z.string().optional(),
  url: z.string().optional(),
  'api-key': apiKey,
  /** Ours: the model id sent upstream when no node overrides it. */
  name: z.string().optional(),
  timeout: readTimeout
})

/** Legacy `"type": "docker"`. */
export const LegacyDockerModelSchema = z.strictObject({
  type: z.literal('docker'),
  image: z.string(),
  pat: z.string().optional(),
  registry_url: z.string().optional(),
  params: z.string().optional()
})

/** Legacy `"type": "huggingface"`: `url` is the source, `runner` picks the backend. */
export const HuggingfaceModelSchema = z.strictObject({
  type: z.literal('huggingface'),
  url: z.string(),
  runner: z.string(),
  hf_pat: z.string().optional(),
  timeout: readTimeout,
  'idle-timeout': idleTimeout
})

/**
 * The unified format (no `type`, or `type` naming a runner as some of the Rust llmnet's docs show).
 * `url` is accepted as a synonym of `endpoint`, as the Rust llmnet README's snippets use it.
 */
export const UnifiedModelSchema = z.strictObject({
  type: z.enum(['ollama', 'vllm', 'llama-cpp', 'tensorrt-llm']).optional(),
  runner: z.enum(RUNNERS).optional(),
  interface: z.string().optional(),
  source: z.string().optional(),
  endpoint: z.string().optional(),
  url: z.string().optional(),
  'api-key': apiKey,
  parameters: z.record(z.string(), jsonValue).optional(),
  docker: DockerConfigSchema.optional(),
  name: z.string().optional(),
  timeout: readTimeout,
  'idle-timeout': idleTimeout
})

export const ModelSchema = z.discriminatedUnion('type', [
  ExternalModelSchema,
  LegacyDockerModelSchema,
  HuggingfaceModelSchema,
  UnifiedModelSchema
])
export type ModelDefinition = z.infer<typeof ModelSchema>

// ── architecture ──────────────────────────────────────────────────────────────────────────────

export const HookSchema = z.strictObject({
  function: z.string().min(1),
  mode: z.enum(['observe', 'transform']).default('observe'),
  on_failure: z.enum(['continue', 'abort']).default('continue'),
  if: z.string().optional()
})
export type Hook = z.infer<typeof HookSchema>

export const HooksSchema = z.strictObject({
  pre: z.array(HookSchema).default([]),
  post: z.array(HookSchema).default([])
})

/** A target is a layer number or a node name; unlike the Rust llmnet, one list may mix both. */
export const OutputTargetSchema = z.union([z.number().int().min(0), z.string().min(1)])

/** `extra-options` is an open map; these keys have meaning. */
export const ExtraOptionsSchema = z.looseObject({
  model_override: z.string().optional(),
  UseHeaderKeys: z.array(z.string()).optional()
})

export const ADAPTERS = ['openai-api', 'output', 'ws'] as const

export const NodeSchema = z.strictObject({
  name: z.string().min(1),
  layer: z.number().int().min(0).optional(),
  model: z.string().optional(),
  adapter: z.string(),
  'bind-addr': z.string().optional(),
  'bind-port': z.union([z.string(), z.number().int()]).optional(),
  'output-to': z.array(OutputTargetSchema).optional(),
  'use-case': z.string().optional(),
  if: z.string().optional(),
  url: z.string().optional(),
  context: z.string().optional(),
  'extra-options': ExtraOptionsSchema.optional(),
  hooks: HooksSchema.optional(),
  /** Ours: where a router goes when the model's choice or the conditions leave no candidate. */
  'default-route': z.string().optional()
})
export type ArchitectureNode = z.infer<typeof NodeSchema>

// ── secrets ───────────────────────────────────────────────────────────────────────────────────

export const SecretSourceSchema = z.discriminatedUnion('source', [
  z.strictObject({
    source: z.literal('env-file'),
    path: z.string(),
    variables: z.array(z.string()).default([])
  }),
  z.strictObject({ source: z.literal('env'), variable: z.string() }),
  z.strictObject({
    source: z.literal('vault'),
    address: z.string(),
    path: z.string(),
    variables: z.array(z.string()).default([]),
    token_env: z.string().optional(),
    'token-env': z.string().optional()
  }),
  /** Ours: secrets kept in the app's encrypted store under `<name>.<VAR>`. */
  z.strictObject({ source: z.literal('store'), variables: z.array(z.string()).default([]) })
])
export type SecretSource = z.infer<typeof SecretSourceSchema>

// ── functions ─────────────────────────────────────────────────────────────────────────────────

const timeout = z.number().positive().optional()

export const FunctionSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('rest'),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
    url: z.string(),
    headers: stringMap.default({}),
    body: jsonValue.optional(),
    timeout
  }),
  z.strictObject({
    type: z.literal('shell'),
    command: z.string(),
    args: z.array(z.string()).default([]),
    env: stringMap.default({}),
    cwd: z.string().optional(),
    timeout,
    /** Ours: write `$INPUT` (or this template) to the process's stdin. */
    stdin: z.union([z.boolean(), z.string()]).optional()
  }),
  z.strictObject({
    type: z.literal('websocket'),
    url: z.string(),
    message: jsonValue.optional(),
    headers: stringMap.default({}),
    timeout
  }),
  z.strictObject({
    type: z.literal('grpc'),
    address: z.string(),
    service: z.string(),
    method: z.string(),
    request: jsonValue.optional(),
    timeout,
    /** Ours: a .proto file; without it the server's reflection service is used. */
    proto: z.string().optional()
  })
])
export type FunctionDefinition = z.infer<typeof FunctionSchema>

// ── the composition ───────────────────────────────────────────────────────────────────────────

export const CompositionSchema = z.strictObject({
  /** Ours: editor tooling and format version (1 when absent). */
  $schema: z.string().optional(),
  version: z.literal(1).optional(),
  description: z.string().optional(),
  /** Ours: the hop limit for this pipeline (default 10). */
  'max-hops': z.number().int().min(1).max(100).optional(),
  models: z.record(z.string(), ModelSchema),
  architecture: z.array(NodeSchema),
  secrets: z.record(z.string(), SecretSourceSchema).default({}),
  functions: z.record(z.string(), FunctionSchema).default({})
})
export type Composition = z.infer<typeof CompositionSchema>
