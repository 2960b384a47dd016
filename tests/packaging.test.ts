/**
 * Packs the desktop app with electron-builder (`--dir`, this platform) around a stand-in Electron
 * binary (`electronDist`: the real one cannot be downloaded here) and reads what came out.
 * Catches: a build missing out/main, out/preload, out/renderer, the examples or the tray and app
 * icons; native modules packed inside the asar (they cannot load from there); the Electron build
 * of better-sqlite3 missing from resources/native; other platforms' or architectures' llama.cpp
 * builds (and CUDA's ~540 MB) shipped; the runAsNode fuse turned on; electron-builder rebuilding
 * node_modules in place (the CLI and the tests would lose their Node build of better-sqlite3).
 *
 * The stand-in is a shell script carrying Electron's fuse sentinel with Electron's default fuse
 * wire, so electron-builder's @electron/fuses step really flips it. The Electron-ABI
 * better-sqlite3 is a stand-in file too (Electron's headers cannot be downloaded here); the
 * release workflow packs the real ones (docs/packaging.md).
 */
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import { extractFile, listPackage, statFile } from '@electron/asar'
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses'
import { build, Platform } from 'electron-builder'
import { parse, stringify } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rendererIsFresh } from '../scripts/build-renderer.mjs'
import { tempDir } from './support/harness'

const ROOT = path.join(import.meta.dirname, '..')
const require = createRequire(import.meta.url)
/** Electron's fuse sentinel (@electron/fuses constants) and its default V1 wire of 8 fuses. */
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
const DEFAULT_WIRE = '10110001'
const supported = process.platform === 'linux'

/** The newest modification time under `p`. */
function newest(p: string): number {
  const info = statSync(p)
  if (!info.isDirectory()) return info.mtimeMs
  return Math.max(0, ...readdirSync(p).map((name) => newest(path.join(p, name))))
}

function outIsStale(): boolean {
  const built = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'].map((f) =>
    path.join(ROOT, f)
  )
  if (!built.every((f) => existsSync(f))) return true
  const sources = Math.max(
    newest(path.join(ROOT, 'src')),
    newest(path.join(ROOT, 'electron.vite.config.ts'))
  )
  return Math.min(...built.map((f) => statSync(f).mtimeMs)) < sources
}

const tmp = tempDir('llmnet-pack-')
let app = ''
let files: Set<string>
let nodeBinaryMtime = 0

