/**
 * Parses a dotenv file: `KEY=VALUE` lines, an optional `export ` prefix, `#` comments (whole-line,
 * or after whitespace in an unquoted value), single or double quotes, and `\n` escapes inside
 * double quotes. Lines that are not assignments are returned as problems with their line number.
 */
export function parseDotenv(text: string): { values: Record<string, string>; problems: { line: number; message: string }[] } {
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
    if ((quote === '"' || quote === "'") && value.lastIndexOf(quote) > 0) {
      value = value.slice(1, value.lastIndexOf(quote))
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"')
    } else {
      value = value.replace(/\s+#.*$/, '').trim()
    }
    values[key] = value
  })
  return { values, problems }
}
