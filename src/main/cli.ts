/**
 * @module Headless entry of `llmnet`: no Electron import, runs on plain Node.
 */
import { runCli } from './cli/program'

/** Runs the CLI with real stdio and returns the exit code. */
export function main(argv: string[]): Promise<number> {
  return runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd()
  })
}
