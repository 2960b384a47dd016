/**
 * @module The diagnostics collector that validation and each semantic check write into.
 */
import type { Diagnostic, Severity } from './diagnostics'
import type { JsonPath, LocateOptions, ParsedSource } from './source'

/** Collects diagnostics with their file position. */
export class Reporter {
  readonly diagnostics: Diagnostic[] = []
  constructor(readonly source: Pick<ParsedSource, 'locate'>) {}

  report(
    severity: Severity,
    code: string,
    path: JsonPath,
    message: string,
    at?: LocateOptions
  ): void {
    const pos = this.source.locate(path, at)
    this.diagnostics.push({ severity, code, message, path: [...path], ...pos })
  }
  error(code: string, path: JsonPath, message: string, at?: LocateOptions): void {
    this.report('error', code, path, message, at)
  }
  warn(code: string, path: JsonPath, message: string, at?: LocateOptions): void {
    this.report('warning', code, path, message, at)
  }
}
