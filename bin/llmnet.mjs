#!/usr/bin/env node
// Entry of the `llmnet` command. The npm package ships the bundled out/cli/cli.mjs (built on
// `prepack`) and no sources; a source checkout runs src/ through tsx (a devDependency), so that
// `npm run cli` never runs a stale bundle. LLMNET_CLI_BUNDLE=<path of a bundled cli.mjs> runs that
// bundle instead: the test suite sets it to a fresh copy of the bundle (tests/support/
// cli-bundle.ts), which saves tsx's start-up, about half a second, on every child process.
import { existsSync } from 'node:fs'
import module from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const [major] = process.versions.node.split('.').map(Number)
if (major < 20) {
  process.stderr.write(`llmnet needs Node.js 20 or newer (this is ${process.version}).\n`)
  process.exit(3)
}
// Node 22.1+ keeps compiled code between runs: a faster start. (Absent on Node 20.)
module.enableCompileCache?.()

const source = fileURLToPath(new URL('../src/main/cli.ts', import.meta.url))
const bundled = fileURLToPath(new URL('../out/cli/cli.mjs', import.meta.url))

async function sourceLoader() {
  if (!existsSync(source)) return false
  try {
    const { register } = await import('tsx/esm/api')
    register()
    return true
  } catch {
    return false // a checkout installed without devDependencies: use the bundle if built
  }
}

let entry
const chosen = process.env.LLMNET_CLI_BUNDLE
if (chosen && existsSync(chosen)) entry = chosen
else if (await sourceLoader()) entry = source
else if (existsSync(bundled)) entry = bundled
else {
  process.stderr.write(
    'llmnet: out/cli/cli.mjs is missing and tsx is not installed: run `npm run build:cli`.\n'
  )
  process.exit(3)
}
const { main } = await import(pathToFileURL(entry).href)
process.exitCode = await main(process.argv.slice(2))
