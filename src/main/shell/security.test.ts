/**
 * The link allowlist and the access prompt. Catches: http, credentials, ports or look-alike hosts
 * passing as known; non-https schemes (file:, javascript:, smb:) ever reaching openExternal; the
 * access dialog answering allow by default.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { BrowserWindow } from 'electron'
import { FakeBrowserWindow, fake, resetFakeElectron } from '../../../tests/support/fake-electron'
import { dialogAsk } from './access-prompt'
import { appPermissions, externalDecision, isAllowedExternal } from './security'

vi.mock('electron', async () => (await import('../../../tests/support/fake-electron')).fake)

describe('isAllowedExternal', () => {
  it.each([
    ['https://github.com/Avarok-Cybersecurity/llmnet', true],
    ['https://huggingface.co/Qwen/Qwen3-0.6B-GGUF', true],
    ['http://github.com/', false],
    ['https://github.com.evil.example/', false],
    ['https://evilgithub.com/', false],
    ['https://user:pw@github.com/', false],
    ['https://github.com:8443/', false],
    ['javascript:alert(1)', false],
    ['file:///etc/passwd', false],
    ['not a url', false]
  ])('%s → %s', (url, allowed) => {
    expect(isAllowedExternal(url)).toBe(allowed)
  })

  it('other https links need the user; other schemes are refused outright', () => {
    expect(externalDecision('https://github.com/')).toBe('open')
    expect(externalDecision('https://example.org/page')).toBe('confirm')
    expect(externalDecision('https://user@example.org/')).toBe('deny')
    for (const url of ['http://example.org/', 'smb://host/share', 'ms-settings:', 'file:///c:/']) {
      expect(externalDecision(url), url).toBe('deny')
    }
  })
})

describe('dialogAsk', () => {
  beforeEach(() => resetFakeElectron())

  it('asks "App X wants to use llmnet"; Deny is the default and the cancel answer', async () => {
    const win = new FakeBrowserWindow({})
    win.show()
    const ask = dialogAsk(() => win as unknown as BrowserWindow)
    const signal = new AbortController().signal
    fake.dialog.response = 1
    expect(await ask({ appName: 'Zed', tokenHint: 'sk-a…' }, signal)).toBe('deny')
    fake.dialog.response = 0
    expect(await ask({ appName: 'Zed', tokenHint: 'sk-a…' }, signal)).toBe('allow')
    expect(fake.dialog.boxes[0]).toMatchObject({
      message: 'App "Zed" wants to use llmnet',
      buttons: ['Allow', 'Deny'],
      defaultId: 1,
      cancelId: 1,
      signal
    })
  })
})

describe('appPermissions', () => {
  const appPage = 'file:///opt/llmnet/resources/app.asar/out/renderer/index.html'
  const isAppUrl = (url: string) =>
    url.startsWith('file:///opt/llmnet/resources/app.asar/out/renderer/')
  beforeEach(() => resetFakeElectron())

  it('lets the app page write to the clipboard (the Copy buttons), nothing else, no other page', async () => {
    const session = fake.session.defaultSession
    appPermissions(session, isAppUrl)
    expect(await session.requestPermission('clipboard-sanitized-write', appPage)).toBe(true)
    expect(session.checkPermission('clipboard-sanitized-write', appPage)).toBe(true)
    // A subframe, another page, or any other permission is refused.
    expect(await session.requestPermission('clipboard-sanitized-write', appPage, false)).toBe(false)
    expect(
      await session.requestPermission('clipboard-sanitized-write', 'https://evil.example/')
    ).toBe(false)
    expect(session.checkPermission('clipboard-sanitized-write', 'https://evil.example/')).toBe(
      false
    )
    for (const p of ['clipboard-read', 'media', 'notifications', 'geolocation'] as const) {
      expect(await session.requestPermission(p, appPage), p).toBe(false)
      expect(session.checkPermission(p, appPage), p).toBe(false)
    }
  })
})
