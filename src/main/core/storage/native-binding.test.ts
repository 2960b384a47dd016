/**
 * Where the app finds better-sqlite3 for Electron: real files in a temp dir. Catches an app that
 * loads the Node build under Electron (a crash at open) when the Electron build is there.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  DEV_NATIVE_DIR,
  electronNativeBinding,
  missingNativeBindingMessage,
  NATIVE_BINARY,
  PACKAGED_NATIVE_DIR
} from './native-binding'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'llmnet-native-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function put(relative: string): string {
  const file = path.join(dir, relative, NATIVE_BINARY)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, '')
  return file
}

describe('electronNativeBinding', () => {
  it('finds the development copy under the project root', () => {
    const file = put(DEV_NATIVE_DIR)
    expect(electronNativeBinding({ appRoot: dir })).toBe(file)
  })

  it('prefers the packaged copy in the resources folder', () => {
    put(DEV_NATIVE_DIR)
    const packaged = put(path.join('resources', PACKAGED_NATIVE_DIR))
    expect(
      electronNativeBinding({ appRoot: dir, resourcesPath: path.join(dir, 'resources') })
    ).toBe(packaged)
  })

  it('is undefined when there is no Electron build, and the message says what to run', () => {
    expect(electronNativeBinding({ appRoot: dir })).toBeUndefined()
    const message = missingNativeBindingMessage({ appRoot: dir })
    expect(message).toContain(path.join(dir, DEV_NATIVE_DIR, NATIVE_BINARY))
    expect(message).toContain('node scripts/build-native-electron.mjs')
  })

  it('in an installed app names the packaged file and says to reinstall (catches a developer path shown to users)', () => {
    const resourcesPath = path.join(dir, 'resources')
    const message = missingNativeBindingMessage({
      appRoot: path.join(resourcesPath, 'app.asar'),
      resourcesPath,
      isPackaged: true
    })
    expect(message).toContain(path.join(resourcesPath, PACKAGED_NATIVE_DIR, NATIVE_BINARY))
    expect(message).toMatch(/Reinstall llmnet/)
    expect(message).not.toContain('.llmnet-electron')
  })

  it('agrees with the build script on where the copy goes', async () => {
    // @ts-expect-error: a plain .mjs script without type declarations
    const script = (await import('../../../../scripts/build-native-electron.mjs')) as {
      NATIVE_DIR: string
    }
    expect(script.NATIVE_DIR).toBe(DEV_NATIVE_DIR)
  })
})
