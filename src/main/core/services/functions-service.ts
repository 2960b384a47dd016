/** @module A pipeline's functions, and one test call with sample variables (as a hook would). */
import type { InputOf, OutputOf } from '../../../shared/contract/routes'
import type { CompiledPipeline } from '../engine/pipeline'
import { AppError } from '../errors'
import { runFunction } from '../functions/run-function'
import { sampleVariables } from '../functions/sample-vars'
import type { PipelineRegistry } from '../pipelines/registry'

export class FunctionsService {
  constructor(private readonly pipelines: PipelineRegistry) {}

  /** The served pipeline's functions, each with the node hooks that call it. */
  list(pipeline: string): OutputOf<'functions.list'> {
    const { composition } = this.served(pipeline)
    const usedBy = new Map<string, string[]>()
    for (const node of composition.architecture) {
      for (const phase of ['pre', 'post'] as const) {
        for (const hook of node.hooks?.[phase] ?? []) {
          const list = usedBy.get(hook.function) ?? []
          list.push(`${node.name}:${phase}`)
          usedBy.set(hook.function, list)
        }
      }
    }
    return {
      functions: Object.entries(composition.functions).map(([name, def]) => ({
        name,
        type: def.type,
        usedBy: usedBy.get(name) ?? []
      }))
    }
  }

  /** Calls one function with sample variables; what it returns is redacted like a hook's. */
  async test(input: InputOf<'functions.test'>): Promise<OutputOf<'functions.test'>> {
    const p = this.served(input.pipeline)
    const def = p.composition.functions[input.name]
    if (!def) {
      throw new AppError(
        'not_found',
        `pipeline "${p.id}" has no function "${input.name}"; it defines: ${Object.keys(p.composition.functions).join(', ') || '(none)'}`
      )
    }
    const vars = sampleVariables({ input: input.input, output: input.output })
    const result = await runFunction(
      input.name,
      def,
      { vars, secrets: p.secrets, baseDir: p.baseDir },
      { expectReply: true }
    )
    const output = typeof result.output === 'string' ? p.redact(result.output) : result.output
    return {
      ok: result.ok,
      output: output === undefined ? null : output,
      error: result.error === undefined ? null : p.redact(result.error),
      durationMs: result.durationMs,
      notes: result.notes ?? []
    }
  }

  private served(name: string): CompiledPipeline {
    const p = this.pipelines.get(name)
    if (!p) throw new AppError('not_found', `pipeline "${name}" is not being served`)
    return p
  }
}
