/**
 * @module Whether a GGUF model fits this machine before it is downloaded. The machine (free RAM,
 * the GPU and its free VRAM) comes from node-llama-cpp's `getLlama()` (`gpu`, `getRamState()`,
 * `getVramState()`). The model's needs come from node-llama-cpp's GGUF insights
 * (`readGgufFileInfo` reads only the header, over HTTP ranges; `GgufInsights` estimates the
 * weights and the context at `n_ctx`). When the header cannot be read, the need is estimated
 * from the file size: the weights take about their file size and the context (KV cache and
 * compute buffers at 4096 tokens) about a tenth of it more, at least 256 MiB; the answer then
 * says it is an estimate.
 */
import { freemem, totalmem } from 'node:os'
import type { Llama } from 'node-llama-cpp'
import { formatBytes as GB } from '../../../shared/units'
import { loadLlamaCpp } from '../lazy'

/** The context size fit is judged at: the one a new pipeline's model gets. */
export const FIT_CONTEXT_SIZE = 4096

/** This machine's memory, as llama.cpp sees it. */
export interface MachineMemory {
  /** `cuda`, `vulkan`, `metal`, or false: CPU and RAM only. */
  gpu: string | false
  ramTotalBytes: number
  ramFreeBytes: number
  vramTotalBytes: number
  vramFreeBytes: number
  /** `node-llama-cpp`, or `os` when no llama.cpp backend could start. */
  source: 'node-llama-cpp' | 'os'
}

/** Whether a model fits, and what it needs. */
export interface FitReport {
  verdict: 'fits' | 'tight' | 'too_big'
  /** Where it would run: all layers on the GPU, or the CPU from RAM. */
  runsOn: 'gpu' | 'cpu'
  ramBytes: number
  vramBytes: number
  contextSize: number
  /** `insights`: from the GGUF header; `estimate`: from the file size alone. */
  method: 'insights' | 'estimate'
  machine: MachineMemory
  /** One sentence for the user. */
  summary: string
}

let llamaPromise: Promise<Llama | null> | null = null
let idleTimer: ReturnType<typeof setTimeout> | undefined
/** How long the backend stays after its last use (a GPU backend holds VRAM in this process). */
const BACKEND_IDLE_MS = 60_000

/**
 * The shared llama.cpp backend for estimates (never compiled here; null when none loads). It is
 * disposed a minute after its last use, so the app's own process does not keep a GPU context
 * (and its VRAM) that the model workers need.
 */
function backend(): Promise<Llama | null> {
  llamaPromise ??= loadLlamaCpp()
    .then(({ getLlama, LlamaLogLevel }) =>
      getLlama({ gpu: 'auto', build: 'never', progressLogs: false, logLevel: LlamaLogLevel.error })
    )
    .catch(() => null)
  clearTimeout(idleTimer)
  const current = llamaPromise
  idleTimer = setTimeout(() => {
    if (llamaPromise !== current) return
    llamaPromise = null
    void current.then((llama) => llama?.dispose()).catch(() => undefined)
  }, BACKEND_IDLE_MS)
  idleTimer.unref?.()
  return current
}

/** Free and total RAM and VRAM, and the GPU llama.cpp would use. */
export async function machineMemory(): Promise<MachineMemory> {
  const llama = await backend()
  if (!llama)
    return {
      gpu: false,
      ramTotalBytes: totalmem(),
      ramFreeBytes: freemem(),
      vramTotalBytes: 0,
      vramFreeBytes: 0,
      source: 'os'
    }
  const [ram, vram] = await Promise.all([llama.getRamState(), llama.getVramState()])
  return {
    gpu: llama.gpu,
    ramTotalBytes: ram.total,
    ramFreeBytes: ram.free,
    vramTotalBytes: vram.total,
    vramFreeBytes: vram.free,
    source: 'node-llama-cpp'
  }
}

/** What a model needs with `gpuLayers` on the GPU. */
interface Need {
  ram: number
  vram: number
}

