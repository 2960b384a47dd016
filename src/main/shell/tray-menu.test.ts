/**
 * The tray menu: the pure model for each server state, and the Electron adapter against the fake
 * electron module and the real handlers over an in-memory store. Catches: a click calling the wrong route or
 * input, a stale menu after an event, the endpoint copied wrong, a stopped server offering
 * "Stop", and an error state hiding its reason.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  type FakeMenu,
  FakeTray,
  fake,
  resetFakeElectron
} from '../../../tests/support/fake-electron'
import type { ContractHandlers } from '../../shared/contract/handlers'
import type { ServerState } from '../../shared/contract/server'
import {
  type ControlFixture,
  controlFixture,
  echoComposition
} from '../../../tests/support/control-services'
import { createAppTray, trayIconFile } from './tray'
import {
  type TrayAction,
  type TrayItem,
  type TrayState,
  performTrayAction,
  toMenuTemplate,
  trayMenuModel
} from './tray-menu'

vi.mock('electron', async () => (await import('../../../tests/support/fake-electron')).fake)

const stopped: ServerState = {
  state: 'stopped',
  url: null,
  host: null,
  port: null,
  startedAt: null,
  error: null
}
const running: ServerState = {
  state: 'running',
  url: 'http://127.0.0.1:8080',
  host: '127.0.0.1',
  port: 8080,
  startedAt: 1,
  error: null
}
const base: TrayState = {
  server: stopped,
  endpoint: null,
  pipelines: [
    { name: 'chat', isDefault: true, status: 'loaded' },
    { name: 'code', isDefault: false, status: 'error' },
    { name: 'old', isDefault: false, status: 'disabled' }
  ],
  loadedModels: []
}

const find = (items: TrayItem[], id: string): TrayItem | undefined => {
  for (const item of items) {
    if ('id' in item && item.id === id) return item
    if (item.kind === 'submenu') {
      const inner = find(item.items, id)
      if (inner) return inner
    }
  }
  return undefined
}
const ids = (items: TrayItem[]): string[] => items.map((i) => ('id' in i ? i.id : '-'))

describe('trayMenuModel (pure)', () => {
  it('stopped: status, no endpoint, Start server enabled, open and quit', () => {
    const items = trayMenuModel(base)
    expect(ids(items)).toEqual([
      'status',
      '-',
      'default-pipeline',
      'models',
      '-',
      'server-start',
      '-',
      'open',
      'quit'
    ])
    expect(find(items, 'status')).toMatchObject({ label: 'llmnet: stopped' })
    expect(find(items, 'server-start')).toMatchObject({ enabled: true, label: 'Start server' })
  })

  it('serving: the endpoint copies itself, Stop server, loaded models with unload', () => {
    const items = trayMenuModel({
      ...base,
      server: running,
      endpoint: 'http://127.0.0.1:8080/v1',
      loadedModels: [
        { key: 'router', state: 'ready' },
        { key: 'coder', pipeline: 'code', state: 'busy' },
        { key: 'gone', state: 'stopped' }
      ]
    })
    expect(find(items, 'status')).toMatchObject({
      label: 'llmnet: serving on http://127.0.0.1:8080'
    })
    expect(find(items, 'endpoint')).toMatchObject({
      label: 'Copy http://127.0.0.1:8080/v1',
      action: { type: 'copy', text: 'http://127.0.0.1:8080/v1' }
    })
    expect(find(items, 'server-stop')).toMatchObject({
      enabled: true,
      action: { type: 'server.stop' }
    })
    expect(find(items, 'server-start')).toBeUndefined()
    const models = find(items, 'models')
    expect(models).toMatchObject({ label: 'Loaded models (2)' })
    expect(find(items, 'unload::router')).toMatchObject({
      action: { type: 'models.unload', input: { key: 'router' } }
    })
    expect(find(items, 'unload:code:coder')).toMatchObject({
      label: 'Unload code/coder (busy)',
      action: { type: 'models.unload', input: { key: 'coder', pipeline: 'code' } }
    })
    expect(find(items, 'unload::gone')).toBeUndefined()
  })

  it('error: the reason is in the status line and the button restarts', () => {
    const items = trayMenuModel({
      ...base,
      server: { ...stopped, state: 'error', error: 'port 8080 is in use' }
    })
    expect(find(items, 'status')).toMatchObject({ label: 'llmnet: error: port 8080 is in use' })
    expect(find(items, 'server-start')).toMatchObject({ label: 'Restart server', enabled: true })
  })

  it('starting/stopping: the server button is disabled', () => {
    expect(
      find(trayMenuModel({ ...base, server: { ...stopped, state: 'starting' } }), 'server-start')
    ).toMatchObject({ enabled: false })
    expect(
      find(trayMenuModel({ ...base, server: { ...running, state: 'stopping' } }), 'server-stop')
    ).toMatchObject({ enabled: false })
  })

  it('the default-pipeline switcher: radios for enabled pipelines, the default checked', () => {
    const items = trayMenuModel(base)
    expect(find(items, 'pipeline:chat')).toMatchObject({ kind: 'radio', checked: true })
    expect(find(items, 'pipeline:code')).toMatchObject({
      kind: 'radio',
      checked: false,
      label: 'code (error)',
      action: { type: 'pipelines.set_default', input: { name: 'code' } }
    })
    expect(find(items, 'pipeline:old')).toBeUndefined()
    const empty = trayMenuModel({ ...base, pipelines: [] })
    expect(find(empty, 'no-pipelines')).toMatchObject({ label: 'No pipelines' })
    expect(find(empty, 'no-models')).toMatchObject({ label: 'No models loaded' })
  })

  it('the template wires each click to its action', () => {
    const performed: TrayAction[] = []
    const template = toMenuTemplate(
      trayMenuModel({ ...base, server: running, endpoint: 'http://x/v1' }),
      (a) => performed.push(a)
    )
    template.find((t) => t.id === 'endpoint')?.click?.()
    template
      .find((t) => t.id === 'default-pipeline')
      ?.submenu?.find((t) => t.id === 'pipeline:code')
      ?.click?.()
    expect(performed).toEqual([
      { type: 'copy', text: 'http://x/v1' },
      { type: 'pipelines.set_default', input: { name: 'code' } }
    ])
    expect(template.find((t) => t.id === 'status')).toMatchObject({ enabled: false })
  })
})

describe('performTrayAction', () => {
  it('calls the right handler with the right input and reports failures', async () => {
    const calls: [string, unknown][] = []
    const spy = new Proxy({} as ContractHandlers, {
      get: (_t, route: string) => async (input: unknown) => {
        calls.push([route, input])
        if (route === 'models.unload') throw new Error('not loaded')
        return {}
      }
    })
    const errors: unknown[] = []
    const local: string[] = []
    const deps = {
      handlers: spy,
      copy: (t: string) => local.push(`copy ${t}`),
      openWindow: () => local.push('open'),
      quit: () => local.push('quit'),
      onError: (_a: TrayAction, e: unknown) => errors.push(e)
    }
    await performTrayAction({ type: 'server.start' }, deps)
    await performTrayAction({ type: 'server.stop' }, deps)
    await performTrayAction({ type: 'pipelines.set_default', input: { name: 'chat' } }, deps)
    await performTrayAction({ type: 'models.unload', input: { key: 'k', pipeline: 'p' } }, deps)
    await performTrayAction({ type: 'copy', text: 'u' }, deps)
    await performTrayAction({ type: 'open-window' }, deps)
    await performTrayAction({ type: 'quit' }, deps)
    expect(calls).toEqual([
      ['server.start', {}],
      ['server.stop', {}],
      ['pipelines.set_default', { name: 'chat' }],
      ['models.unload', { key: 'k', pipeline: 'p' }]
    ])
    expect(local).toEqual(['copy u', 'open', 'quit'])
    expect(errors).toHaveLength(1)
  })
})

describe('createAppTray (fake electron, real handlers over an in-memory store)', () => {
  let fixture: ControlFixture | undefined
  beforeEach(() => resetFakeElectron())
  afterEach(async () => {
    await fixture?.close()
    fixture = undefined
  })

  const setup = async () => {
    fixture = controlFixture()
    const { hub, handlers } = fixture
    const ctx = { transport: 'ipc' as const, signal: new AbortController().signal }
    const text = echoComposition('http://127.0.0.1:9')
    await handlers['pipelines.save']({ name: 'chat', text, format: 'json' }, ctx)
    await handlers['pipelines.save']({ name: 'code', text, format: 'json' }, ctx)
    const opened: string[] = []
    const tray = createAppTray({
      handlers,
      events: hub,
      iconDir: '/res/tray',
      platform: 'linux',
      openWindow: () => opened.push('open'),
      quit: () => opened.push('quit'),
      onError: () => undefined
    })
    await tray.refresh()
    const electronTray = FakeTray.all[0]!
    /** Clicks the item with `id` in the tray's current menu. */
    const click = (id: string, menu: FakeMenu | undefined = electronTray.menu): void => {
      const walk = (items: FakeMenu['template']): boolean =>
        items.some((i) =>
          i.id === id
            ? (i.click?.(undefined as never, undefined, undefined as never), true)
            : walk(i.submenu ?? [])
        )
      if (!menu || !walk(menu.template)) throw new Error(`no item ${id}`)
    }
    const labels = (): string[] =>
      (electronTray.menu?.template ?? []).map((i) => String(i.label ?? i.type))
    return { hub, handlers, ctx, tray, electronTray, click, labels, opened }
  }

  it('starts the server from the menu; the server.state event rebuilds menu, tooltip and icon', async () => {
    const t = await setup()
    expect(t.electronTray.tooltip).toBe('llmnet: stopped')
    expect(t.electronTray.image.path).toBe(trayIconFile('/res/tray', 'stopped', 'linux'))
    const rebuilt = new Promise<void>((resolve) => {
      t.hub.subscribe((e) => e === 'server.state' && setImmediate(resolve))
    })
    t.click('server-start')
    await rebuilt
    await t.tray.refresh()
    expect(t.electronTray.tooltip).toMatch(/^llmnet: serving on http:\/\/127\.0\.0\.1:/)
    expect(t.electronTray.image.path).toBe('/res/tray/tray-serving.png')
    expect(t.labels()[1]).toMatch(/^Copy http:\/\/127\.0\.0\.1:\d+\/v1$/)
    t.click('endpoint')
    expect(fake.clipboard.text).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/)
  })

  it('switching the default pipeline goes through pipelines.set_default', async () => {
    const t = await setup()
    t.click('pipeline:code')
    // The click's handler call is not awaited: wait for the stored setting to show it.
    await vi.waitFor(async () => {
      expect((await t.handlers['settings.get']({}, t.ctx)).defaultPipeline).toBe('code')
    })
    await t.tray.refresh()
    const menu = t.electronTray.menu!.template.find((i) => i.id === 'default-pipeline')!
    expect(menu.submenu?.find((i) => i.id === 'pipeline:code')?.checked).toBe(true)
  })

  it('open and quit reach the shell; dispose removes the icon and stops listening', async () => {
    const t = await setup()
    t.click('open')
    t.click('quit')
    t.electronTray.emit('click')
    expect(t.opened).toEqual(['open', 'quit', 'open'])
    t.tray.dispose()
    expect(t.electronTray.destroyed).toBe(true)
  })

  it('macOS uses template images', () => {
    expect(trayIconFile('/r', 'serving', 'darwin')).toBe('/r/trayTemplate.png')
    expect(trayIconFile('/r', 'error', 'darwin')).toBe('/r/trayErrorTemplate.png')
    expect(trayIconFile('/r', 'error', 'win32')).toBe('/r/tray-error.png')
  })
})
