#!/usr/bin/env node
// Makes `npm start`, `npm run dev` and `npm run dist` work from a plain `npm install`:
// 1. Electron's binary: electron 45 has no install script, and electron-vite only reads
//    node_modules/electron/path.txt, so we run Electron's own installer (install.js, the
//    `install-electron` bin) when the binary is missing.
// 2. better-sqlite3 for Electron's ABI, beside the Node build the CLI and tests use
//    (scripts/build-native-electron.mjs).
// Each step is skipped quickly when already done. A failure (offline) ends within seconds with
// what went wrong and what to run; exit code 1.
//
// Usage: node scripts/ensure-electron.mjs [--root DIR] [--skip-native]
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const DEFAULT_TIMEOUT_MS = 60_000

function parseArgs(argv) {
  const opts = {
    root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'),
    skipNative: false
  }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root') opts.root = path.resolve(argv[++i] ?? '.')
    else if (argv[i] === '--skip-native') opts.skipNative = true
    else throw new Error(`unknown option ${argv[i]} (options: --root DIR, --skip-native)`)
  }
  return opts
}

function readText(file) {
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    return undefined
  }
}

/** The executable's path when Electron's binary is installed for this version, else undefined. */
function installedElectron(electronDir, version) {
  const exe = readText(path.join(electronDir, 'path.txt'))
  const distVersion = readText(path.join(electronDir, 'dist', 'version'))
  if (!exe || distVersion?.replace(/^v/, '') !== version) return undefined
  const full = path.join(electronDir, 'dist', exe)
  return existsSync(full) ? full : undefined
}

/** The URL Electron's installer downloads from (the same rules as @electron/get). */
function electronDownloadUrl(version, env = process.env) {
  const mirror =
    env.ELECTRON_MIRROR ??
    env.npm_config_electron_mirror ??
    'https://github.com/electron/electron/releases/download/'
  const dir = env.ELECTRON_CUSTOM_DIR ?? `v${version}`
  const platform = env.ELECTRON_INSTALL_PLATFORM ?? env.npm_config_platform ?? process.platform
  const arch = env.ELECTRON_INSTALL_ARCH ?? env.npm_config_arch ?? process.arch
  const base = mirror.endsWith('/') ? mirror : `${mirror}/`
  return `${base}${dir.replace('{{ version }}', version)}/electron-v${version}-${platform}-${arch}.zip`
}

/** Runs a node script, resolving with its exit code and the tail of its output. */
function runNode(script, args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env
    })
    let output = ''
    const keep = (chunk) => {
      output = (output + chunk).slice(-4000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    const timer = setTimeout(() => {
      keep(`\n(no result after ${Math.round(timeoutMs / 1000)} s; stopped)`)
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', (err) => keep(`\n${err.message}`))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code ?? (signal ? 1 : 0), output })
    })
  })
}

/** The installer's error in one or two lines: the first line of each error, no stack frames. */
function summarise(output) {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at '))
  return lines.slice(-2).join(' / ') || 'no output'
}

/**
 * Why the URL cannot be fetched, in Node's terms: the installer prints only "fetch failed",
 * which hides the reason (ENOTFOUND, ECONNREFUSED, a proxy's 403…).
 */
async function probe(url) {
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(10_000) })
    return `HTTP ${res.status} from ${new URL(url).host}`
  } catch (err) {
    const cause = err.cause ?? err
    return `${cause.code ?? cause.name}: ${cause.message}`
  }
}

function fail(lines) {
  process.stderr.write(`${lines.join('\n')}\n`)
  process.exit(1)
}

async function ensureBinary(root) {
  const electronDir = path.join(root, 'node_modules', 'electron')
  const pkg = readText(path.join(electronDir, 'package.json'))
  if (!pkg) {
    fail([
      `llmnet: Electron is not installed (no ${path.join(electronDir, 'package.json')}).`,
      'Run `npm install` first.'
    ])
  }
  const { version } = JSON.parse(pkg)
  if (installedElectron(electronDir, version)) return version

  const url = electronDownloadUrl(version)
  process.stdout.write(`llmnet: downloading Electron ${version} (${url})…\n`)
  const timeoutMs = Number(process.env.LLMNET_ELECTRON_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS
  const result = await runNode(path.join(electronDir, 'install.js'), [], timeoutMs)
  if (result.code === 0 && installedElectron(electronDir, version)) return version
  fail([
    `llmnet: cannot download Electron ${version} from ${url}`,
    `  installer: ${summarise(result.output)}`,
    `  network: ${await probe(url)}`,
    'The desktop app needs this binary (the `llmnet` CLI does not). When online, run:',
    '  node node_modules/electron/install.js      (Electron’s own installer; or `npx install-electron`)',
    'Behind a proxy or firewall, point ELECTRON_MIRROR at a mirror of Electron’s releases.',
    'Without Electron, the same runtime runs headless: npx llmnet run examples/'
  ])
  return version
}

async function ensureNative(root, electronVersion) {
  const { nativeBuildIsCurrent, buildNativeForElectron } =
    await import('./build-native-electron.mjs')
  if (nativeBuildIsCurrent(root, electronVersion)) return
  try {
    await buildNativeForElectron({ root, electronVersion, log: (s) => process.stdout.write(s) })
  } catch (err) {
    fail([
      `llmnet: cannot build better-sqlite3 for Electron ${electronVersion}: ${err.message}`,
      'The app stores its data with it. The build downloads Electron’s headers (or a prebuilt',
      'binary) from the internet; when online, run: node scripts/build-native-electron.mjs'
    ])
  }
}

const opts = (() => {
  try {
    return parseArgs(process.argv.slice(2))
  } catch (err) {
    return fail([`llmnet: ${err.message}`])
  }
})()
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `llmnet: note: Electron's tooling (electron 45, electron-vite 6) asks for Node 22.12+; this is ${process.version}.\n`
  )
}
const version = await ensureBinary(opts.root)
if (!opts.skipNative) await ensureNative(opts.root, version)
