#!/usr/bin/env node
/**
 * Renders the app icon from resources/icon.svg (with @resvg/resvg-js, a prebuilt rasterizer from
 * npm) into the files electron-builder picks up from `buildResources` (resources/), and the web
 * UI's favicon:
 *
 *   resources/icon.png        1024 px (Linux; electron-builder's source for every size)
 *   resources/icon-512.png    512 px
 *   resources/icon.icns       macOS: PNG entries ic07…ic10 (128–1024 px) and their @2x types
 *   resources/icon.ico        Windows: PNG entries 16–256 px
 *   src/renderer/public/favicon.svg   the SVG itself (the browser scales it)
 *
 * `node scripts/make-app-icons.mjs` writes them; `--check` exits 1 when a committed file differs.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Resvg } from '@resvg/resvg-js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const SVG = readFileSync(join(ROOT, 'resources', 'icon.svg'))

/** The icon as a PNG of `size`×`size` pixels. */
export function renderPng(size) {
  const resvg = new Resvg(SVG, {
    fitTo: { mode: 'width', value: size },
    background: 'rgba(0,0,0,0)'
  })
  return Buffer.from(resvg.render().asPng())
}

/** Apple's icon container: 'icns', total length, then (type, length, PNG) entries. */
export function encodeIcns(entries) {
  const parts = entries.map(([type, png]) => {
    const head = Buffer.alloc(8)
    head.write(type, 0, 'ascii')
    head.writeUInt32BE(png.length + 8, 4)
    return Buffer.concat([head, png])
  })
  const body = Buffer.concat(parts)
  const head = Buffer.alloc(8)
  head.write('icns', 0, 'ascii')
  head.writeUInt32BE(body.length + 8, 4)
  return Buffer.concat([head, body])
}

/** Windows' icon container with PNG-compressed images (Vista and later). */
export function encodeIco(images) {
  const header = Buffer.alloc(6)
  header.writeUInt16LE(0, 0)
  header.writeUInt16LE(1, 2) // type: icon
  header.writeUInt16LE(images.length, 4)
  let offset = 6 + 16 * images.length
  const dir = images.map(([size, png]) => {
    const e = Buffer.alloc(16)
    e[0] = size >= 256 ? 0 : size // 0 means 256
    e[1] = size >= 256 ? 0 : size
    e.writeUInt16LE(1, 4) // colour planes
    e.writeUInt16LE(32, 6) // bits per pixel
    e.writeUInt32LE(png.length, 8)
    e.writeUInt32LE(offset, 12)
    offset += png.length
    return e
  })
  return Buffer.concat([header, ...dir, ...images.map(([, png]) => png)])
}

export function iconFiles() {
  const png = new Map([16, 24, 32, 48, 64, 128, 256, 512, 1024].map((s) => [s, renderPng(s)]))
  const at = (s) => png.get(s)
  return {
    'resources/icon.png': at(1024),
    'resources/icon-512.png': at(512),
    'resources/icon.icns': encodeIcns([
      ['ic07', at(128)],
      ['ic08', at(256)],
      ['ic09', at(512)],
      ['ic10', at(1024)],
      ['ic11', at(32)],
      ['ic12', at(64)],
      ['ic13', at(256)],
      ['ic14', at(512)]
    ]),
    'resources/icon.ico': encodeIco([16, 24, 32, 48, 64, 128, 256].map((s) => [s, at(s)])),
    'src/renderer/public/favicon.svg': SVG
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check')
  let stale = 0
  for (const [rel, bytes] of Object.entries(iconFiles())) {
    const path = join(ROOT, rel)
    if (check) {
      let current
      try {
        current = readFileSync(path)
      } catch {
        current = undefined
      }
      if (!current?.equals(bytes)) {
        console.error(`${rel} differs from what scripts/make-app-icons.mjs draws`)
        stale++
      }
    } else {
      writeFileSync(path, bytes)
      console.log(`wrote ${rel} (${bytes.length} bytes)`)
    }
  }
  if (stale) process.exit(1)
}
