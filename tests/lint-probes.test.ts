/**
 * The layer rules of eslint.config.mjs hold: each file under tests/lint-probes/ is linted as if it
 * sat at its path under src/ and must draw the rule its `// expect:` line names (or nothing, for
 * `clean`). A rule that stops firing, or an allowlist that starts rejecting real code, fails here.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '..')
const probeDir = path.join(root, 'tests', 'lint-probes')

interface Probe {
  /** Where lint believes the file is, e.g. `src/shared/imports-bare-fs.ts`. */
  layerPath: string
  expect: string
  code: string
}

function loadProbes(): Probe[] {
  return readdirSync(probeDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(path.join(probeDir, file), 'utf8')
      const expectLine = /^\/\/ expect: (\S+)$/m.exec(text)
      if (!expectLine) throw new Error(`${file}: no "// expect: <rule|clean>" line`)
      // `@ts-nocheck` keeps tsc quiet about the deliberately unresolvable imports; lint would
      // flag the comment itself, so it is blanked (line numbers stay the same).
      const code = text.replace(/^\/\/ @ts-nocheck$/m, '')
      return { layerPath: file.split(path.sep).join('/'), expect: expectLine[1]!, code }
    })
}

const probes = loadProbes()
const eslint = new ESLint({ cwd: root })

describe('layer lint rules', () => {
  it('has rejected and clean probes for every layer', () => {
    for (const layer of [
      'src/shared/',
      'src/main/core/',
      'src/main/core/engine/',
      'src/main/core/server/',
      'src/main/control/',
      'src/preload/',
      'src/renderer/'
    ]) {
      const mine = probes.filter((p) => p.layerPath.startsWith(layer))
      expect(
        mine.some((p) => p.expect === 'clean'),
        layer
      ).toBe(true)
      expect(mine.filter((p) => p.expect !== 'clean').length, layer).toBeGreaterThan(0)
    }
  })

  it.each(probes.map((p) => [p.layerPath, p] as const))('%s', async (_name, probe) => {
    const [result] = await eslint.lintText(probe.code, { filePath: probe.layerPath })
    const messages = result!.messages.map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`)
    if (probe.expect === 'clean') {
      expect(messages).toEqual([])
    } else {
      expect(result!.messages.some((m) => m.ruleId === probe.expect && m.severity === 2)).toBe(true)
      expect(messages.filter((m) => m.startsWith('fatal'))).toEqual([])
    }
  })
})
