#!/usr/bin/env node
// better-sqlite3 for Electron's ABI, as a second copy: node_modules/better-sqlite3 stays built for
// Node (the CLI and the tests load it), and the app loads this one through better-sqlite3's
// `nativeBinding` option (src/main/core/storage/native-binding.ts). Rebuilding in place instead
// would break every Node user of the module until the next `npm rebuild`.
//
// How: copy the module (without its build/) to node_modules/.llmnet-electron/stage, let
// @electron/rebuild fetch a prebuilt binary or compile it against Electron's headers (both need
// the internet), and keep the resulting better_sqlite3.node plus a stamp of the versions.
//
// Usage: node scripts/build-native-electron.mjs [--root DIR] [--electron VERSION]
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** Where the Electron build lives, relative to the project root (native-binding.ts agrees). */
export const NATIVE_DIR = path.join('node_modules', '.llmnet-electron')
const BINARY = 'better_sqlite3.node'
const STAMP = 'better_sqlite3.json'

function versionOf(root, pkg) {
  const file = path.join(root, 'node_modules', pkg, 'package.json')
  return JSON.parse(readFileSync(file, 'utf8')).version
}

function wantedStamp(root, electronVersion) {
  return {
    electron: electronVersion,
    betterSqlite3: versionOf(root, 'better-sqlite3'),
    platform: process.platform,
    arch: process.arch
  }
}

/** Whether the Electron build exists and matches the installed Electron and better-sqlite3. */
export function nativeBuildIsCurrent(root, electronVersion) {
  const dir = path.join(root, NATIVE_DIR)
  if (!existsSync(path.join(dir, BINARY))) return false
  try {
    const stamp = JSON.parse(readFileSync(path.join(dir, STAMP), 'utf8'))
    const wanted = wantedStamp(root, electronVersion)
    return Object.keys(wanted).every((key) => stamp[key] === wanted[key])
  } catch {
    return false
  }
}

/** Builds better-sqlite3 for `electronVersion`; throws with the reason when it cannot. */
export async function buildNativeForElectron({ root, electronVersion, log = () => undefined }) {
  const dir = path.join(root, NATIVE_DIR)
  const stage = path.join(dir, 'stage')
  const source = realpathSync(path.join(root, 'node_modules', 'better-sqlite3'))
  const staged = path.join(stage, 'node_modules', 'better-sqlite3')
  const stamp = wantedStamp(root, electronVersion)

  log(`llmnet: building better-sqlite3 ${stamp.betterSqlite3} for Electron ${electronVersion}…\n`)
  rmSync(stage, { recursive: true, force: true })
  mkdirSync(path.dirname(staged), { recursive: true })
  cpSync(source, staged, {
    recursive: true,
    filter: (src) => path.relative(source, src).split(path.sep)[0] !== 'build'
  })
  writeFileSync(
    path.join(stage, 'package.json'),
    JSON.stringify({
      name: 'llmnet-electron-native',
      private: true,
      dependencies: { 'better-sqlite3': stamp.betterSqlite3 }
    })
  )

  const { rebuild } = await import('@electron/rebuild')
  await rebuild({
    buildPath: stage,
    electronVersion,
    onlyModules: ['better-sqlite3'],
    force: true
  })
  const built = path.join(staged, 'build', 'Release', BINARY)
  if (!existsSync(built)) throw new Error(`the rebuild finished without ${built}`)
  cpSync(built, path.join(dir, BINARY))
  writeFileSync(path.join(dir, STAMP), `${JSON.stringify(stamp, null, 2)}\n`)
  rmSync(stage, { recursive: true, force: true })
  log(`llmnet: ${path.join(NATIVE_DIR, BINARY)} is ready\n`)
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const at = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined)
  const root = path.resolve(at('--root') ?? path.join(path.dirname(process.argv[1]), '..'))
  const electronVersion = at('--electron') ?? versionOf(root, 'electron')
  try {
    await buildNativeForElectron({ root, electronVersion, log: (s) => process.stdout.write(s) })
  } catch (err) {
    process.stderr.write(
      `llmnet: cannot build better-sqlite3 for Electron ${electronVersion}: ${err.message}\n`
    )
    process.exitCode = 1
  }
}
