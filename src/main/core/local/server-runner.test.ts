import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CompositionSchema } from '../../../shared/config/schema'
import { OpenAICompatibleProvider } from '../providers/openai-compatible'
import { ServerRunner } from './server-runner'

// A stand-in `python3` on PATH: `python3 -m vllm.entrypoints.openai.api_server … --port N` starts a
// small OpenAI-compatible server on N, as vLLM would (vLLM itself cannot be installed here).
const dir = mkdtempSync(join(tmpdir(), 'llmnet-fake-python-'))
const server = `
const port = Number(process.argv[process.argv.indexOf('--port') + 1])
const model = process.argv[process.argv.indexOf('--model') + 1]
require('node:http').createServer((req, res) => {
  if (req.url === '/v1/models') return res.end(JSON.stringify({ object: 'list', data: [{ id: model }] }))
  let body = ''
  req.on('data', (c) => (body += c)).on('end', () => {
    const m = JSON.parse(body)
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: m.model, choices: [{ index: 0, message: { role: 'assistant', content: 'served by ' + model + ' with ' + process.argv.slice(2).join(' ') }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }))
  })
}).listen(port, '127.0.0.1')
`
writeFileSync(join(dir, 'server.cjs'), server)
writeFileSync(
  join(dir, 'python3'),
  `#!/bin/sh\nexec "${process.execPath}" "${join(dir, 'server.cjs')}" "$@"\n`
)
chmodSync(join(dir, 'python3'), 0o755)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('ServerRunner', () => {
  it('starts the vLLM command with --model, --port and the parameters, waits until it answers, and stops it (catches runners started but never callable)', async () => {
    const model = CompositionSchema.shape.models.parse({
      big: {
        runner: 'vllm',
        source: 'Qwen/Qwen2.5-7B-Instruct',
        parameters: { max_model_len: 4096, enforce_eager: true }
      }
    }).big!
    const runner = new ServerRunner('big', model, {
      ...process.env,
      PATH: `${dir}:${process.env.PATH ?? ''}`
    })
    const baseUrl = await runner.start()
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/)
    expect(await runner.start()).toBe(baseUrl)
    const answer = await new OpenAICompatibleProvider({ baseUrl }).chat({
      model: 'Qwen/Qwen2.5-7B-Instruct',
      messages: [{ role: 'user', content: 'hi' }],
      params: {}
    })
    expect(answer.content).toContain('served by Qwen/Qwen2.5-7B-Instruct')
    expect(answer.content).toContain('-m vllm.entrypoints.openai.api_server')
    expect(answer.content).toContain('--max-model-len 4096 --enforce-eager')
    await runner.stop()
    await expect(fetch(`${baseUrl}/models`)).rejects.toThrow()
  })

  it('fails clearly when the server exits before serving (catches waiting out the whole timeout)', async () => {
    writeFileSync(join(dir, 'python3'), '#!/bin/sh\necho "No module named vllm" >&2\nexit 1\n')
    const model = CompositionSchema.shape.models.parse({ m: { runner: 'vllm', source: 'x' } }).m!
    const runner = new ServerRunner('m', model, {
      ...process.env,
      PATH: `${dir}:${process.env.PATH ?? ''}`
    })
    await expect(runner.start()).rejects.toThrow(
      /exited \(code 1\) before serving: No module named vllm/
    )
  })
})
