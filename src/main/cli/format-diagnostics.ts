import type { Diagnostic } from '../../shared/config/diagnostics'
import { formatPath } from '../../shared/config/diagnostics'
import type { Style } from './style'

/** `file:line:col: error: message [code]` then the JSON path, as compilers print it. */
export function formatDiagnostic(file: string, d: Diagnostic, style: Style): string {
  const sev = d.severity === 'error' ? style.red('error') : style.yellow('warning')
  const where = d.path.length > 0 ? `\n    ${style.dim(`at ${formatPath(d.path)}`)}` : ''
  return `${style.bold(`${file}:${d.line}:${d.column}`)}: ${sev}: ${d.message} ${style.dim(`[${d.code}]`)}${where}`
}

export function countSeverities(diagnostics: readonly Diagnostic[]): {
  errors: number
  warnings: number
} {
  const errors = diagnostics.filter((d) => d.severity === 'error').length
  return { errors, warnings: diagnostics.length - errors }
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
