/**
 * Parses a dotenv file: `KEY=VALUE` lines, an optional `export ` prefix, `#` comments (whole-line,
 * or after whitespace in an unquoted value), single or double quotes, and `\n` escapes inside
 * double quotes. Lines that are not assignments are returned as problems with their line number.
 */
export function parseDotenv(text: string): {
  values: Record<string, string>
  problems: { line: number; message: string }[]
} {
  const values: Record<string, string> = {}
  const problems: { line: number; message: string }[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line)
    if (!m) {
      problems.push({ line: i + 1, message: 'expected KEY=VALUE' })
      return
    }
    const key = m[1] ?? ''
    let value = m[2] ?? ''
    const quote = value[0]
    const close = quote === '"' || quote === "'" ? closingQuote(value, quote) : -1
    if (close > 0) {
      value = value.slice(1, close)
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"')
    } else {
      value = value.replace(/\s+#.*$/, '').trim()
    }
    values[key] = value
  })
  return { values, problems }
}

/** Index of the quote closing a value that opens with `quote` (escaped `\"` skipped). */
function closingQuote(value: string, quote: string): number {
  for (let i = 1; i < value.length; i++) {
    if (quote === '"' && value[i] === '\\') i++
    else if (value[i] === quote) return i
  }
  return -1
}