/** The needs from the GGUF header at `url` (only its first bytes are fetched). */
async function insightsNeeds(
  url: string,
  headers: Record<string, string>,
  contextSize: number,
  gpu: boolean,
  signal?: AbortSignal
): Promise<{ cpu: Need; gpu: Need | null }> {
  const { readGgufFileInfo, GgufInsights } = await loadLlamaCpp()
  const llama = await backend()
  const info = await readGgufFileInfo(url, {
    sourceType: 'network',
    readTensorInfo: true,
    logWarnings: false,
    fetchHeaders: headers,
    fetchRetryOptions: { retries: 1, minTimeout: 100, maxTimeout: 500 },
    signal
  })
  const insights = await GgufInsights.from(info, llama ?? undefined)
  const ctx = Math.min(contextSize, insights.trainContextSize ?? contextSize)
  const needAt = async (gpuLayers: number): Promise<Need> => {
    const model = await insights.estimateModelResourceRequirementsV2({ gpuLayers })
    const context = await insights.estimateContextResourceRequirementsV2({
      contextSize: ctx,
      modelGpuLayers: gpuLayers,
      sequences: 1
    })
    return { ram: model.cpuRam + context.cpuRam, vram: model.gpuVram + context.gpuVram }
  }
  return { cpu: await needAt(0), gpu: gpu ? await needAt(insights.totalLayers) : null }
}

/** The needs from the file size alone (see the module comment). */
export function estimateFromSize(sizeBytes: number): Need {
  return { ram: Math.round(sizeBytes + Math.max(256 * 2 ** 20, sizeBytes * 0.1)), vram: 0 }
}

/**
 * Judges a model file: fits (within 80 % of what is free), tight (fits, but little is left),
 * or too big. With a GPU, all layers on it are tried first; otherwise, or when they do not fit,
 * the CPU from RAM.
 */
export async function fitModel(args: {
  /** The file's download URL (its header is read over HTTP ranges). */
  url?: string
  headers?: Record<string, string>
  sizeBytes: number
  contextSize?: number
  signal?: AbortSignal
  /** Replaces the measured machine (tests). */
  machine?: MachineMemory
}): Promise<FitReport> {
  const machine = args.machine ?? (await machineMemory())
  const contextSize = args.contextSize ?? FIT_CONTEXT_SIZE
  let method: FitReport['method'] = 'estimate'
  let cpu = estimateFromSize(args.sizeBytes)
  let gpu: Need | null = machine.gpu ? { ram: 0, vram: cpu.ram } : null
  if (args.url) {
    try {
      const needs = await insightsNeeds(
        args.url,
        args.headers ?? {},
        contextSize,
        machine.gpu !== false,
        args.signal
      )
      cpu = needs.cpu
      gpu = needs.gpu
      method = 'insights'
    } catch {
      // The header could not be read (offline, not a GGUF we know): keep the size estimate.
    }
  }
  const judge = (need: number, free: number): FitReport['verdict'] =>
    need <= free * 0.8 ? 'fits' : need <= free ? 'tight' : 'too_big'
  const how = method === 'estimate' ? ' (estimated from the file size)' : ''
  if (gpu && machine.gpu) {
    const onGpu = judge(gpu.vram, machine.vramFreeBytes)
    const ramOk = judge(gpu.ram, machine.ramFreeBytes)
    if (onGpu !== 'too_big' && ramOk !== 'too_big') {
      const verdict = onGpu === 'tight' || ramOk === 'tight' ? 'tight' : 'fits'
      return {
        verdict,
        runsOn: 'gpu',
        ramBytes: gpu.ram,
        vramBytes: gpu.vram,
        contextSize,
        method,
        machine,
        summary: `Needs about ${GB(gpu.vram)} of VRAM on ${machine.gpu} (${GB(machine.vramFreeBytes)} free)${how}.`
      }
    }
  }
  const verdict = judge(cpu.ram, machine.ramFreeBytes)
  const where = machine.gpu ? `too big for the GPU; runs on the CPU` : 'no GPU: CPU and RAM only'
  return {
    verdict,
    runsOn: 'cpu',
    ramBytes: cpu.ram,
    vramBytes: 0,
    contextSize,
    method,
    machine,
    summary: `Needs about ${GB(cpu.ram)} of RAM (${GB(machine.ramFreeBytes)} free; ${where})${how}.`
  }
}
