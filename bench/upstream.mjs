// A fast OpenAI-compatible upstream for the benchmark: fixed answers, no waiting.
import { createServer } from 'node:http'

const json = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1,
  model: 'bench',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'The quick brown fox jumps over the lazy dog.' },
      finish_reason: 'stop'
    }
  ],
  usage: { prompt_tokens: 12, completion_tokens: 10, total_tokens: 22 }
})
const words =
  'The quick brown fox jumps over the lazy dog and keeps on running through the green field today'.split(
    ' '
  )
const chunk = (delta, finish = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'bench', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
const sse =
  chunk({ role: 'assistant', content: '' }) +
  words.map((w) => chunk({ content: `${w} ` })).join('') +
  chunk({}, 'stop') +
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'bench', choices: [], usage: { prompt_tokens: 12, completion_tokens: 20, total_tokens: 32 } })}\n\n` +
  'data: [DONE]\n\n'
const sseParts = sse.split(/(?<=\n\n)/)

const server = createServer((req, res) => {
  const body = []
  req.on('data', (c) => body.push(c))
  req.on('end', () => {
    const stream = Buffer.concat(body).includes('"stream":true')
    if (!stream) {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(json)
      })
      res.end(json)
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    // One write per event, as a real server flushes tokens one by one.
    for (const part of sseParts) res.write(part)
    res.end()
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`)
})
