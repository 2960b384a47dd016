#!/usr/bin/env node
/**
 * Installs the pinned coding-agent CLIs (Codex, Claude Code) into a cache folder, outside the
 * project's dependencies: they are large, and only the agent test suite (tests/agents/) runs them.
 *
 *   node scripts/install-agent-clients.mjs      # into .cache/agent-clients (or $LLMNET_AGENT_CLIENTS)
 *
 * Prints the folder of each binary. A second run with the same pins does nothing.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** The client versions the agent suite is written against. */
export const AGENT_CLIENTS = {
  '@openai/codex': '0.171.0',
  '@anthropic-ai/claude-code': '2.1.332'
}

export function agentClientsDir() {
  return process.env.LLMNET_AGENT_CLIENTS || join(root, '.cache', 'agent-clients')
}

function installedVersion(dir, name) {
  try {
    return JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version
  } catch {
    return undefined
  }
}

function main() {
  const dir = agentClientsDir()
  mkdirSync(dir, { recursive: true })
  const missing = Object.entries(AGENT_CLIENTS).filter(([n, v]) => installedVersion(dir, n) !== v)
  if (missing.length > 0) {
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ private: true, dependencies: AGENT_CLIENTS }, null, 2) + '\n'
    )
    // Claude Code links its native binary in a postinstall script, which npm 11 runs only when
    // allowed; --foreground-scripts shows its output if it fails.
    execFileSync(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--no-save',
        '--foreground-scripts',
        '--prefix',
        dir,
        ...missing.map(([n, v]) => `${n}@${v}`)
      ],
      { stdio: 'inherit' }
    )
  }
  for (const bin of ['codex', 'claude']) {
    const path = join(dir, 'node_modules', '.bin', bin)
    if (!existsSync(path)) throw new Error(`${bin} was not installed in ${dir}`)
    const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim()
    console.log(`${bin}: ${path} (${version})`)
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
