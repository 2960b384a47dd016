#!/usr/bin/env node
/**
 * Builds the renderer into out/renderer with the settings of electron.vite.config.ts's renderer
 * (root src/renderer, React, a relative base), without Electron: what `llmnet serve --ui` serves
 * and what the npm package ships (`prepack`). The e2e suite calls `buildRenderer()` when stale.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
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

/** The newest modification time of any file under `dir`. */
function newest(dir) {
  let latest = 0
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name)
    const st = statSync(p)
    latest = Math.max(latest, st.isDirectory() ? newest(p) : st.mtimeMs)
  }
  return latest
}

/** Whether `outDir` holds a build newer than the renderer's and the shared code's sources. */
export function rendererIsFresh(outDir = path.join(ROOT, 'out', 'renderer')) {
  const index = path.join(outDir, 'index.html')
  if (!existsSync(index)) return false
  const sources = Math.max(
    newest(path.join(ROOT, 'src', 'renderer')),
    newest(path.join(ROOT, 'src', 'shared'))
  )
  return statSync(index).mtimeMs >= sources
}

// `--if-stale` (what `prepack` runs): keep a build that is already up to date. Rebuilding it in
// place would pull the files from under a server that is serving them (the test suite packs the
// package while its UI tests run).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const outDir = args.find((a) => !a.startsWith('--'))
  if (!(args.includes('--if-stale') && rendererIsFresh(outDir))) await buildRenderer(outDir)
}
