// A reference for `npm run bench:floors`: the least a translating proxy must do. A node:http server
// that parses the request, builds and sends an upstream body through undici (as llmnet does),
// parses the answer and writes a new one with a fresh id. No validation, routing, trace or
// metrics. With FLOOR_FASTIFY=1 the same handler runs inside Fastify with one onRequest hook.
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { Pool } from 'undici'

const pool = new Pool(process.argv[2], { connections: 256 })

/** The upstream's answer to `request`, re-framed as our own chat completion (JSON text). */
async function answer(request) {
  const up = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'bench', messages: request.messages })
  })
  const a = JSON.parse(await up.body.text())
  const id = `chatcmpl-${randomUUID()}`
  const choice = a.choices[0]
  const json = JSON.stringify({
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: choice.message.content },
        finish_reason: choice.finish_reason
      }
    ],
    usage: a.usage
  })
  return { id, json }
}

function send(res, { id, json }) {
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    'x-request-id': id
  })
  res.end(json)
}

let server
if (process.env.FLOOR_FASTIFY === '1') {
  const { default: Fastify } = await import('fastify')
  const app = Fastify({
    logger: false,
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove'
  })
  app.addHook('onRequest', (_req, _reply, done) => done())
  app.post('/v1/chat/completions', async (req, reply) => {
    const out = await answer(req.body)
    reply.hijack()
    send(reply.raw, out)
  })
  await app.ready()
  server = app.server
} else {
  server = createServer((req, res) => {
    const body = []
    req.on('data', (c) => body.push(c))
    req.on('end', () => {
      answer(JSON.parse(Buffer.concat(body).toString('utf8'))).then(
        (out) => send(res, out),
        () => res.writeHead(502).end()
      )
    })
  })
}
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING ${server.address().port}\n`))
process.on('SIGINT', () => process.exit(0))
