/** Exit codes of `llmnet` (documented in docs/cli.md). */
export const EXIT = {
  /** Success; for `validate`, every file is valid (warnings allowed). */
  OK: 0,
  /** A composition is invalid or cannot be read. */
  INVALID: 1,
  /** The command line is wrong: unknown command or option, missing argument. */
  USAGE: 2,
  /** A runtime failure: the server cannot start, an upstream fails, an internal error. */
  RUNTIME: 3,
  /** `eval`: a case failed, or routing accuracy is below `--min-accuracy`. */
  EVAL_FAILED: 4
} as const
