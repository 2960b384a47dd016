#!/usr/bin/env node
/**
 * Draws llmnet's tray icons with nothing but Node (zlib and a small PNG encoder) and writes them to
 * resources/tray/. The glyph: three nodes joined by lines, a tiny network.
 *
 *   tray.png, tray@2x.png                       32/64 px, colour (Windows, Linux)
 *   tray-{serving,stopped,error}.png (+ @2x)    the same with a status dot
 *   tray{,Stopped,Error}Template.png (+ @2x)    16/32 px, black + alpha (macOS template images)
 *
 * `node scripts/make-tray-icons.mjs` writes them; `--check` exits 1 when a committed file differs.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'tray')

// ---- PNG encoding (RGBA, 8 bits, filter 0 on every row) ----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes) {
  let c = 0xffffffff
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}

/** Encodes `size`×`size` RGBA pixels (a Uint8Array of size*size*4) as a PNG. */
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // colour type: RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0
    Buffer.from(rgba.buffer, rgba.byteOffset + y * size * 4, size * 4).copy(
      raw,
      y * (size * 4 + 1) + 1
    )
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0))
  ])
}

// ---- Drawing: shapes are coverage functions on the unit square, supersampled ----

const NODES = [
  [0.5, 0.26],
  [0.24, 0.72],
  [0.76, 0.72]
]
const EDGES = [
  [0, 1],
  [0, 2],
  [1, 2]
]

function distToSegment(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax
  const dy = by - ay
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy))
}

/** Whether (x, y) is in the glyph; `hollow` draws the nodes as rings (the stopped template). */
function inGlyph(x, y, { hollow = false, scale = 1 } = {}) {
  const r = 0.14 * scale
  const line = 0.05 * scale
  for (const [cx, cy] of NODES) {
    const d = Math.hypot(x - cx, y - cy)
    if (hollow ? d <= r && d >= r - 0.075 : d <= r) return true
  }
  for (const [a, b] of EDGES) {
    const onLine = distToSegment(x, y, NODES[a], NODES[b]) <= line
    // Lines stop at the rim of hollow nodes, so the rings read as empty.
    if (onLine && (!hollow || NODES.every(([cx, cy]) => Math.hypot(x - cx, y - cy) > r - 0.02)))
      return true
  }
  return false
}

function inRoundedSquare(x, y, inset, radius) {
  const lo = inset + radius
  const hi = 1 - inset - radius
  const dx = Math.max(lo - x, 0, x - hi)
  const dy = Math.max(lo - y, 0, y - hi)
  return Math.hypot(dx, dy) <= radius
}

/**
 * Renders `layers` at `size` px, in order: each paints its colour where its test covers, or with
 * `erase` clears what is below.
 */
function render(size, layers, samples = 6) {
  const out = new Uint8Array(size * size * 4)
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let [r, g, b, a] = [0, 0, 0, 0]
      for (const { test, color, erase } of layers) {
        let hits = 0
        for (let sy = 0; sy < samples; sy++) {
          for (let sx = 0; sx < samples; sx++) {
            if (test((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size)) hits++
          }
        }
        const coverage = hits / (samples * samples)
        if (erase) {
          a *= 1 - coverage
          continue
        }
        const ca = coverage * (color[3] / 255)
        if (ca === 0) continue
        // Porter-Duff "over" with straight alpha.
        const na = ca + a * (1 - ca)
        r = (color[0] * ca + r * a * (1 - ca)) / na
        g = (color[1] * ca + g * a * (1 - ca)) / na
        b = (color[2] * ca + b * a * (1 - ca)) / na
        a = na
      }
      const i = (py * size + px) * 4
      out[i] = Math.round(r)
      out[i + 1] = Math.round(g)
      out[i + 2] = Math.round(b)
      out[i + 3] = Math.round(a * 255)
    }
  }
  return out
}

const BRAND = [79, 70, 229, 255] // indigo
const WHITE = [255, 255, 255, 255]
const BLACK = [0, 0, 0, 255]
const STATUS = {
  serving: [34, 197, 94, 255],
  stopped: [156, 163, 175, 255],
  error: [239, 68, 68, 255]
}

const DOT = { cx: 0.78, cy: 0.78, r: 0.2 }

function colourLayers(status) {
  const glyph = (x, y) => inGlyph((x - 0.5) / 0.82 + 0.5, (y - 0.48) / 0.82 + 0.5)
  const layers = [
    { test: (x, y) => inRoundedSquare(x, y, 0.02, 0.2), color: BRAND },
    { test: glyph, color: WHITE }
  ]
  if (status) {
    // A dark ring keeps the dot visible on the indigo and on any taskbar colour.
    layers.push(
      { test: (x, y) => Math.hypot(x - DOT.cx, y - DOT.cy) <= DOT.r, color: [17, 24, 39, 255] },
      { test: (x, y) => Math.hypot(x - DOT.cx, y - DOT.cy) <= DOT.r - 0.06, color: STATUS[status] }
    )
  }
  return layers
}

function templateLayers(status) {
  const layers = [{ test: (x, y) => inGlyph(x, y, { hollow: status === 'stopped' }), color: BLACK }]
  if (status === 'error') {
    // A slash through the glyph, cut out with a transparent band on both sides.
    const slash = (w) => (x, y) => Math.abs(x - y) / Math.SQRT2 <= w && x > 0.08 && x < 0.92
    layers.push({ test: slash(0.1), erase: true }, { test: slash(0.05), color: BLACK })
  }
  return layers
}

/** Every icon file: name → PNG bytes. */
export function renderIcons() {
  const files = {}
  for (const [suffix, k] of [
    ['', 1],
    ['@2x', 2]
  ]) {
    files[`tray${suffix}.png`] = encodePng(32 * k, render(32 * k, colourLayers(undefined)))
    for (const status of ['serving', 'stopped', 'error']) {
      files[`tray-${status}${suffix}.png`] = encodePng(32 * k, render(32 * k, colourLayers(status)))
    }
    for (const [name, status] of [
      ['trayTemplate', 'serving'],
      ['trayStoppedTemplate', 'stopped'],
      ['trayErrorTemplate', 'error']
    ]) {
      files[`${name}${suffix}.png`] = encodePng(16 * k, render(16 * k, templateLayers(status)))
    }
  }
  return files
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = renderIcons()
  const check = process.argv.includes('--check')
  const stale = []
  if (!check) mkdirSync(OUT, { recursive: true })
  for (const [name, bytes] of Object.entries(files)) {
    const path = join(OUT, name)
    if (check) {
      let current
      try {
        current = readFileSync(path)
      } catch {
        current = undefined
      }
      if (!current || !current.equals(bytes)) stale.push(name)
    } else writeFileSync(path, bytes)
  }
  if (stale.length > 0) {
    console.error(
      `resources/tray is out of date (${stale.join(', ')}): run node scripts/make-tray-icons.mjs`
    )
    process.exit(1)
  }
  console.log(
    check ? 'resources/tray is up to date' : `wrote ${Object.keys(files).length} icons to ${OUT}`
  )
}
