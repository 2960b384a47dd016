/**
 * An app-access question must not stop the app. The real runtime (data folder, SQLite, the API
 * server on a port) runs behind the shell and the fake electron module behaves as macOS, where a
 * message box without a visible parent window runs synchronously (dialog.md, `signal`). Catches:
 * a consent or a link confirmation shown parentless, freezing `/v1`, IPC and the tray until
 * someone clicks (and the 60 s timeout unable to fire).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeBrowserWindow, fake, resetFakeElectron } from '../../../tests/support/fake-electron'
import { type AppRuntime, createAppRuntime } from '../runtime'
import { bootstrap } from './bootstrap'

vi.mock('electron', async () => (await import('../../../tests/support/fake-electron')).fake)

const require = createRequire(import.meta.url)
let dir: string
let runtime: AppRuntime | undefined

beforeEach(() => {
  resetFakeElectron()
  dir = mkdtempSync(path.join(os.tmpdir(), 'llmnet-consent-'))
  // The shell looks for better-sqlite3 built for Electron; here the Node build stands in.
  const appRoot = path.join(dir, 'app')
  mkdirSync(path.join(appRoot, 'node_modules', '.llmnet-electron'), { recursive: true })
  copyFileSync(
    path.join(
      path.dirname(require.resolve('better-sqlite3/package.json')),
      'build',
      'Release',
      'better_sqlite3.node'
    ),
    path.join(appRoot, 'node_modules', '.llmnet-electron', 'better_sqlite3.node')
  )
  fake.app.appPath = appRoot
  fake.app.paths.userData = path.join(dir, 'data')
})

afterEach(async () => {
  await runtime?.stop({ graceMs: 500 })
  runtime = undefined
  rmSync(dir, { recursive: true, force: true })
})

async function startApp(): Promise<string> {
  let url = ''
  const shell = bootstrap({
    createRuntime: async (opts) => {
      const rt = await createAppRuntime(opts)
      runtime = rt
      rt.store.settings.set('access', { requireKeys: true })
      return {
        control: rt.control,
        store: rt.store,
        stop: (o) => rt.stop(o),
        start: async () => {
          url = (await rt.start({ host: '127.0.0.1', port: 0 })).url ?? ''
        }
      }
    }
  })
  fake.app.becomeReady()
  await shell?.ready
  return url
}

async function timed(url: string, init?: RequestInit): Promise<{ status: number; ms: number }> {
  const t0 = performance.now()
  const res = await fetch(url, init)
  await res.arrayBuffer()
  return { status: res.status, ms: performance.now() - t0 }
}

describe('consent on macOS with the window in the tray', () => {
  it('asks on the (revealed) window and /v1 keeps answering while the question is open', async () => {
    const platform = vi.spyOn(process, 'platform', 'get').mockReturnValue('darwin')
    try {
      const url = await startApp()
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const win = FakeBrowserWindow.all[0]!
      win.close() // hidden to the tray
      expect(win.isVisible()).toBe(false)
      fake.dialog.holdAnswers = true

      const unknownApp = fetch(`${url}/v1/models`, {
        headers: { authorization: 'Bearer zed-token-0123456789abcdef', 'x-llmnet-app': 'Zed' }
      })
      await vi.waitFor(() => expect(fake.dialog.pending).toHaveLength(1))
      const box = fake.dialog.pending[0]!
      expect(box.options.message).toBe('App "Zed" wants to use llmnet')
      expect(box.parent).toBe(win)
      expect(win.isVisible()).toBe(true)

      // The question is open: the server still answers at once.
      const health = await timed(`${url}/health`)
      expect(health.status).toBe(200)
      const models = await timed(`${url}/v1/models`)
      expect(models.status).toBe(200)
      expect(Math.max(health.ms, models.ms)).toBeLessThan(fake.dialog.syncClickMs / 2)
      expect(fake.dialog.blocking).toBe(0)

      fake.dialog.answer(0)
      expect((await unknownApp).status).toBe(200)
    } finally {
      platform.mockRestore()
    }
  })

  it('the link confirmation is asked on the window too', async () => {
    const platform = vi.spyOn(process, 'platform', 'get').mockReturnValue('darwin')
    try {
      await startApp()
      const win = FakeBrowserWindow.all[0]!
      win.close()
      fake.dialog.holdAnswers = true
      win.webContents.windowOpenHandler?.({ url: 'https://example.org/page' })
      await vi.waitFor(() => expect(fake.dialog.pending).toHaveLength(1))
      expect(fake.dialog.pending[0]!.parent).toBe(win)
      expect(fake.dialog.blocking).toBe(0)
      fake.dialog.answer(0)
      await vi.waitFor(() => expect(fake.shell.opened).toEqual(['https://example.org/page']))
    } finally {
      platform.mockRestore()
    }
  })
})
