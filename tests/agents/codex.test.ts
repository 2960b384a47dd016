/**
 * The real Codex CLI (`codex exec`, pinned in scripts/install-agent-clients.mjs) on its default
 * settings against a real `llmnet run` (port 0) over 1-0-1, router and multi-layer pipelines.
 * Its only configuration is the config.toml of docs/clients.md in a temporary CODEX_HOME: the
 * local provider, no update check, no analytics, no plugin catalogue sync (which fetches from
 * github.com and chatgpt.com at start-up). Every outbound connection goes through a proxy
 * trap, which must see none. The fake upstream calls Codex's `exec_command` tool once and then
 * answers with what the command printed (thinking first), so each pipeline does a whole tool
 * round trip through Codex's own tool runner and shows the model's reasoning.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killAll, type Proc, runServer } from '../support/cli-process'
import {
  defaultResponder,
  type FakeUpstream,
  type Responder,
  startFakeUpstream
} from '../support/fake-openai'
import { isRouterCall, tempDir, writeComposition } from '../support/harness'
import { clientCompositions, PIPELINES } from '../clients/compositions'
import { agentBinary, type ProxyTrap, requireAgent, runAgent, startProxyTrap } from './support'

const CODEX = agentBinary('codex')
requireAgent('codex', CODEX)

const MARKER = 'llmnet-tool-ok'

interface WireMessage {
  role: string
  content: unknown
  tool_call_id?: string
}

/**
 * Offered Codex's tools (and no tool result yet): calls `exec_command` to echo a marker. With
 * the command's output: answers quoting it. Routers pick their first option.
 */
const codexResponder: Responder = (req, i) => {
  const body = req.body ?? {}
  const messages = (body.messages ?? []) as WireMessage[]
  const result = messages.find((m) => m.role === 'tool')
  if (result)
    return {
      reasoningContent: 'Reading the command output.',
      content: `The command said: ${String(result.content)}`
    }
  const tools = (body.tools ?? []) as { function: { name: string } }[]
  if (tools.some((t) => t.function.name === 'exec_command'))
    return {
      toolCalls: [
        {
          index: 0,
          id: 'call_exec_1',
          type: 'function',
          function: { name: 'exec_command', arguments: JSON.stringify({ cmd: `echo ${MARKER}` }) }
        }
      ]
    }
  return defaultResponder(req, i)
}

let up: FakeUpstream
let server: { proc: Proc; url: string }
let trap: ProxyTrap
let tmp: { dir: string; remove(): void }

beforeAll(async () => {
  if (!CODEX) return
  up = await startFakeUpstream(codexResponder)
  trap = await startProxyTrap()
  tmp = tempDir('llmnet-codex-')
  const files = Object.entries(clientCompositions(up.url)).map(([id, c]) =>
    writeComposition(tmp.dir, id, c)
  )
  server = await runServer(files)
})
afterAll(async () => {
  if (!CODEX) return
  await killAll()
  await trap.close()
  await up.close()
  tmp.remove()
})

/** The config.toml of docs/clients.md, for one pipeline. */
function configToml(url: string, model: string): string {
  return `model = "${model}"
model_provider = "llmnet"
check_for_update_on_startup = false

[analytics]
enabled = false

[features]
plugins = false

[model_providers.llmnet]
name = "llmnet"
base_url = "${url}/v1"
wire_api = "responses"
`
}

describe.runIf(CODEX)('codex exec on its defaults', () => {
  it.each(PIPELINES)('runs a tool round trip on pipeline %s', async (pipeline) => {
    const home = path.join(tmp.dir, `codex-home-${pipeline}`)
    const work = path.join(tmp.dir, `work-${pipeline}`)
    mkdirSync(home, { recursive: true })
    mkdirSync(work, { recursive: true })
    writeFileSync(path.join(home, 'config.toml'), configToml(server.url, pipeline))
    const before = up.requests.length
    const run = await runAgent(
      CODEX as string,
      ['exec', '--skip-git-repo-check', 'Run the echo command and tell me what it printed'],
      {
        cwd: work,
        env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: home, NO_COLOR: '1', ...trap.env },
        timeoutMs: 40_000
      }
    )
    const output = `${run.stdout}\n${run.stderr}`
    expect(run.code, output).toBe(0)
    // The final answer is the answering node's, quoting what Codex's tool printed.
    expect(run.stdout).toContain(`The command said:`)
    expect(run.stdout).toContain(MARKER)
    // The model's thinking is shown as Codex's reasoning.
    expect(output).toContain('Reading the command output.')

    const seen = up.requests.slice(before).filter((r) => !isRouterCall(r))
    const first = seen.find((r) => Array.isArray(r.body?.tools))
    const names = (first?.body.tools as { function: { name: string } }[]).map(
      (t) => t.function.name
    )
    // Codex's namespaced tools reach the model under NAMESPACE__NAME; hosted ones are left out.
    expect(names).toContain('exec_command')
    expect(names.some((n) => n.startsWith('multi_agent_v1__'))).toBe(true)
    expect(names).not.toContain('web_search')
    // The tool's result went back upstream as a tool message for the call the model made.
    const withResult = seen.find((r) =>
      (r.body?.messages as WireMessage[]).some((m) => m.role === 'tool')
    )
    const result = (withResult?.body.messages as WireMessage[]).find((m) => m.role === 'tool')
    expect(result?.tool_call_id).toBe('call_exec_1')
    expect(String(result?.content)).toContain(MARKER)
    expect(trap.attempts, 'Codex tried to reach the internet').toEqual([])
  })
})
