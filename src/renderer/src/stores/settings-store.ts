/**
 * @module Settings (a partial `settings.set` per section) and per-app access tokens
 * (`access.*`: a token is shown once, when created; lists carry its first characters).
 */
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { OutputOf } from '../../../shared/contract/routes'
import type { Settings, SettingsPatch } from '../../../shared/contract/settings'
import { call, type StoreDeps } from './call'

/** One app's token, as `access.list` returns it (never the token itself). */
export type AppToken = OutputOf<'access.list'>['apps'][number]

export interface SettingsState {
  settings: Settings | null
  /** Why the settings could not be read (the page says it instead of "Loading…" for ever). */
  loadError: string | null
  /** Active tokens first, then revoked ones. */
  apps: AppToken[]
  /** A token just created: shown once, to copy. */
  revealed: { name: string; token: string } | null
  refresh(): Promise<void>
  save(patch: SettingsPatch, what?: string): Promise<boolean>
  refreshAccess(): Promise<void>
  createToken(name: string): Promise<boolean>
  revokeToken(name: string): Promise<void>
  hideRevealed(): void
  attach(): () => void
}

export type SettingsStore = StoreApi<SettingsState>

/** Active tokens first (newest first), then revoked ones. */
export function sortApps(apps: readonly AppToken[]): AppToken[] {
  return [...apps].sort(
    (a, b) =>
      Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || b.createdAt - a.createdAt
  )
}

/** The settings store. */
export function createSettingsStore(deps: StoreDeps): SettingsStore {
  return createStore<SettingsState>((set, get) => ({
    settings: null,
    loadError: null,
    apps: [],
    revealed: null,
    async refresh() {
      const res = await deps.platform.request('settings.get')
      if (res.ok) return set({ settings: res.data, loadError: null })
      set({ loadError: res.error.message })
      deps.toasts.getState().error(res.error, 'Could not read settings')
    },
    async save(patch, what = 'Settings') {
      const res = await deps.platform.request('settings.set', patch)
      const data = res.ok ? res.data : null
      if (!res.ok) deps.toasts.getState().error(res.error, `${what} not saved`, `settings:${what}`)
      if (!data) return false
      set({ settings: data })
      deps.toasts.getState().push('info', `${what} saved`, undefined, `settings:${what}`)
      return true
    },
    async refreshAccess() {
      const data = await call(deps, 'Could not list app tokens', 'access.list')
      if (data) set({ apps: sortApps(data.apps) })
    },
    async createToken(name) {
      const data = await call(deps, 'Could not create the token', 'access.create', { name })
      if (!data) return false
      set({ revealed: { name: data.app.name, token: data.token } })
      await get().refreshAccess()
      return true
    },
    async revokeToken(name) {
      const data = await call(deps, 'Could not revoke the token', 'access.revoke', { name })
      if (!data) return
      if (get().revealed?.name === name) set({ revealed: null })
      await get().refreshAccess()
    },
    hideRevealed() {
      set({ revealed: null })
    },
    attach() {
      return deps.platform.on('settings.changed', (settings) => set({ settings }))
    }
  }))
}
