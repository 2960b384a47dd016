/**
 * The release workflow (.github/workflows/release.yml) is checked against GitHub's workflow
 * schema (@action-validator/core) and against what the release must do. Catches: a key GitHub
 * would reject (the run would fail only after a tag was pushed), a platform dropped from the
 * matrix, a step the release depends on removed (Electron binary, native build, the smoke test
 * under xvfb on Linux, packaging, the artifact upload), and scripts the workflow runs that
 * package.json no longer has.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { validateWorkflow } from '@action-validator/core'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..')
const text = readFileSync(join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8')

interface Step {
  name?: string
  uses?: string
  run?: string
  if?: string
  with?: Record<string, unknown>
}
const workflow = parse(text) as {
  on: Record<string, unknown>
  jobs: Record<string, { 'runs-on': string; strategy: { matrix: { os: string[] } }; steps: Step[] }>
}
const job = Object.values(workflow.jobs)[0]!
const runs = job.steps.map((s) => s.run ?? '').join('\n')

describe('the release workflow', () => {
  it("is valid against GitHub's workflow schema", () => {
    const state = validateWorkflow(text)
    expect(state.errors).toEqual([])
  })

  it('a broken workflow is caught (the check is not vacuous)', () => {
    const broken = text.replace('runs-on:', 'run-on:')
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0)
  })

  it('runs on Linux, macOS and Windows', () => {
    expect(job['runs-on']).toBe('${{ matrix.os }}')
    expect(job.strategy.matrix.os).toEqual(['ubuntu-latest', 'macos-latest', 'windows-latest'])
  })

  it('installs, gets Electron and the native build, smoke-tests (xvfb on Linux), packages, uploads', () => {
    const order = [
      'npm ci',
      'node scripts/ensure-electron.mjs',
      'xvfb-run --auto-servernum npm run test:electron',
      'npm run dist'
    ].map((cmd) => {
      const at = runs.indexOf(cmd)
      expect(at, cmd).toBeGreaterThanOrEqual(0)
      return at
    })
    expect(order).toEqual([...order].sort((a, b) => a - b))
    const xvfb = job.steps.find((s) => s.run?.includes('xvfb-run'))
    expect(xvfb?.if).toBe("runner.os == 'Linux'")
    const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))
    expect(String(upload?.with?.path)).toMatch(/AppImage[\s\S]*deb[\s\S]*dmg[\s\S]*exe/)
  })

  it('runs only scripts package.json has', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    for (const [, name] of runs.matchAll(/npm run ([\w:-]+)/g)) {
      expect(pkg.scripts, name).toHaveProperty(name!)
    }
  })
})
