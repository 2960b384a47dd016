/**
 * `run` and `serve` listen for SIGINT/SIGTERM before they print the API's URL: a script (or a
 * test) that stops llmnet as soon as it reads the URL gets the graceful stop, never Node's
 * default kill. Fails if the URL is written before the signal listener exists.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { CliIO } from './io'
import { buildProgram } from './program'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** Runs `llmnet …args` in process; the signal wait is recorded in order with the output. */
async function orderOf(args: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const events: string[] = []
  const io: CliIO = {
    stdout: { write: (s: string) => events.push(`stdout: ${s}`) },
    stderr: { write: (s: string) => events.push(`stderr: ${s}`) },
    env,
    cwd: env.HOME as string
  }
  let code = -1
  const untilSignal = (): Promise<string> => {
    events.push('listening for signals')
    return Promise.resolve('SIGTERM')
  }
  await buildProgram(io, (c) => (code = c), untilSignal).parseAsync(args, { from: 'user' })
  expect(code, events.join('')).toBe(0)
  return events
}

function setup(): { dir: string; file: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(path.join(tmpdir(), 'llmnet-signals-'))
  dirs.push(dir)
  const file = path.join(dir, 'helper.json')
  writeFileSync(
    file,
    JSON.stringify({
      models: { m: { type: 'external', url: 'http://127.0.0.1:9/v1' } },
      architecture: [
        { name: 'bot', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
        { name: 'output', adapter: 'output' }
      ]
    })
  )
  const env = {
    HOME: dir,
    LLMNET_DATA_DIR: path.join(dir, 'data'),
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    LLMNET_SECRET_KEY: Buffer.alloc(32, 5).toString('base64'),
    NO_COLOR: '1'
  }
  return { dir, file, env }
}

describe('the signal listener comes before the URL', () => {
  it.each([
    ['run', (s: ReturnType<typeof setup>) => ['run', s.file, '--port', '0', '--no-watch']],
    ['serve', () => ['serve', '--port', '0']]
  ])('%s', async (_verb, args) => {
    const s = setup()
    const events = await orderOf(args(s), s.env)
    const url = events.findIndex((e) =>
      /OpenAI-compatible API: http:\/\/127\.0\.0\.1:\d+\/v1/.test(e)
    )
    const listening = events.indexOf('listening for signals')
    expect(url, events.join('')).toBeGreaterThanOrEqual(0)
    expect(listening, events.join('')).toBeGreaterThanOrEqual(0)
    expect(listening).toBeLessThan(url)
  })
})
