import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'
import SummaryReporter from './tests/support/summary-reporter'

// vitest 5's failure summary calls Map.groupBy, which Node 20 lacks (Node 21+ has it); without
// this, a failing run on Node 20 ends in "Unhandled Error" instead of showing the failures.
if (!('groupBy' in Map)) {
  Object.defineProperty(Map, 'groupBy', {
    value: <K, T>(items: Iterable<T>, key: (item: T, index: number) => K): Map<K, T[]> => {
      const out = new Map<K, T[]>()
      let i = 0
      for (const item of items) {
        const k = key(item, i++)
        const list = out.get(k)
        if (list) list.push(item)
        else out.set(k, [item])
      }
      return out
    }
  })
}

export default defineConfig({
  test: {
    // Renderer component tests are .test.tsx and choose happy-dom in their first line.
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'tests/**/*.test.ts'],
    reporters: ['default', new SummaryReporter()],
    // Rebuilds the CLI bundle when stale and sets LLMNET_CLI_BUNDLE: child `llmnet`s skip tsx.
    globalSetup: ['tests/support/cli-bundle.ts'],
    // Real child processes, sockets and (later) SQLite files: isolate in forks.
    pool: 'forks',
    // One file per core. Vitest's default is one fewer than the cores (a single worker on a
    // 2-core machine), but these files mostly wait on child processes, sockets and Chromium:
    // with one worker the suite used about one core of two (docs/testing.md).
    maxWorkers: Math.max(2, availableParallelism()),
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
