/**
 * The real Claude Code (`claude -p`, pinned in scripts/install-agent-clients.mjs) on its default
 * settings against a real `llmnet run` (port 0) over 1-0-1, router and multi-layer pipelines.
 * Its only configuration is the environment of docs/clients.md: the base URL, a key, the model
 * id, and the documented switch that turns off its telemetry, error reports, update checks and
 * other non-essential traffic; HOME is a fresh folder. Every outbound connection goes through a
 * proxy trap, which must see none. The fake upstream calls Claude Code's `Read` tool once (reading
 * a file of the working folder needs no permission on the defaults) and then answers with what it
 * read (thinking first), so each pipeline does a whole tool round trip through Claude Code's own
 * tool runner and reads a thinking block. On the way, each request carries what Claude Code
 * always sends: a `system` message after the user's turn, adaptive thinking, server-side context
 * edits and an effort level.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientCompositions, PIPELINES } from '../clients/compositions'
import { killAll, type Proc, runServer } from '../support/cli-process'
import {
  defaultResponder,
  type FakeUpstream,
  type RecordedRequest,
  type Responder,
  startFakeUpstream
} from '../support/fake-openai'
import { tempDir, writeComposition } from '../support/harness'
import {
  type AgentRun,
  agentBinary,
  type ProxyTrap,
  requireAgent,
  runAgent,
  startProxyTrap
} from './support'

const CLAUDE = agentBinary('claude')
requireAgent('claude', CLAUDE)

const MARKER = 'llmnet-tool-ok'
const KEY = 'sk-llmnet-test'

interface WireMessage {
  role: string
  content: unknown
  tool_call_id?: string
}

/**
 * Offered Claude Code's tools (and no tool result yet): calls `Read` on the marker file. With the
 * tool's result: answers quoting it. Routers pick their first option.
 */
function claudeResponder(markerFile: () => string): Responder {
  return (req, i) => {
    const body = req.body ?? {}
    if (body.response_format?.json_schema) return defaultResponder(req, i)
    const messages = (body.messages ?? []) as WireMessage[]
    const result = messages.find((m) => m.role === 'tool')
    // The answer thinks first: Claude Code reads the thinking block it gets back (text omitted).
    if (result)
      return {
        content: `The file said: ${String(result.content)}`,
        reasoningContent: 'The tool answered; quote it.'
      }
    const tools = (body.tools ?? []) as { function: { name: string } }[]
    if (tools.some((t) => t.function.name === 'Read'))
      return {
        toolCalls: [
          {
            index: 0,
            id: 'toolu_read_1',
            type: 'function',
            function: { name: 'Read', arguments: JSON.stringify({ file_path: markerFile() }) }
          }
        ]
      }
    return defaultResponder(req, i)
  }
}

function runClaude(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }
): Promise<AgentRun> {
  return runAgent(CLAUDE as string, args, opts)
}

/** The environment of docs/clients.md for one pipeline. */
function claudeEnv(url: string, model: string): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: url,
    ANTHROPIC_API_KEY: KEY,
    ANTHROPIC_MODEL: model,
    // Documented as the same as DISABLE_AUTOUPDATER, DISABLE_ERROR_REPORTING, DISABLE_TELEMETRY…
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1'
  }
}

let up: FakeUpstream
let server: { proc: Proc; url: string }
let trap: ProxyTrap
let tmp: { dir: string; remove(): void }
let marker = ''

beforeAll(async () => {
  if (!CLAUDE) return
  up = await startFakeUpstream(claudeResponder(() => marker))
  trap = await startProxyTrap()
  tmp = tempDir('llmnet-claude-')
  const files = Object.entries(clientCompositions(up.url)).map(([id, c]) =>
    writeComposition(tmp.dir, id, c)
  )
  server = await runServer(files, { LLMNET_API_KEY: KEY })
})
afterAll(async () => {
  if (!CLAUDE) return
  await killAll()
  await trap.close()
  await up.close()
  tmp.remove()
})

const answering = (r: RecordedRequest): boolean => !r.body?.response_format?.json_schema

describe.runIf(CLAUDE)('claude -p on its defaults', () => {
  it.each(PIPELINES)(
    'runs a tool round trip on pipeline %s',
    async (pipeline) => {
      const home = path.join(tmp.dir, `home-${pipeline}`)
      const work = path.join(tmp.dir, `work-${pipeline}`)
      mkdirSync(home, { recursive: true })
      mkdirSync(work, { recursive: true })
      marker = path.join(work, 'marker.txt')
      writeFileSync(marker, `${MARKER}\n`)
      const before = up.requests.length
      const run = await runClaude(['-p', 'Read marker.txt and tell me what it says'], {
        cwd: work,
        env: {
          PATH: process.env.PATH,
          HOME: home,
          NO_COLOR: '1',
          ...claudeEnv(server.url, pipeline),
          ...trap.env
        },
        timeoutMs: 15_000
      })
      const output = `${run.stdout}\n${run.stderr}`
      expect(run.code, output).toBe(0)
      // The final answer is the answering node's, quoting what Claude Code's Read tool returned.
      expect(run.stdout).toContain('The file said:')
      expect(run.stdout).toContain(MARKER)

      const seen = up.requests.slice(before).filter(answering)
      const first = seen[0]
      const names = (first?.body.tools as { function: { name: string } }[]).map(
        (t) => t.function.name
      )
      expect(names).toContain('Read')
      // Claude Code's mid-conversation system message joined the one leading system prompt.
      const sent = first?.body.messages as WireMessage[]
      expect(sent[0]?.role).toBe('system')
      expect(String(sent[0]?.content)).toContain('# Environment')
      expect(
        sent
          .slice(1)
          .some((m) => m.role === 'system' && String(m.content).includes('# Environment'))
      ).toBe(false)
      // The tool's result went back upstream as a tool message for the call the model made.
      const withResult = seen.find((r) =>
        (r.body?.messages as WireMessage[]).some((m) => m.role === 'tool')
      )
      const result = (withResult?.body.messages as WireMessage[]).find((m) => m.role === 'tool')
      expect(result?.tool_call_id).toBe('toolu_read_1')
      expect(String(result?.content)).toContain(MARKER)
      expect(trap.attempts, 'Claude Code tried to reach the internet').toEqual([])
    },
    20_000
  )
})
