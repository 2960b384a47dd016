#!/usr/bin/env node
/**
 * Builds the renderer into out/renderer with the settings of electron.vite.config.ts's renderer
 * (root src/renderer, React, a relative base), without Electron: what `llmnet serve --ui` serves
 * and what the npm package ships (`prepack`). The e2e suite calls `buildRenderer()` when stale.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { build } from 'vite'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** Builds the renderer into `outDir` (default out/renderer). */
export async function buildRenderer(outDir = path.join(ROOT, 'out', 'renderer')) {
  // A production build whatever NODE_ENV the caller runs under (vitest sets "test", which makes
  // Vite pick development builds of the dependencies).
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({
      mode: 'production',
      root: path.join(ROOT, 'src', 'renderer'),
      base: './',
      plugins: [react()],
      logLevel: 'warn',
      configFile: false,
      build: { outDir, emptyOutDir: true, reportCompressedSize: false }
    })
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = nodeEnv
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildRenderer(process.argv[2])
