/**
 * @module The runtime status of a local model, as the status API and `model.status` events
 * report it (the UI's model view reads this).
 */
import { z } from 'zod'

export const ModelRuntimeStatusSchema = z.object({
  /** The model's key in the composition. */
  key: z.string(),
  /**
   * The pipeline whose composition configures it (a model several pipelines use is listed under
   * each); absent for a process that no served pipeline names any more (stopping when idle).
   */
  pipeline: z.string().optional(),
  runner: z.enum(['llama-cpp', 'ollama', 'vllm', 'docker', 'tensorrt-llm']),
  source: z.string(),
  state: z.enum(['stopped', 'starting', 'ready', 'busy', 'error']),
  lastError: z.string().nullable(),
  pid: z.number().nullable(),
  port: z.number().nullable(),
  memory: z.object({ ramBytes: z.number(), vramBytes: z.number() }).nullable(),
  /** `cuda`, `vulkan` or `metal`; `false` on the CPU; null while not loaded (or not known). */
  gpu: z.union([z.string(), z.literal(false)]).nullable(),
  gpuLayers: z.number().nullable(),
  loadedSince: z.number().nullable(),
  lastUsed: z.number().nullable(),
  /** Generation speed of the last request. */
  tokensPerSecond: z.number().nullable(),
  restarts: z.number()
})
export type ModelRuntimeStatus = z.infer<typeof ModelRuntimeStatusSchema>
