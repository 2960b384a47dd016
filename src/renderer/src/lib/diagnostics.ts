/**
 * @module Diagnostics from `pipelines.validate` as CodeMirror lint diagnostics: the server gives
 * 1-based line and column; CodeMirror wants document offsets, clamped to the text it holds now.
 */
import type { z } from 'zod'
import type { DiagnosticSchema } from '../../../shared/contract/pipelines'

export type PipelineDiagnostic = z.infer<typeof DiagnosticSchema>

export interface EditorDiagnostic {
  from: number
  to: number
  severity: 'error' | 'warning'
  message: string
  source: string
}

/** Maps 1-based line:column to offsets; the mark spans to the end of the token (or line). */
export function toEditorDiagnostics(
  text: string,
  diagnostics: readonly Pick<
    PipelineDiagnostic,
    'severity' | 'code' | 'message' | 'line' | 'column'
  >[]
): EditorDiagnostic[] {
  const starts = [0]
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1)
  return diagnostics.map((d) => {
    const lineIdx = Math.min(Math.max(d.line, 1), starts.length) - 1
    const lineStart = starts[lineIdx] ?? 0
    const lineEnd = (starts[lineIdx + 1] ?? text.length + 1) - 1
    const from = Math.min(lineStart + Math.max(d.column, 1) - 1, lineEnd)
    const token = /^[^\s,:}\]]+/.exec(text.slice(from, lineEnd))
    const to = Math.max(from + (token ? token[0].length : 0), Math.min(from + 1, lineEnd))
    return {
      from,
      to: Math.max(to, from),
      severity: d.severity,
      message: `${d.line}:${d.column} ${d.message}`,
      source: d.code
    }
  })
}