beforeAll(async () => {
  if (!supported) return
  const nodeBinary = path.join(
    path.dirname(require.resolve('better-sqlite3/package.json')),
    'build/Release/better_sqlite3.node'
  )
  nodeBinaryMtime = statSync(nodeBinary).mtimeMs
  // out/ as `npm run dist` builds it (about 3 s), when it is missing or older than the sources.
  // Built aside and copied in, never emptied in place: the UI tests serve out/renderer at the
  // same time, and a page whose lazy chunk vanished mid-build failed to load it. The renderer
  // is copied only when its own build is stale (then the UI tests rebuild it too).
  if (outIsStale()) {
    const staged = path.join(tmp.dir, 'out')
    execFileSync(
      path.join(ROOT, 'node_modules', '.bin', 'electron-vite'),
      ['build', '--outDir', staged],
      { cwd: ROOT, stdio: 'ignore' }
    )
    const parts = rendererIsFresh() ? ['main', 'preload'] : ['main', 'preload', 'renderer']
    for (const part of parts)
      cpSync(path.join(staged, part), path.join(ROOT, 'out', part), { recursive: true })
  }
  const electronDist = path.join(tmp.dir, 'electron')
  mkdirSync(electronDist, { recursive: true })
  writeFileSync(
    path.join(electronDist, 'electron'),
    Buffer.concat([
      Buffer.from('#!/bin/sh\necho "stand-in for Electron"\nexit 0\n# '),
      Buffer.from(SENTINEL),
      Buffer.from([1, DEFAULT_WIRE.length]),
      Buffer.from(DEFAULT_WIRE),
      Buffer.from('\n')
    ])
  )
  chmodSync(path.join(electronDist, 'electron'), 0o755)
  const native = path.join(tmp.dir, 'better_sqlite3.node')
  writeFileSync(native, 'stand-in for the Electron-ABI build of better-sqlite3')
  // The project's configuration, with only the Electron binary, the output and the native
  // build's source swapped for stand-ins.
  const config = parse(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8'))
  config.electronDist = electronDist
  config.directories = { ...config.directories, output: path.join(tmp.dir, 'dist') }
  expect(config.extraResources).toEqual([
    { from: 'node_modules/.llmnet-electron/better_sqlite3.node', to: 'native/better_sqlite3.node' }
  ])
  config.extraResources = [{ from: native, to: 'native/better_sqlite3.node' }]
  const configFile = path.join(tmp.dir, 'electron-builder.yml')
  writeFileSync(configFile, stringify(config))
  await build({
    projectDir: ROOT,
    targets: Platform.LINUX.createTarget('dir'),
    config: configFile
  })
  app = path.join(tmp.dir, 'dist', 'linux-unpacked')
  files = new Set(listPackage(path.join(app, 'resources', 'app.asar'), { isPack: false }))
}, 240_000)

afterAll(() => tmp.remove())

const inAsar = (file: string) => files.has(`/${file}`)
const unpacked = (file: string) => path.join(app, 'resources', 'app.asar.unpacked', file)

describe.skipIf(!supported)('the packaged app (electron-builder --dir, stand-in Electron)', () => {
  it('holds the built main, preload and renderer, the examples and package.json', () => {
    for (const file of [
      'package.json',
      'out/main/index.js',
      'out/main/llama-worker.mjs',
      'out/preload/index.cjs',
      'out/renderer/index.html',
      'out/renderer/favicon.svg',
      'examples/dual-expert.json',
      'examples/translate-or-summarise.yaml'
    ]) {
      expect(inAsar(file), file).toBe(true)
    }
    expect([...files].some((f) => f.startsWith('/out/cli/'))).toBe(false)
    const pkg = JSON.parse(
      extractFile(path.join(app, 'resources', 'app.asar'), 'package.json').toString()
    )
    expect(pkg.main).toBe('./out/main/index.js')
    // Production dependencies with their own dependencies (fastify needs avvio).
    expect(inAsar('node_modules/fastify/package.json')).toBe(true)
    expect(inAsar('node_modules/avvio/package.json')).toBe(true)
  })

  it('unpacks native code and the tray images; the Electron build of better-sqlite3 is in resources/native', () => {
    expect(existsSync(unpacked('node_modules/better-sqlite3/lib/index.js'))).toBe(true)
    expect(existsSync(unpacked('node_modules/node-llama-cpp/llama/addon'))).toBe(true)
    expect(existsSync(unpacked('resources/tray/tray.png'))).toBe(true)
    expect(existsSync(unpacked('resources/tray/trayTemplate.png'))).toBe(true)
    expect(existsSync(unpacked('resources/icon.png'))).toBe(true)
    expect(existsSync(path.join(app, 'resources', 'native', 'better_sqlite3.node'))).toBe(true)
    // The Node build is not shipped: it would crash Electron if it were ever loaded.
    expect(existsSync(unpacked('node_modules/better-sqlite3/build'))).toBe(false)
    expect(inAsar('node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(false)
    // llama.cpp's source bundle (34 MB) is only for building from source.
    expect(existsSync(unpacked('node_modules/node-llama-cpp/llama/gitRelease.bundle'))).toBe(false)
  })

  it("carries only this platform's and architecture's llama.cpp builds, without CUDA", async () => {
    const builds = readdirSync(unpacked('node_modules/@node-llama-cpp')).sort()
    const os = { linux: 'linux', darwin: 'mac', win32: 'win' }[process.platform as string]
    expect(builds.length).toBeGreaterThan(0)
    for (const b of builds)
      expect(b, b).toMatch(new RegExp(`^${os}-${process.arch}(-vulkan|-metal)?$`))
    expect(builds).toContain(`${os}-${process.arch}`)
    // Listed in the asar's index, but as unpacked files only.
    const asar = path.join(app, 'resources', 'app.asar')
    const packed = [...files].filter(
      (f) =>
        f.startsWith('/node_modules/@node-llama-cpp/') &&
        !(
          'unpacked' in statFile(asar, f.slice(1)) &&
          (statFile(asar, f.slice(1)) as { unpacked?: boolean }).unpacked
        )
    )
    expect(packed.filter((f) => /\.(node|so|dll|dylib)$/.test(f))).toEqual([])
  })

  it('flips the fuses: runAsNode off, the app only from its asar', async () => {
    // The wire holds ASCII '0' (disabled) and '1' (enabled) per fuse.
    const FuseState = { DISABLE: 0x30, ENABLE: 0x31 }
    const wire = await getCurrentFuseWire(path.join(app, 'llmnet-desktop'))
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE)
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE)
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE)
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE)
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.ENABLE)
  })

  it('left node_modules alone: the Node build of better-sqlite3 still loads here', async () => {
    const nodeBinary = path.join(
      path.dirname(require.resolve('better-sqlite3/package.json')),
      'build/Release/better_sqlite3.node'
    )
    expect(statSync(nodeBinary).mtimeMs).toBe(nodeBinaryMtime)
    const Database = require('better-sqlite3') as typeof BetterSqlite3
    const db = new Database(':memory:')
    expect((db.prepare('select 1 as one').get() as { one: number }).one).toBe(1)
    db.close()
  })

  it('the icons electron-builder takes for each platform exist', () => {
    for (const file of ['resources/icon.png', 'resources/icon.icns', 'resources/icon.ico']) {
      expect(existsSync(path.join(ROOT, file)), file).toBe(true)
    }
  })
})

describe.skipIf(supported)('the packaged app', () => {
  it('is checked on Linux only (the stand-in Electron is a shell script)', () => {
    expect(supported).toBe(false)
  })
})
