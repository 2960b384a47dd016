/**
 * @module The tray icon: its image follows the server's state, its tooltip says the status, and
 * its menu (see tray-menu.ts) is rebuilt whenever the control API announces a change.
 */
import { join } from 'node:path'
import { Menu, Tray, clipboard, nativeImage } from 'electron'
import type { ContractHandlers } from '../../shared/contract/handlers'
import type { EventName } from '../../shared/contract/events'
import type { ControlEventSource } from '../control/events'
import {
  type TrayAction,
  performTrayAction,
  readTrayState,
  statusLine,
  toMenuTemplate,
  trayMenuModel,
  trayStatus
} from './tray-menu'

/** Events after which the menu is rebuilt. */
const REFRESH_ON = new Set<EventName>([
  'server.state',
  'model.status',
  'pipeline.loaded',
  'pipeline.removed',
  'pipeline.reload_failed',
  'settings.changed'
])

export interface AppTrayOptions {
  handlers: ContractHandlers
  events: ControlEventSource
  /** The folder holding tray*.png (resources/tray). */
  iconDir: string
  platform?: NodeJS.Platform
  openWindow(): void
  quit(): void
  onError(action: TrayAction, err: unknown): void
}

export interface AppTray {
  /** Rebuilds the menu now; concurrent calls coalesce into one more run. */
  refresh(): Promise<void>
  /** Whether the icon is there (not destroyed). */
  alive(): boolean
  dispose(): void
}

/** The image file for a state: macOS uses the monochrome template, others the coloured icon. */
export function trayIconFile(
  dir: string,
  status: 'serving' | 'stopped' | 'error',
  platform: NodeJS.Platform
): string {
  const name = status === 'serving' ? '' : status[0]!.toUpperCase() + status.slice(1)
  return platform === 'darwin'
    ? join(dir, `tray${name}Template.png`)
    : join(dir, `tray-${status}.png`)
}

/** Creates the tray and keeps it in step with the runtime. */
export function createAppTray(opts: AppTrayOptions): AppTray {
  const platform = opts.platform ?? process.platform
  const image = (status: 'serving' | 'stopped' | 'error') => {
    const img = nativeImage.createFromPath(trayIconFile(opts.iconDir, status, platform))
    if (platform === 'darwin') img.setTemplateImage(true)
    return img
  }
  const tray = new Tray(image('stopped'))
  tray.setToolTip('llmnet')
  if (platform !== 'darwin') tray.on('click', () => opts.openWindow())

  const perform = (action: TrayAction): void =>
    void performTrayAction(action, {
      handlers: opts.handlers,
      copy: (text) => clipboard.writeText(text),
      openWindow: opts.openWindow,
      quit: opts.quit,
      onError: opts.onError
    })

  let running: Promise<void> | undefined
  let again = false
  let disposed = false
  const build = async (): Promise<void> => {
    const state = await readTrayState(opts.handlers)
    if (disposed) return
    tray.setContextMenu(Menu.buildFromTemplate(toMenuTemplate(trayMenuModel(state), perform)))
    tray.setToolTip(statusLine(state.server))
    tray.setImage(image(trayStatus(state.server)))
  }
  const refresh = (): Promise<void> => {
    if (running) {
      again = true
      return running
    }
    running = (async () => {
      do {
        again = false
        try {
          await build()
        } catch (err) {
          // A failing status read leaves the last menu; the next event tries again.
          tray.setToolTip(`llmnet: status unavailable (${(err as Error).message})`)
        }
      } while (again && !disposed)
    })().finally(() => {
      running = undefined
    })
    return running
  }
  const unsubscribe = opts.events.subscribe((event) => {
    if (REFRESH_ON.has(event)) void refresh()
  })
  void refresh()
  return {
    refresh,
    alive: () => !tray.isDestroyed(),
    dispose() {
      disposed = true
      unsubscribe()
      tray.destroy()
    }
  }
}
