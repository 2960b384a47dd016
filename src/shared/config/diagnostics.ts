import type { JsonPath } from './source'

export type Severity = 'error' | 'warning'

/** One problem found in a composition, located in its file. */
export interface Diagnostic {
  severity: Severity
  /** Stable kebab-case identifier, e.g. `unknown-key`, `condition-syntax`. */
  code: string
  message: string
  path: JsonPath
  line: number
  column: number
}

/** `architecture[1].output-to` style, for messages. */
export function formatPath(path: JsonPath): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg
    else out += `[${JSON.stringify(seg)}]`
  }
  return out || '(root)'
}
