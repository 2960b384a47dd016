/**
 * A stand-in for the llama.cpp worker (src/main/core/local/llama-worker.ts) with a scripted
 * behaviour, for fault tests: a real child process that speaks the worker's IPC protocol and
 * serves OpenAI chat completions on a port of its own, without loading a model.
 *
 * argv[2] is the worker's JSON parameters (ignored), argv[3] the behaviour:
 * - `answer`: answers at once, "reply from <argv[4]>" (streamed word by word, or as JSON);
 * - `hold`: sends the SSE headers and the role chunk of a stream (nothing for a non-streamed
 *   request), then waits for ever;
 * - `partial`: streams "1 " and "2 ", then waits for ever;
 * - `silent`: never answers;
 * - `crash`: exits with code 1 before it is ready (a model that cannot start).
 * Every request is reported over IPC as `{type: 'test-request', mode}` once the worker has
 * written what it is going to write, so a test knows when to kill it.
 */
import { createServer } from 'node:http'

const mode = process.argv[3] ?? 'answer'
const label = process.argv[4] ?? 'worker'
if (mode === 'crash') process.exit(1)

const chunk = (delta, finish = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'fake',
    choices: [{ index: 0, delta, finish_reason: finish }]
  })}\n\n`

const server = createServer((req, res) => {
  const parts = []
  req.on('data', (c) => parts.push(c))
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}')
    const reported = () => process.send?.({ type: 'test-request', mode })
    if (mode === 'silent') return reported()
    if (!body.stream) {
      if (mode !== 'answer') return reported()
      const text = JSON.stringify({
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: 1,
        model: 'fake',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: `reply from ${label}` },
            finish_reason: 'stop'
          }
        ],
        usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 }
      })
      res.writeHead(200, { 'content-type': 'application/json' }).end(text)
      return reported()
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(chunk({ role: 'assistant', content: '' }))
    const words =
      mode === 'answer' ? ['reply ', 'from ', label] : mode === 'partial' ? ['1 ', '2 '] : []
    for (const w of words) res.write(chunk({ content: w }))
    if (mode === 'answer') res.end(`${chunk({}, 'stop')}data: [DONE]\n\n`)
    // Written chunks leave on the next turn of the loop: report after they are on the wire.
    setImmediate(reported)
  })
})

server.listen(0, '127.0.0.1', () => {
  process.send?.({
    type: 'ready',
    port: server.address().port,
    model: 'fake',
    gpu: false,
    gpuLayers: 0,
    totalLayers: 1,
    vramBytes: 0,
    ramBytes: 1,
    contextSize: 512,
    threads: 1,
    parallel: 1,
    loadMs: 1,
    modelLoadMs: 1
  })
})

process.on('message', (m) => {
  if (m?.type === 'shutdown') process.exit(0)
})
process.on('disconnect', () => process.exit(0))
