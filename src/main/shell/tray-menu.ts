/**
 * @module The tray's menu: a pure model (`trayMenuModel(state) → items`) that tests read, and a
 * thin adapter that turns the items into Electron's menu template and performs clicks through the
 * control API's handlers, as the window does.
 */
import type { ContractHandlers } from '../../shared/contract/handlers'
import type { ServerState } from '../../shared/contract/server'

/** What the tray shows; built from `server.status`, `pipelines.list` and `models.list`. */
export interface TrayState {
  server: ServerState
  /** The `/v1` base URL while serving, else null. */
  endpoint: string | null
  pipelines: { name: string; isDefault: boolean; status: 'loaded' | 'error' | 'disabled' }[]
  loadedModels: { key: string; pipeline?: string; state: string }[]
}

/** What a click does. Routes go through the contract handlers with exactly this input. */
export type TrayAction =
  | { type: 'copy'; text: string }
  | { type: 'server.start' }
  | { type: 'server.stop' }
  | { type: 'pipelines.set_default'; input: { name: string } }
  | { type: 'models.unload'; input: { key: string; pipeline?: string } }
  | { type: 'open-window' }
  | { type: 'quit' }

export type TrayItem =
  | { kind: 'label'; id: string; label: string }
  | { kind: 'action'; id: string; label: string; enabled: boolean; action: TrayAction }
  | { kind: 'radio'; id: string; label: string; checked: boolean; action: TrayAction }
  | { kind: 'submenu'; id: string; label: string; items: TrayItem[] }
  | { kind: 'separator' }

/** One line for the tooltip and the menu's first row. */
export function statusLine(server: ServerState): string {
  switch (server.state) {
    case 'running':
      return `llmnet: serving on ${server.url ?? `${server.host}:${server.port}`}`
    case 'starting':
      return 'llmnet: starting…'
    case 'stopping':
      return 'llmnet: stopping…'
    case 'error':
      return `llmnet: error: ${server.error ?? 'unknown'}`
    default:
      return 'llmnet: stopped'
  }
}

/** Which of the tray's status images fits the server's state. */
export function trayStatus(server: ServerState): 'serving' | 'stopped' | 'error' {
  if (server.state === 'error') return 'error'
  return server.state === 'running' ? 'serving' : 'stopped'
}

/** The menu for a state, top to bottom. Pure: same state, same items. */
export function trayMenuModel(state: TrayState): TrayItem[] {
  const { server } = state
  const items: TrayItem[] = [{ kind: 'label', id: 'status', label: statusLine(server) }]
  if (state.endpoint) {
    items.push({
      kind: 'action',
      id: 'endpoint',
      label: `Copy ${state.endpoint}`,
      enabled: true,
      action: { type: 'copy', text: state.endpoint }
    })
  }
  items.push({ kind: 'separator' })

  const usable = state.pipelines.filter((p) => p.status !== 'disabled')
  items.push({
    kind: 'submenu',
    id: 'default-pipeline',
    label: 'Default pipeline',
    items:
      usable.length === 0
        ? [{ kind: 'label', id: 'no-pipelines', label: 'No pipelines' }]
        : usable.map((p) => ({
            kind: 'radio' as const,
            id: `pipeline:${p.name}`,
            label: p.status === 'error' ? `${p.name} (error)` : p.name,
            checked: p.isDefault,
            action: { type: 'pipelines.set_default' as const, input: { name: p.name } }
          }))
  })
  const loaded = state.loadedModels.filter((m) => m.state !== 'stopped')
  items.push({
    kind: 'submenu',
    id: 'models',
    label: loaded.length === 0 ? 'Loaded models' : `Loaded models (${loaded.length})`,
    items:
      loaded.length === 0
        ? [{ kind: 'label', id: 'no-models', label: 'No models loaded' }]
        : loaded.map((m) => ({
            kind: 'action' as const,
            id: `unload:${m.pipeline ?? ''}:${m.key}`,
            label: `Unload ${m.pipeline ? `${m.pipeline}/` : ''}${m.key} (${m.state})`,
            enabled: m.state !== 'starting',
            action: {
              type: 'models.unload' as const,
              input: m.pipeline ? { key: m.key, pipeline: m.pipeline } : { key: m.key }
            }
          }))
  })
  items.push({ kind: 'separator' })

  const busy = server.state === 'starting' || server.state === 'stopping'
  if (server.state === 'running' || server.state === 'stopping') {
    items.push({
      kind: 'action',
      id: 'server-stop',
      label: 'Stop server',
      enabled: !busy,
      action: { type: 'server.stop' }
    })
  } else {
    items.push({
      kind: 'action',
      id: 'server-start',
      label: server.state === 'error' ? 'Restart server' : 'Start server',
      enabled: !busy,
      action: { type: 'server.start' }
    })
  }
  items.push(
    { kind: 'separator' },
    {
      kind: 'action',
      id: 'open',
      label: 'Open llmnet',
      enabled: true,
      action: { type: 'open-window' }
    },
    { kind: 'action', id: 'quit', label: 'Quit llmnet', enabled: true, action: { type: 'quit' } }
  )
  return items
}

