import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    // Real child processes, sockets and (later) SQLite files: isolate in forks.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
