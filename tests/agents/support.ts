/**
 * What the real coding-agent suites (Codex, Claude Code) share: where the pinned binaries are
 * (`${LLMNET_AGENT_CLIENTS:-<repo>/.cache/agent-clients}`, installed by
 * scripts/install-agent-clients.mjs), skipping with a message when one is missing (a failure
 * when LLMNET_AGENTS_REQUIRED=1, as `.ci/run` sets), and a proxy trap that records any attempt
 * to reach the internet (the agents run with HTTP(S)_PROXY pointing at it and NO_PROXY for the
 * local server).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../support/cli-process'

/** Where the agent CLIs are installed. */
export const AGENT_CLIENTS =
  process.env.LLMNET_AGENT_CLIENTS || path.join(ROOT, '.cache', 'agent-clients')

/** `.ci/run` sets it: there, a missing binary fails instead of skipping. */
export const AGENTS_REQUIRED = process.env.LLMNET_AGENTS_REQUIRED === '1'

/** The path of an installed agent binary, or undefined (with the skip message printed). */
export function agentBinary(name: 'codex' | 'claude'): string | undefined {
  const bin = path.join(AGENT_CLIENTS, 'node_modules', '.bin', name)
  if (existsSync(bin)) return bin
  console.warn(
    `agent tests skipped: no ${name} at ${bin} (run node scripts/install-agent-clients.mjs, or set LLMNET_AGENT_CLIENTS); LLMNET_AGENTS_REQUIRED=1 makes this a failure`
  )
  return undefined
}

/** A failing test when the binary is required but missing (the suite itself is skipped). */
export function requireAgent(name: string, bin: string | undefined): void {
  describe.runIf(AGENTS_REQUIRED && !bin)(`required agent ${name}`, () => {
    it(`has ${name}`, () => {
      expect(
        bin,
        `LLMNET_AGENTS_REQUIRED=1 but ${name} is not installed: node scripts/install-agent-clients.mjs`
      ).toEqual(expect.any(String))
    })
  })
}

/** A proxy that refuses every request and records where it was going. */
export interface ProxyTrap {
  url: string
  /** `CONNECT host:port` targets and plain-HTTP URLs that were attempted. */
  attempts: string[]
  /** The environment that sends an agent's outbound traffic here (local addresses excepted). */
  env: Record<string, string>
  close(): Promise<void>
}

export async function startProxyTrap(): Promise<ProxyTrap> {
  const attempts: string[] = []
  const server = createServer((req, res) => {
    attempts.push(req.url ?? '')
    res.writeHead(403).end('no internet in the agent tests')
  })
  server.on('connect', (req, socket) => {
    attempts.push(req.url ?? '')
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const noProxy = '127.0.0.1,localhost,::1'
  return {
    url,
    attempts,
    env: {
      HTTP_PROXY: url,
      HTTPS_PROXY: url,
      ALL_PROXY: url,
      http_proxy: url,
      https_proxy: url,
      all_proxy: url,
      NO_PROXY: noProxy,
      no_proxy: noProxy
    },
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

export interface AgentRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs an agent binary to its end (stdin closed), killing it after `timeoutMs`. */
export function runAgent(
  bin: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }
): Promise<AgentRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, stdout, stderr })
    })
  })
}