/** Electron's MenuItemConstructorOptions, the part we produce. */
export interface MenuTemplateItem {
  id?: string
  label?: string
  type?: 'normal' | 'separator' | 'radio' | 'submenu'
  enabled?: boolean
  checked?: boolean
  submenu?: MenuTemplateItem[]
  click?: () => void
}

/** Maps the model to a menu template whose clicks call `perform`. */
export function toMenuTemplate(
  items: TrayItem[],
  perform: (action: TrayAction) => void
): MenuTemplateItem[] {
  return items.map((item): MenuTemplateItem => {
    switch (item.kind) {
      case 'separator':
        return { type: 'separator' }
      case 'label':
        return { id: item.id, label: item.label, enabled: false }
      case 'submenu':
        return {
          id: item.id,
          label: item.label,
          type: 'submenu',
          submenu: toMenuTemplate(item.items, perform)
        }
      case 'radio':
        return {
          id: item.id,
          label: item.label,
          type: 'radio',
          checked: item.checked,
          click: () => perform(item.action)
        }
      case 'action':
        return {
          id: item.id,
          label: item.label,
          enabled: item.enabled,
          click: () => perform(item.action)
        }
    }
  })
}

/** What performing an action needs besides the handlers. */
export interface TrayActionDeps {
  handlers: ContractHandlers
  /** Electron 45's `clipboard.writeText` is asynchronous and may reject. */
  copy(text: string): unknown
  openWindow(): void
  quit(): void
  /** A failed route (shown to the user by the shell). */
  onError(action: TrayAction, err: unknown): void
}

/** Runs one click: a route through the contract handlers, or a local action. */
export async function performTrayAction(action: TrayAction, deps: TrayActionDeps): Promise<void> {
  const ctx = { transport: 'ipc' as const, signal: new AbortController().signal }
  try {
    switch (action.type) {
      case 'copy':
        await deps.copy(action.text)
        return
      case 'open-window':
        return deps.openWindow()
      case 'quit':
        return deps.quit()
      case 'server.start':
        await deps.handlers['server.start']({}, ctx)
        return
      case 'server.stop':
        await deps.handlers['server.stop']({}, ctx)
        return
      case 'pipelines.set_default':
        await deps.handlers['pipelines.set_default'](action.input, ctx)
        return
      case 'models.unload':
        await deps.handlers['models.unload'](action.input, ctx)
        return
    }
  } catch (err) {
    deps.onError(action, err)
  }
}

/** Reads the tray's state through the same handlers the window uses. */
export async function readTrayState(handlers: ContractHandlers): Promise<TrayState> {
  const ctx = { transport: 'ipc' as const, signal: new AbortController().signal }
  const [server, pipelines, models] = await Promise.all([
    handlers['server.status']({}, ctx),
    handlers['pipelines.list']({}, ctx),
    handlers['models.list']({}, ctx)
  ])
  return {
    server,
    endpoint: server.state === 'running' && server.url ? `${server.url}/v1` : null,
    pipelines: pipelines.pipelines.map(({ name, isDefault, status }) => ({
      name,
      isDefault,
      status
    })),
    loadedModels: models.runtime.map(({ key, state }) => ({ key, state }))
  }
}
