/**
 * @module Headless entry of `llmnet`: no Electron import, runs on plain Node.
 */
import type { CliWritable } from './cli/io'
import { runCli } from './cli/program'

/**
 * A standard stream that goes quiet once its reader is gone (`llmnet validate … | head -1`):
 * the write error is absorbed and later writes are dropped, so the command still finishes and
 * exits with its own code instead of crashing on EPIPE.
 */
export function quietWhenClosed(stream: NodeJS.WriteStream): CliWritable {
  let closed = false
  // Any write error on stdout/stderr (EPIPE, a closed terminal) means nobody is reading.
  stream.on('error', () => {
    closed = true
  })
  return {
    write: (chunk: string) => (closed || stream.destroyed ? false : stream.write(chunk)),
    get isTTY() {
      return stream.isTTY
    }
  }
}

/** Runs the CLI with real stdio and returns the exit code. */
export function main(argv: string[]): Promise<number> {
  return runCli(argv, {
    stdout: quietWhenClosed(process.stdout),
    stderr: quietWhenClosed(process.stderr),
    env: process.env,
    cwd: process.cwd()
  })
}
