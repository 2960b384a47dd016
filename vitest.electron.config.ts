import { defineConfig } from 'vitest/config'

// `npm run test:electron`: the real Electron app, driven by Playwright (tests/electron). Not part
// of `npm test` (its files do not end in .test.ts); it needs Electron's binary and the Electron
// build of better-sqlite3 (`node scripts/ensure-electron.mjs`) and a display (xvfb-run on Linux).
export default defineConfig({
  test: {
    include: ['tests/electron/**/*.electron.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000
  }
})
