/**
 * The committed tray artwork. Catches: PNGs edited by hand or left stale after the script
 * changed (the script's --check in a real child process), a wrong size for a platform, and a
 * macOS template image with colour in it (macOS would show it as a black blob, not tinted).
 */
import { execFile } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'

const DIR = join(import.meta.dirname, '..', 'resources', 'tray')

/** Decodes the RGBA, filter-0 PNGs the script writes. */
function decode(file: string): { size: number; pixels: Buffer } {
  const bytes = readFileSync(join(DIR, file))
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]))
  let pos = 8
  let size = 0
  const idat: Buffer[] = []
  while (pos < bytes.length) {
    const length = bytes.readUInt32BE(pos)
    const type = bytes.toString('ascii', pos + 4, pos + 8)
    const data = bytes.subarray(pos + 8, pos + 8 + length)
    if (type === 'IHDR') {
      size = data.readUInt32BE(0)
      expect(data.readUInt32BE(4)).toBe(size)
      expect([data[8], data[9]]).toEqual([8, 6])
    }
    if (type === 'IDAT') idat.push(data)
    pos += 12 + length
  }
  const raw = inflateSync(Buffer.concat(idat))
  const pixels = Buffer.alloc(size * size * 4)
  for (let y = 0; y < size; y++) {
    expect(raw[y * (size * 4 + 1)]).toBe(0)
    raw.copy(pixels, y * size * 4, y * (size * 4 + 1) + 1, (y + 1) * (size * 4 + 1))
  }
  return { size, pixels }
}

describe('resources/tray', () => {
  it('matches what scripts/make-tray-icons.mjs draws', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(import.meta.dirname, '..', 'scripts', 'make-tray-icons.mjs'),
      '--check'
    ])
    expect(stdout).toMatch(/up to date/)
  })

  it('has colour icons at 32/64 px and status variants for every state', () => {
    const files = readdirSync(DIR)
    for (const base of ['tray', 'tray-serving', 'tray-stopped', 'tray-error']) {
      expect(decode(`${base}.png`).size).toBe(32)
      expect(decode(`${base}@2x.png`).size).toBe(64)
    }
    expect(files.filter((f) => f.endsWith('Template.png'))).toHaveLength(3)
  })

  it('template images are 16/32 px, black with alpha only, and not empty', () => {
    for (const name of ['trayTemplate', 'trayStoppedTemplate', 'trayErrorTemplate']) {
      for (const [file, size] of [
        [`${name}.png`, 16],
        [`${name}@2x.png`, 32]
      ] as const) {
        const { size: got, pixels } = decode(file)
        expect(got, file).toBe(size)
        let opaque = 0
        for (let i = 0; i < pixels.length; i += 4) {
          expect(pixels[i]! + pixels[i + 1]! + pixels[i + 2]!, `${file} pixel ${i / 4}`).toBe(0)
          if (pixels[i + 3]! > 128) opaque++
        }
        expect(opaque, file).toBeGreaterThan(size * size * 0.1)
      }
    }
  })
})
