/**
 * `llmnet` as a real child process (node bin/llmnet.mjs): its output as it arrives, its exit code,
 * and waits on what it prints (never on time).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'

export const ROOT = path.resolve(import.meta.dirname, '..', '..')
export const BIN = path.join(ROOT, 'bin', 'llmnet.mjs')

export interface Proc {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  /** Resolves with the exit code (a signal counts as failure: -1). */
  exited: Promise<number>
  /** Resolves with the first match of `re` in stdout or stderr, rejects if the process exits first. */
  waitFor(stream: 'stdout' | 'stderr', re: RegExp): Promise<RegExpMatchArray>
}

const running = new Set<ChildProcess>()

/**
 * The bare environment every test child starts from: PATH, NO_COLOR, and LLMNET_CLI_BUNDLE (set
 * by tests/support/cli-bundle.ts) so bin/llmnet.mjs runs a fresh bundle instead of src/ via tsx.
 */
export function bareEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const bundle = process.env.LLMNET_CLI_BUNDLE
  return {
    PATH: process.env.PATH,
    NO_COLOR: '1',
    ...(bundle === undefined ? {} : { LLMNET_CLI_BUNDLE: bundle }),
    ...env
  }
}

/** Starts `llmnet …args` with a bare environment (see bareEnv, plus `env`). */
export function llmnet(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: bareEnv(env),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  running.add(child)
  const out = { stdout: '', stderr: '' }
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out.stdout += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out.stderr += d))
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code) => {
      running.delete(child)
      resolve(code ?? -1)
    })
  })
  const waitFor = (stream: 'stdout' | 'stderr', re: RegExp): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = re.exec(out[stream])
        if (m) {
          child[stream]?.off('data', onData)
          resolve(m)
        }
        return Boolean(m)
      }
      const onData = (): void => void check()
      if (check()) return
      child[stream]?.on('data', onData)
      void exited.then((code) => {
        if (!check())
          reject(
            new Error(
              `llmnet exited (${code}) before ${re} appeared on ${stream}\nstdout: ${out.stdout}\nstderr: ${out.stderr}`
            )
          )
      })
    })
  return { child, stdout: () => out.stdout, stderr: () => out.stderr, exited, waitFor }
}

/** Starts `llmnet run … --port 0` and returns the API base URL it printed (without /v1). */
export async function runServer(
  sources: string[],
  env: NodeJS.ProcessEnv = {},
  flags: string[] = []
): Promise<{ proc: Proc; url: string }> {
  const proc = llmnet(['run', ...sources, '--port', '0', ...flags], env)
  const [, url] = await proc.waitFor(
    'stdout',
    /OpenAI-compatible API: (http:\/\/127\.0\.0\.1:\d+)\/v1/
  )
  return { proc, url: url as string }
}

/** Kills every process still running (for afterEach). */
export async function killAll(): Promise<void> {
  for (const child of running) {
    const gone = once(child, 'exit')
    child.kill('SIGKILL')
    await gone
  }
}
