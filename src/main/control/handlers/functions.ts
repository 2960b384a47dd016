/** @module A pipeline's functions, and one test call with sample variables (as a hook would). */
import { AppError } from '../../core/errors'
import type { CompiledPipeline } from '../../core/engine/pipeline'
import { runFunction } from '../../core/functions/run-function'
import { sampleVariables } from '../../core/functions/sample-vars'
import type { PipelineRegistry } from '../../core/pipelines/registry'
import type { DomainHandlers } from './types'

function served(pipelines: PipelineRegistry, name: string): CompiledPipeline {
  const p = pipelines.get(name)
  if (!p) throw new AppError('not_found', `pipeline "${name}" is not being served`)
  return p
}

export function functionsHandlers(deps: {
  pipelines: PipelineRegistry
}): DomainHandlers<'functions'> {
  return {
    async 'functions.list'(input) {
      const { composition } = served(deps.pipelines, input.pipeline)
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
    },
    async 'functions.test'(input) {
      const p = served(deps.pipelines, input.pipeline)
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
  }
}
