#!/usr/bin/env node
// Entry of the `llmnet` command. In a source checkout it runs the TypeScript sources through tsx;
// a packaged build ships the bundled out/cli/cli.mjs instead.
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const [major] = process.versions.node.split('.').map(Number)
if (major < 20) {
  process.stderr.write(`llmnet needs Node.js 20 or newer (this is ${process.version}).\n`)
  process.exit(3)
}

const source = fileURLToPath(new URL('../src/main/cli.ts', import.meta.url))
const bundled = fileURLToPath(new URL('../out/cli/cli.mjs', import.meta.url))
let entry
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api')
  register()
  entry = source
} else {
  entry = bundled
}
const { main } = await import(pathToFileURL(entry).href)
process.exitCode = await main(process.argv.slice(2))
