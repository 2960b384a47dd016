/** Tests of the dotenv parser used by `llmnet run --env-file`. */
import { describe, expect, it } from 'vitest'
import { parseDotenv } from './dotenv'

describe('parseDotenv values', () => {
  it.each<[name: string, line: string, key: string, value: string]>([
    ['a plain assignment', 'KEY=value', 'KEY', 'value'],
    ['spaces around "=" and the value are trimmed', '  KEY =  value  ', 'KEY', 'value'],
    ['an empty value', 'KEY=', 'KEY', ''],
    [
      '"=" inside the value is kept (catches splitting on every "=")',
      'URL=http://x/?a=1&b=2',
      'URL',
      'http://x/?a=1&b=2'
    ],
    [
      'the export prefix is dropped (catches a key named "export KEY")',
      'export OPENROUTER_KEY=sk-123',
      'OPENROUTER_KEY',
      'sk-123'
    ],
    ['export with several spaces', 'export    KEY=v', 'KEY', 'v'],
    ['a key that merely starts with "export"', 'exporter=v', 'exporter', 'v'],
    ['double quotes are stripped', 'KEY="hello world"', 'KEY', 'hello world'],
    ['single quotes are stripped', "KEY='hello world'", 'KEY', 'hello world'],
    ['\\n in double quotes becomes a newline', 'KEY="a\\nb"', 'KEY', 'a\nb'],
    ['\\n in single quotes stays literal', "KEY='a\\nb'", 'KEY', 'a\\nb'],
    ['an escaped double quote inside double quotes', 'KEY="say \\"hi\\""', 'KEY', 'say "hi"'],
    [
      'a trailing comment after an unquoted value is dropped',
      'KEY=value # the key',
      'KEY',
      'value'
    ],
    [
      '"#" with no space before it is part of the value (catches cutting URLs at #)',
      'KEY=http://x/#frag',
      'KEY',
      'http://x/#frag'
    ],
    ['"#" inside double quotes is part of the value', 'KEY="a # b"', 'KEY', 'a # b'],
    ['"#" inside single quotes is part of the value', "KEY='a # b'", 'KEY', 'a # b'],
    ['a comment after a quoted value is dropped', 'KEY="quoted" # comment', 'KEY', 'quoted'],
    ['spaces inside quotes are kept', 'KEY="  padded  "', 'KEY', '  padded  '],
    ['an empty quoted value', 'KEY=""', 'KEY', ''],
    ['keys may hold digits, dots and dashes', 'my.key-2=v', 'my.key-2', 'v']
  ])('%s', (_name, line, key, value) => {
    const { values, problems } = parseDotenv(line)
    expect(problems).toEqual([])
    expect(values).toEqual({ [key]: value })
  })

  it('skips blank lines and whole-line comments, and reads CRLF files', () => {
    const text = '# header\r\n\r\n   # indented comment\r\nA=1\r\nexport B="two"\r\n'
    expect(parseDotenv(text)).toEqual({ values: { A: '1', B: 'two' }, problems: [] })
  })

  it('the last assignment of a key wins', () => {
    expect(parseDotenv('A=1\nA=2').values).toEqual({ A: '2' })
  })
})

describe('parseDotenv problems', () => {
  it('reports every line that is not KEY=VALUE with its 1-based line number, and keeps the rest', () => {
    const text = [
      '# comment',
      'GOOD=1',
      'this is not an assignment',
      '',
      '=no-key',
      'ALSO_GOOD=2',
      '1BAD=x',
      'export',
      ''
    ].join('\n')
    const { values, problems } = parseDotenv(text)
    expect(values).toEqual({ GOOD: '1', ALSO_GOOD: '2' })
    expect(problems).toEqual([
      { line: 3, message: 'expected KEY=VALUE' },
      { line: 5, message: 'expected KEY=VALUE' },
      { line: 7, message: 'expected KEY=VALUE' },
      { line: 8, message: 'expected KEY=VALUE' }
    ])
  })

  it('counts CRLF lines correctly in problem line numbers (catches off-by-one on \\r\\n)', () => {
    expect(parseDotenv('A=1\r\n\r\noops\r\n').problems).toEqual([
      { line: 3, message: 'expected KEY=VALUE' }
    ])
  })

  it('an empty file has no values and no problems', () => {
    expect(parseDotenv('')).toEqual({ values: {}, problems: [] })
  })
})

describe('parseDotenv quoted values followed by a comment', () => {
  it('ends a quoted value at its own closing quote, not the last quote on the line (catches quotes inside the comment leaking into the value)', () => {
    expect(parseDotenv('KEY="a" # say "hi"\nB=\'x\' # it\'s').values).toEqual({ KEY: 'a', B: 'x' })
  })
  it('skips escaped quotes inside a double-quoted value', () => {
    expect(parseDotenv('Q="say \\"hi\\"" # c').values).toEqual({ Q: 'say "hi"' })
  })
})
