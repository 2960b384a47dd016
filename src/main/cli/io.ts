export interface CliWritable {
  write(chunk: string): unknown
  isTTY?: boolean
}

/** What a command may touch: passed in so commands run the same in a test and in a terminal. */
export interface CliIO {
  stdout: CliWritable
  stderr: CliWritable
  env: NodeJS.ProcessEnv
  cwd: string
}
