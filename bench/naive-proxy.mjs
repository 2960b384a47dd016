// The baseline: a naive node:http pass-through that forwards the body and pipes the answer back.
import { Agent, createServer, request } from 'node:http'

const upstream = new URL(process.argv[2])
const agent = new Agent({ keepAlive: true, maxSockets: 256 })
const server = createServer((req, res) => {
  const body = []
  req.on('data', (c) => body.push(c))
  req.on('end', () => {
    const buf = Buffer.concat(body)
    const up = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        agent,
        headers: { 'content-type': 'application/json', 'content-length': buf.length }
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, {
          'content-type': upRes.headers['content-type'] ?? 'application/json'
        })
        upRes.pipe(res)
      }
    )
    up.on('error', () => res.writeHead(502).end())
    up.end(buf)
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING ${server.address().port}\n`))
// Exits (rather than dying of the signal) so `node --cpu-prof` writes its profile.
process.on('SIGINT', () => process.exit(0))
