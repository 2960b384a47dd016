/**
 * What the real `llmnet serve --ui` runs against in the e2e suite: the tiny GGUF model served
 * over HTTP (a catalog entry in an `LLMNET_CATALOG` file points at it, so the first run really
 * downloads it), and an OpenAI-protocol upstream for pipelines with an external model.
 */
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { writeTinyGguf } from '../../../src/main/core/local/tiny-gguf'
import {
  defaultResponder,
  type FakeReply,
  type FakeUpstream,
  startFakeUpstream
} from '../../support/fake-openai'

export const TINY_MODEL = 'e2e-tiny'

export interface Fixtures {
  /** The `LLMNET_CATALOG` file. */
  catalog: string
  /** The tiny model's download URL. */
  modelUrl: string
  modelBytes: number
  /**
   * Lets the model download finish: the server sends the first half of the file, then waits
   * for this, so a test can see the progress bar mid-download without timing anything.
   */
  releaseDownload(): void
  /** Base URL (no /v1) of the OpenAI-protocol upstream. */
  upstream: FakeUpstream
  close(): Promise<void>
}

/** Writes the model and catalog into `dir` and starts both servers on port 0. */
export async function startFixtures(dir: string): Promise<Fixtures> {
  const file = path.join(dir, 'e2e-tiny.gguf')
  await writeTinyGguf(file)
  const bytes = readFileSync(file)
  let release: () => void = () => undefined
  const released = new Promise<void>((r) => (release = r))
  const models: Server = createServer((req, res) => {
    if (req.url !== '/e2e-tiny.gguf') return void res.writeHead(404).end()
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(bytes.length)
    })
    const half = Math.floor(bytes.length / 2)
    res.write(bytes.subarray(0, half))
    void released.then(() => res.end(bytes.subarray(half)))
  })
  await new Promise<void>((r) => models.listen(0, '127.0.0.1', r))
  const modelUrl = `http://127.0.0.1:${(models.address() as AddressInfo).port}/e2e-tiny.gguf`
  const catalog = path.join(dir, 'catalog.json')
  writeFileSync(
    catalog,
    JSON.stringify({
      models: [
        {
          name: TINY_MODEL,
          description: 'A tiny test model (random weights) served from this machine',
          source: modelUrl,
          sizeBytes: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex')
        }
      ]
    })
  )
  // Answers with the system prompt in brackets, so an edited context shows in a replay.
  const upstream = await startFakeUpstream((req, i) => {
    const system = (req.body?.messages as { role: string; content: string }[] | undefined)?.find(
      (m) => m.role === 'system'
    )?.content
    const reply = defaultResponder(req, i) as FakeReply
    return system ? { ...reply, content: `[${system}] ${reply.content ?? ''}` } : reply
  })
  return {
    catalog,
    modelUrl,
    modelBytes: bytes.length,
    releaseDownload: () => release(),
    upstream,
    async close() {
      release()
      models.closeAllConnections()
      await new Promise((r) => models.close(r))
      await upstream.close()
    }
  }
}
