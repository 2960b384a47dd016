/** Builds the renderer into a temp folder with Vite, so UI tests never run a stale build. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import react from '@vitejs/plugin-react'
import { build } from 'vite'
import { ROOT } from './fake-api'

/** The folder holding index.html and assets. */
export async function buildRenderer(): Promise<string> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'llmnet-renderer-'))
  await build({
    root: path.join(ROOT, 'src', 'renderer'),
    base: './',
    plugins: [react()],
    logLevel: 'warn',
    configFile: false,
    build: { outDir, emptyOutDir: true, reportCompressedSize: false, chunkSizeWarningLimit: 8000 }
  })
  return outDir
}
