/**
 * A stand-in `ollama` executable for tests of the managed server (run through tsx by a small
 * wrapper script): `--version` prints a version; `serve` serves the fake Ollama API on
 * OLLAMA_HOST. Behaviour switches: FAKE_OLLAMA_DELAY_MS (wait before listening, to exercise
 * readiness polling), FAKE_OLLAMA_FAIL (print an error and exit 1), FAKE_OLLAMA_IGNORE_SIGTERM
 * (to exercise the SIGKILL fallback), FAKE_OLLAMA_PIDFILE (where to write the pid).
 */
import { writeFileSync } from 'node:fs'
import { startFakeOllama } from './fake-ollama'

const [command] = process.argv.slice(2)
if (command === '--version' || command === '-v') {
  process.stdout.write('ollama version is 0.12.3\n')
  process.exit(0)
}
if (command !== 'serve') {
  process.stderr.write(`unknown command ${command}\n`)
  process.exit(2)
}
if (process.env.FAKE_OLLAMA_PIDFILE)
  writeFileSync(process.env.FAKE_OLLAMA_PIDFILE, String(process.pid))
if (process.env.FAKE_OLLAMA_FAIL) {
  process.stderr.write('Error: listen tcp: address already in use\n')
  process.exit(1)
}
const [, portText] = /:(\d+)$/.exec(process.env.OLLAMA_HOST ?? '') ?? []
await new Promise((r) => setTimeout(r, Number(process.env.FAKE_OLLAMA_DELAY_MS ?? 0)))
const fake = await startFakeOllama({
  port: Number(portText ?? 11434),
  models: [{ name: 'qwen2.5:0.5b' }]
})
process.stderr.write(`Listening on 127.0.0.1:${fake.port} (version 0.12.3)\n`)
process.on('SIGTERM', () => {
  if (process.env.FAKE_OLLAMA_IGNORE_SIGTERM) return
  void fake.close().then(() => process.exit(0))
})
