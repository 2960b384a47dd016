/**
 * The app icon, the favicon and what the renderer's CSP lets through. Catches: icons left stale
 * after icon.svg changed (the script's --check in a real child process), an icns or ico whose
 * entries are not the sizes each platform asks for, index.html without its favicon, and a CSP
 * that blocks CodeMirror's lint marks (data:image/svg+xml images: invisible error underlines).
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..')
const read = (rel: string) => readFileSync(join(ROOT, rel))

/** Width and height from a PNG's IHDR. */
function pngSize(png: Buffer): number {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]))
  expect(png.readUInt32BE(16)).toBe(png.readUInt32BE(20))
  return png.readUInt32BE(16)
}

describe('app icons', () => {
  it('match what scripts/make-app-icons.mjs draws from resources/icon.svg', async () => {
    const run = promisify(execFile)
    await expect(
      run(process.execPath, [join(ROOT, 'scripts', 'make-app-icons.mjs'), '--check'])
    ).resolves.toBeDefined()
  })

  it('png 1024 and 512, an icns with 128–1024 px entries, an ico with 16–256 px entries', () => {
    expect(pngSize(read('resources/icon.png'))).toBe(1024)
    expect(pngSize(read('resources/icon-512.png'))).toBe(512)

    const icns = read('resources/icon.icns')
    expect(icns.toString('ascii', 0, 4)).toBe('icns')
    expect(icns.readUInt32BE(4)).toBe(icns.length)
    const icnsSizes: Record<string, number> = {}
    for (let pos = 8; pos < icns.length;) {
      const type = icns.toString('ascii', pos, pos + 4)
      const length = icns.readUInt32BE(pos + 4)
      icnsSizes[type] = pngSize(icns.subarray(pos + 8, pos + length))
      pos += length
    }
    expect(icnsSizes).toMatchObject({ ic07: 128, ic08: 256, ic09: 512, ic10: 1024 })

    const ico = read('resources/icon.ico')
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1])
    const icoSizes = Array.from({ length: ico.readUInt16LE(4) }, (_, i) => {
      const entry = 6 + 16 * i
      const png = ico.subarray(
        ico.readUInt32LE(entry + 12),
        ico.readUInt32LE(entry + 12) + ico.readUInt32LE(entry + 8)
      )
      const size = pngSize(png)
      expect(ico[entry] === 0 ? 256 : ico[entry]).toBe(size)
      return size
    })
    expect(icoSizes).toEqual([16, 24, 32, 48, 64, 128, 256])
  })
})

describe('the renderer page', () => {
  const html = read('src/renderer/index.html').toString()
  const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? ''
  const directive = (name: string) =>
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .find(([n]) => n === name)
      ?.slice(1)

  it('links its favicon, which the public folder ships', () => {
    expect(html).toMatch(/<link rel="icon" type="image\/svg\+xml" href="\.\/favicon\.svg"/)
    expect(read('src/renderer/public/favicon.svg').toString()).toContain('<svg')
  })

  it("lets CodeMirror's lint marks (data:image/svg+xml) through img-src, and nothing else new", () => {
    const lint = readFileSync(createRequire(import.meta.url).resolve('@codemirror/lint'), 'utf8')
    expect(lint).toContain('data:image/svg+xml')
    expect(directive('img-src')).toEqual(["'self'", 'data:'])
    expect(directive('default-src')).toEqual(["'self'"])
    expect(directive('script-src')).toEqual(["'self'"])
  })
})
