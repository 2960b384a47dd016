import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'electron-vite'

// Dependencies stay external in main and preload (electron-vite's default); native modules
// (better-sqlite3, node-llama-cpp) are loaded from node_modules at run time.
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        // The model worker is its own entry (forked by utilityProcess). It must never import
        // the main entry: that would start a second app inside the worker.
        input: {
          index: resolve('src/main/index.ts'),
          'llama-worker': resolve('src/main/core/local/llama-worker.ts')
        },
        // worker-fork.ts looks for `llama-worker.mjs` next to the code that forks it.
        output: {
          entryFileNames: (chunk) => (chunk.name === 'llama-worker' ? '[name].mjs' : '[name].js')
        }
      }
    }
  },
  preload: {
    build: {
      // A sandboxed preload must be CommonJS.
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    root: resolve('src/renderer'),
    build: {
      // Minified like the web UI's build (scripts/build-renderer.mjs): electron-vite leaves the
      // renderer unminified otherwise (1.1 MB for the first page instead of 0.5 MB).
      minify: true,
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } }
    },
    plugins: [react()]
  }
})
