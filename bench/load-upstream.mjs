// The fake upstream of `npm run bench:load`: answers a routing decision (a request with a
// `json_schema` response format) with the expert the request's number asks for (even: the
// first option, odd: the second), and streams every other answer as a numbered sequence,
// `<model>:<n>:<i> ` for i = 0…CHUNKS-1, one event per write, so the client can check that every
// stream arrives whole, in order, once, and from the right expert.
// argv[2]: chunks per answer (default 32); argv[3]: ms between chunks (default 1, 0 = none).
import { createServer } from 'node:http'

const CHUNKS = Number(process.argv[2] ?? 32)
const DELAY_MS = Number(process.argv[3] ?? 1)

const frame = (model, delta, finish = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-load', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`

const lastUser = (body) =>
  [...(body.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? ''

const wait = (ms) => new Promise((r) => setTimeout(r, ms))

async function stream(res, model, n) {
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  res.write(frame(model, { role: 'assistant', content: '' }))
  for (let i = 0; i < CHUNKS; i++) {
    if (DELAY_MS > 0) await wait(DELAY_MS)
    if (res.destroyed) return
    res.write(frame(model, { content: `${model}:${n}:${i} ` }))
  }
  res.write(frame(model, {}, 'stop'))
  res.end(
    `data: ${JSON.stringify({ id: 'chatcmpl-load', object: 'chat.completion.chunk', created: 1, model, choices: [], usage: { prompt_tokens: 20, completion_tokens: CHUNKS, total_tokens: 20 + CHUNKS } })}\n\n` +
      'data: [DONE]\n\n'
  )
}

const server = createServer((req, res) => {
  const parts = []
  req.on('data', (c) => parts.push(c))
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(parts).toString('utf8'))
    const n = Number(/#(\d+)/.exec(lastUser(body))?.[1] ?? 0)
    const options = body.response_format?.json_schema?.schema?.properties?.route?.enum
    if (options) {
      const content = JSON.stringify({ route: options[n % 2] ?? options[0] })
      const json = JSON.stringify({
        id: 'chatcmpl-load',
        object: 'chat.completion',
        created: 1,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 60, completion_tokens: 6, total_tokens: 66 }
      })
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(json)
      })
      res.end(json)
      return
    }
    if (!body.stream) {
      res.writeHead(400, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: 'the load bench only streams answers' } }))
      return
    }
    void stream(res, body.model, n)
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`)
})
