/**
 * The container image's Dockerfile and .dockerignore, read as a builder would (continuation
 * lines joined, stages split at FROM). No Docker daemon runs here: this checks what the files
 * say, not that the image builds or runs (see docs/kubernetes.md, "Not verified").
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(__dirname, '..')

interface Instruction {
  op: string
  args: string
  line: number
}

/** Instructions of a Dockerfile: comments dropped, `\` continuations joined. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = []
  let pending: { text: string; line: number } | undefined
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (!pending && (line === '' || line.startsWith('#'))) return
    if (pending && line.startsWith('#')) return
    const body = line.replace(/\\$/, '').trim()
    pending = pending
      ? { text: `${pending.text} ${body}`, line: pending.line }
      : { text: body, line: i + 1 }
    if (!line.endsWith('\\')) {
      const [op = '', ...rest] = pending.text.split(/\s+/)
      out.push({ op: op.toUpperCase(), args: rest.join(' '), line: pending.line })
      pending = undefined
    }
  })
  return out
}

/** Stages: the instructions after each FROM, with its image and name. */
function stages(list: Instruction[]): { image: string; name?: string; body: Instruction[] }[] {
  const out: { image: string; name?: string; body: Instruction[] }[] = []
  for (const ins of list) {
    if (ins.op === 'FROM') {
      const [image = '', as, name] = ins.args.split(/\s+/)
      out.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, body: [] })
    } else out.at(-1)?.body.push(ins)
  }
  return out
}

const dockerfile = instructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))
const [build, runtime] = stages(dockerfile)
const ops = (s: typeof build, op: string): Instruction[] => s?.body.filter((i) => i.op === op) ?? []
const json = (i: Instruction | undefined): unknown => JSON.parse(i?.args ?? 'null')

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage on the same slim Node 22 base', () => {
    expect(stages(dockerfile)).toHaveLength(2)
    expect(build?.image).toMatch(/^node:22(\.\d+)*-[a-z]+-slim$/)
    expect(runtime?.image).toBe(build?.image)
    expect(build?.name).toBe('build')
  })

  it('builds the CLI bundle with npm ci and keeps production dependencies only', () => {
    const runs = ops(build, 'RUN').map((r) => r.args)
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true)
    expect(runs.some((r) => r.includes('npm run build:cli'))).toBe(true)
    expect(runs.some((r) => r.includes('npm prune --omit=dev'))).toBe(true)
    // The native module is loaded once in the build stage, on the base the runtime uses.
    expect(runs.some((r) => r.includes("require('better-sqlite3')"))).toBe(true)
  })

  it('the runtime stage copies only build outputs, never models or the whole context', () => {
    const copies = ops(runtime, 'COPY').map((c) => c.args)
    for (const c of copies) expect(c).toMatch(/^--from=build\b/)
    const sources = copies.map((c) => c.split(/\s+/).filter((w) => !w.startsWith('--'))[0])
    expect(sources.sort()).toEqual([
      '/app/bin',
      '/app/node_modules',
      '/app/out/cli',
      '/app/package.json'
    ])
    for (const ins of dockerfile.filter((i) => i.op === 'COPY' || i.op === 'ADD'))
      expect(ins.args).not.toMatch(/\.gguf|safetensors|models\b|^\.\s/)
    expect(dockerfile.some((i) => i.op === 'ADD')).toBe(false)
  })

  it('runs as the non-root user 10001 with /data and /tmp as volumes', () => {
    const users = ops(runtime, 'USER')
    expect(users.at(-1)?.args).toBe('10001:10001')
    const last = runtime?.body.at(-1)
    expect(runtime?.body.indexOf(users.at(-1) as Instruction)).toBeLessThan(
      runtime?.body.indexOf(last as Instruction) ?? 0
    )
    expect(json(ops(runtime, 'VOLUME')[0])).toEqual(['/data', '/tmp'])
    const env = ops(runtime, 'ENV')
      .map((e) => e.args)
      .join(' ')
    expect(env).toContain('LLMNET_DATA_DIR=/data')
    expect(env).toContain('HOME=/tmp')
  })

  it('enters through the llmnet bin and serves by default, with a health check', () => {
    expect(json(ops(runtime, 'ENTRYPOINT')[0])).toEqual(['node', '/app/bin/llmnet.mjs'])
    const cmd = json(ops(runtime, 'CMD')[0]) as string[]
    expect(cmd.slice(0, 3)).toEqual(['serve', '--host', '0.0.0.0'])
    expect(cmd).toEqual(expect.arrayContaining(['--stateless', '--log-format', 'json']))
    expect(ops(runtime, 'HEALTHCHECK')[0]?.args).toContain('/health')
    // What the entry point runs exists and reads the bundle when src/ is absent.
    const bin = readFileSync(join(ROOT, 'bin', 'llmnet.mjs'), 'utf8')
    expect(bin).toContain("'../out/cli/cli.mjs'")
    expect(
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['build:cli']
    ).toContain('--outdir=out/cli')
  })
})

describe('.dockerignore', () => {
  const rules = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))

  /** Docker's rule: the last matching pattern wins; `!` re-includes. */
  function ignored(path: string): boolean {
    let out = false
    for (const rule of rules) {
      const neg = rule.startsWith('!')
      const pattern = (neg ? rule.slice(1) : rule).replace(/\/$/, '')
      const re = new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]]/g, '\\$&')
          .replace(/\*\*\//g, '@@ANY@@')
          .replace(/\*/g, '[^/]*')
          .replace(/@@ANY@@/g, '(.*/)?')}(/.*)?$`
      )
      if (re.test(path)) out = !neg
    }
    return out
  }

  it('sends the sources the build needs and nothing else', () => {
    for (const p of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'src/main/cli.ts',
      'bin/llmnet.mjs',
      'src/main/core/models/library.ts'
    ])
      expect(ignored(p), p).toBe(false)
    for (const p of [
      'node_modules/x/index.js',
      'out/cli/cli.mjs',
      '.git/HEAD',
      'examples/audit.env',
      'models/q.gguf',
      'src/x/model.gguf',
      'tests/cli.test.ts',
      'src/main/core/metrics.test.ts'
    ])
      expect(ignored(p), p).toBe(true)
    for (const p of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.node.json'])
      expect(existsSync(join(ROOT, p))).toBe(true)
  })
})
