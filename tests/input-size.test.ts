/**
 * Input size caps: `run` and `validate` refuse a composition file over the
 * limit (8 MiB by default, `--max-file-size` to raise it) at once, naming its size, without
 * reading it whole (a 200 MB YAML took 23 s and 540 MB to refuse). Library imports through the
 * control API have their own caps, also named.
 */
import { closeSync, openSync, writeFileSync, ftruncateSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readTextFile } from '../src/main/core/config/load-composition'
import { createAppRuntime } from '../src/main/runtime'
import { killAll, llmnet } from './support/cli-process'
import { tempDir } from './support/harness'

afterEach(killAll)

const MiB = 1024 * 1024

/** A sparse file of `bytes` (no disk used, as large as the 200 MB report). */
function sparse(file: string, bytes: number): void {
  const fd = openSync(file, 'w')
  ftruncateSync(fd, bytes)
  closeSync(fd)
}

/** A valid composition padded with spaces to `bytes`. */
function padded(file: string, bytes: number): void {
  const body = JSON.stringify({
    models: { m: { type: 'external', url: 'http://127.0.0.1:9/v1' } },
    architecture: [
      { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      { name: 'output', adapter: 'output' }
    ]
  })
  writeFileSync(file, body + ' '.repeat(bytes - body.length))
}

async function cli(args: string[]) {
  const started = Date.now()
  const p = llmnet(args, { HOME: '/nonexistent-home', LLMNET_DATA_DIR: '/nonexistent-data' })
  const code = await p.exited
  return { code, out: p.stdout() + p.stderr(), ms: Date.now() - started }
}

describe('composition files over the size limit', () => {
  it('validate, run and deploy refuse a 200 MB file at once, naming its size and the limit', async () => {
    const tmp = tempDir('llmnet-size-')
    try {
      const big = path.join(tmp.dir, 'big.yaml')
      sparse(big, 200 * 1000 * 1000)
      const validate = await cli(['validate', big])
      expect(validate.code).toBe(1)
      expect(validate.out).toContain('the file is 190.7 MiB, over the 8 MiB limit')
      expect(validate.out).toContain('--max-file-size')
      const run = await cli(['run', big, '--port', '0'])
      expect(run.code).toBe(1)
      expect(run.out).toContain('the file is 190.7 MiB, over the 8 MiB limit')
      // `deploy` (a library import through the control API) reads no more than the cap either.
      const deploy = await cli(['deploy', big])
      expect(deploy.code).toBe(1)
      expect(deploy.out).toContain('the file is 190.7 MiB, over the 8 MiB limit')
      // Refused from its size: well under the 23 s it took to parse; the start-up dominates.
      expect(validate.ms).toBeLessThan(10_000)
      console.log(
        `200 MB refused: validate ${validate.ms} ms, run ${run.ms} ms (process start included)`
      )
    } finally {
      tmp.remove()
    }
  }, 60_000)

  it('--max-file-size raises the limit; a file just over it is refused', async () => {
    const tmp = tempDir('llmnet-size-')
    try {
      const file = path.join(tmp.dir, 'nine.json')
      padded(file, 9 * MiB)
      const refused = await cli(['validate', file])
      expect(refused.code).toBe(1)
      expect(refused.out).toContain('the file is 9 MiB, over the 8 MiB limit')
      const raised = await cli(['validate', file, '--max-file-size', '16MiB'])
      expect(raised.out).not.toContain('over the')
      expect(raised.code).toBe(0)
      const bad = await cli(['validate', file, '--max-file-size', 'lots'])
      expect(bad.code).toBe(2)
      expect(bad.out).toContain('It must be a size such as 8MiB')
    } finally {
      tmp.remove()
    }
  }, 60_000)

  it('never reads more than the limit and one byte, even from a file that grows', async () => {
    const tmp = tempDir('llmnet-size-')
    try {
      const file = path.join(tmp.dir, 'small.json')
      writeFileSync(file, 'x'.repeat(100))
      await expect(readTextFile(file, 100)).resolves.toHaveLength(100)
      await expect(readTextFile(file, 99)).rejects.toThrow(
        'the file is 100 bytes, over the 99 bytes limit'
      )
      // /dev/zero reports size 0 and never ends: the read stops at the limit.
      await expect(readTextFile('/dev/zero', 1024)).rejects.toThrow('over the 1 KiB limit')
    } finally {
      tmp.remove()
    }
  })
})

describe('library imports through the control API', () => {
  it('a text over the cap is refused with the field or the size named, never taken whole', async () => {
    const tmp = tempDir('llmnet-size-api-')
    const app = await createAppRuntime({
      dataDir: tmp.dir,
      env: { LLMNET_SECRET_KEY: Buffer.alloc(32, 9).toString('base64') }
    })
    try {
      const url = (await app.start({ host: '127.0.0.1', port: 0 })).url as string
      const save = (text: string) =>
        fetch(`${url}/api/pipelines.save`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` },
          body: JSON.stringify({ name: 'big', text, format: 'yaml' })
        })
      const over = await save('#'.repeat(1_500_000))
      expect(over.status).toBe(400)
      expect(JSON.stringify(await over.json())).toMatch(/text.*1000000/)
      const huge = await save('#'.repeat(9 * MiB))
      expect(huge.status).toBe(413)
      expect(((await huge.json()) as { error: { message: string } }).error.message).toBe(
        'the request body is over the 4 MiB limit'
      )
    } finally {
      await app.stop({ graceMs: 0 })
      tmp.remove()
    }
  })
})
