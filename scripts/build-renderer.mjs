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
  await build({
    root: path.join(ROOT, 'src', 'renderer'),
    base: './',
    plugins: [react()],
    logLevel: 'warn',
    configFile: false,
    build: { outDir, emptyOutDir: true, reportCompressedSize: false }
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildRenderer(process.argv[2])
