/**
 * Shared fast-check settings for the fuzz suite. Every property runs from a fixed seed with a
 * bounded number of runs, so `npm test` replays the same inputs each time; `FUZZ_RUNS` and
 * `FUZZ_SEED` widen or move the search (docs/testing.md).
 */
import type fc from 'fast-check'

/** The seed `npm test` uses; `FUZZ_SEED=<n>` (or `FUZZ_SEED=random`) explores other inputs. */
export const FUZZ_SEED = seedFromEnv(process.env.FUZZ_SEED)

function seedFromEnv(raw: string | undefined): number {
  if (raw === 'random') return Math.floor(Math.random() * 2 ** 31)
  const n = Number(raw)
  return raw && Number.isInteger(n) ? n : 0x11e7
}

/** `FUZZ_RUNS=<n>` replaces every property's default run count (for a long local session). */
const RUNS_OVERRIDE = Number(process.env.FUZZ_RUNS)

/**
 * fast-check parameters: the fixed seed, `numRuns` (or `FUZZ_RUNS`), and a wall-clock cap per
 * property so a slow machine shortens the search instead of failing the suite on its timeout.
 * The cap only stops generating new inputs; it asserts nothing about speed.
 */
export function fuzzParams<T>(numRuns: number, capMs = 5_000): fc.Parameters<T> {
  const override = Number.isInteger(RUNS_OVERRIDE) && RUNS_OVERRIDE > 0
  return {
    seed: FUZZ_SEED,
    numRuns: override ? RUNS_OVERRIDE : numRuns,
    // A long session asked for by FUZZ_RUNS runs all its inputs.
    interruptAfterTimeLimit: override ? undefined : capMs,
    markInterruptAsFailure: false,
    endOnFailure: true
  }
}

/** A test timeout that leaves room for a longer FUZZ_RUNS session. */
export const FUZZ_TEST_TIMEOUT =
  Number.isInteger(RUNS_OVERRIDE) && RUNS_OVERRIDE > 0 ? 6 * 3_600_000 : 30_000
