/**
 * Fill-in-the-middle through `/v1/completions` with the official OpenAI SDK, against an upstream
 * that behaves as llmnet's own worker does (worker-endpoints.ts): a `suffix` it cannot honour is a
 * 400 `{error: {code: "fim_not_supported", param: "suffix"}}`, and it answers whole JSON even when
 * asked to stream (as some OpenAI-compatible servers do). Catches the code rewrapped as
 * `invalid_request`, and a streamed answer emptied to `data: [DONE]`.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ollama } from 'ollama'
import { rawRequest, serve, type Served, sseData } from '../support/harness'

let upstream: Server
let upstreamUrl: string
let served: Served

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        prompt: string
        suffix?: string
        model: string
      }
      if (body.suffix) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            error: {
              message: `model ${body.model} cannot fill in the middle: its GGUF has no FIM tokens`,
              type: 'invalid_request_error',
              code: 'fim_not_supported',
              param: 'suffix'
            }
          })
        )
        return
      }
      // OpenAI's text_completion object (API reference, "The completion object"), never SSE.
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'cmpl-1',
          object: 'text_completion',
          created: 1,
          model: body.model,
          choices: [{ index: 0, text: `${body.prompt} and more`, finish_reason: 'stop' }],
          usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 }
        })
      )
    })
  })
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  served = await serve({
    code: {
      models: { coder: { type: 'external', url: `${upstreamUrl}/v1`, name: 'coder-up' } },
      architecture: [
        { name: 'a', layer: 0, model: 'coder', adapter: 'openai-api', 'output-to': ['output'] },
        { name: 'output', adapter: 'output' }
      ]
    }
  })
})
afterAll(async () => {
  await served.close()
  await new Promise((r) => upstream.close(r))
})

describe('FIM through /v1/completions', () => {
  it('fim_not_supported keeps its code, status and param end to end', async () => {
    const err = await served.client.completions
      .create({ model: 'code/coder', prompt: 'def f(', suffix: ')' })
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 400, code: 'fim_not_supported', param: 'suffix' })
    expect((err as Error).message).toContain('no FIM tokens')
    // Ollama's generate with a suffix: the same refusal, in Ollama's shape.
    const ollama = await new Ollama({ host: served.url })
      .generate({ model: 'code/coder', prompt: 'def f(', suffix: ')', stream: false })
      .catch((e: unknown) => e)
    expect(ollama).toMatchObject({ status_code: 400 })
    expect((ollama as Error).message).toContain('no FIM tokens')
  })

  it('a streamed completion whose upstream answers JSON is re-framed as a stream', async () => {
    const stream = await served.client.completions.create({
      model: 'code/coder',
      prompt: 'hello',
      stream: true
    })
    let text = ''
    let finish: string | null = null
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? ''
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(text).toBe('hello and more')
    expect(finish).toBe('stop')
    const raw = await rawRequest(served.url, {
      method: 'POST',
      path: '/v1/completions',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'code/coder', prompt: 'x', stream: true })
    })
    const events = sseData(raw.text)
    expect(events.at(-1)).toBe('[DONE]')
    expect(events.length).toBe(2)
    expect(JSON.parse(events[0] as string)).toMatchObject({ model: 'code/coder' })
  })
})
