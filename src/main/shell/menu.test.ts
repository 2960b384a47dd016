/**
 * The app menu and the login item. Catches: no Edit roles (copy/paste dead in the editor on
 * macOS), dev tools in a packaged app, a Quit that bypasses the quit sequence, and the login item
 * set on Linux (unsupported) or rewritten when unchanged.
 */
import { describe, expect, it, vi } from 'vitest'
import { applyLoginItem, HIDDEN_ARG, type LoginItemApp, startedAtLogin } from './login-item'
import { appMenuTemplate, DOCS_URL } from './menu'

vi.mock('electron', async () => (await import('../../../tests/support/fake-electron')).fake)

const roles = (items: { role?: string; submenu?: unknown }[]): string[] =>
  items.flatMap((i) => [
    ...(i.role ? [i.role] : []),
    ...(Array.isArray(i.submenu) ? roles(i.submenu as { role?: string }[]) : [])
  ])

describe('appMenuTemplate', () => {
  const base = { appName: 'llmnet', openWindow: () => undefined, openExternal: () => undefined }

  it('macOS: an app menu with quit (the role, so before-quit runs) and the edit roles', () => {
    const template = appMenuTemplate({ ...base, platform: 'darwin', isPackaged: true })
    expect(template[0]?.label).toBe('llmnet')
    expect(roles(template)).toEqual(expect.arrayContaining(['quit', 'copy', 'paste', 'undo']))
    expect(roles(template)).not.toContain('toggleDevTools')
  })

  it('Windows/Linux: quit in File; dev tools only when not packaged; Help opens the docs', () => {
    const opened: string[] = []
    const template = appMenuTemplate({
      ...base,
      platform: 'linux',
      isPackaged: false,
      openExternal: (url) => opened.push(url)
    })
    expect(template[0]?.label).toBe('File')
    expect(roles(template)).toEqual(expect.arrayContaining(['quit', 'toggleDevTools']))
    const help = template.find((t) => t.role === 'help')
    const items = help?.submenu as { click?: () => void }[]
    items[0]?.click?.()
    expect(opened).toEqual([DOCS_URL])
  })
})

describe('login item', () => {
  const fakeApp = (openAtLogin = false, wasOpenedAtLogin = false) => {
    const calls: unknown[] = []
    const app: LoginItemApp = {
      setLoginItemSettings: (s) => void calls.push(s),
      getLoginItemSettings: () => ({ openAtLogin, wasOpenedAtLogin })
    }
    return { app, calls }
  }

  it('sets it on macOS and Windows (Windows with --hidden), only when it changes', () => {
    const mac = fakeApp()
    expect(applyLoginItem(mac.app, true, 'darwin')).toBe(true)
    expect(mac.calls).toEqual([{ openAtLogin: true }])
    const win = fakeApp()
    applyLoginItem(win.app, true, 'win32')
    expect(win.calls).toEqual([{ openAtLogin: true, args: [HIDDEN_ARG] }])
    const same = fakeApp(true)
    applyLoginItem(same.app, true, 'darwin')
    expect(same.calls).toEqual([])
  })

  it('is unsupported on Linux: nothing is set', () => {
    const linux = fakeApp()
    expect(applyLoginItem(linux.app, true, 'linux')).toBe(false)
    expect(linux.calls).toEqual([])
  })

  it('a launch at login starts hidden', () => {
    expect(startedAtLogin(fakeApp().app, ['electron', HIDDEN_ARG], 'win32')).toBe(true)
    expect(startedAtLogin(fakeApp(true, true).app, ['electron'], 'darwin')).toBe(true)
    expect(startedAtLogin(fakeApp().app, ['electron'], 'darwin')).toBe(false)
  })
})
