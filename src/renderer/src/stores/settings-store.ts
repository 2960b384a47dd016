/**
 * @module Settings (a partial `settings.set` per section) and access tokens. The `access.*`
 * routes are not in the contract yet: the page asks once and hides the section when missing.
 */
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { Settings, SettingsPatch } from '../../../shared/contract/settings'
import { isUnknownRoute } from '../platform/client'
import { call, type StoreDeps } from './call'

/** One API key or per-app token, as the proposed `access.list` returns it (never the secret). */
export interface AccessToken {
  id: string
  name: string
  kind: 'api-key' | 'app-token'
  /** The first characters, to recognise it. */
  prefix: string
  createdAt: number
  lastUsedAt: number | null
}

export interface SettingsState {
  settings: Settings | null
  /** null: not asked yet; false: the server has no `access.*` routes. */
  accessSupported: boolean | null
  tokens: AccessToken[]
  /** A token just created: shown once, to copy. */
  revealed: { id: string; token: string } | null
  refresh(): Promise<void>
  save(patch: SettingsPatch, what?: string): Promise<boolean>
  refreshAccess(): Promise<void>
  createToken(name: string, kind: AccessToken['kind']): Promise<void>
  revokeToken(id: string): Promise<void>
  hideRevealed(): void
  attach(): () => void
}

export type SettingsStore = StoreApi<SettingsState>

/** The settings store. */
export function createSettingsStore(deps: StoreDeps): SettingsStore {
  return createStore<SettingsState>((set, get) => ({
    settings: null,
    accessSupported: null,
    tokens: [],
    revealed: null,
    async refresh() {
      const data = await call(deps, 'Could not read settings', 'settings.get')
      if (data) set({ settings: data })
    },
    async save(patch, what = 'Settings') {
      const data = await call(deps, `${what} not saved`, 'settings.set', patch)
      if (!data) return false
      set({ settings: data })
      deps.toasts.getState().push('info', `${what} saved`)
      return true
    },
    async refreshAccess() {
      const res = await deps.platform.requestUnknown('access.list')
      if (res.ok) {
        const tokens = (res.data as { tokens?: AccessToken[] }).tokens ?? []
        set({ accessSupported: true, tokens })
      } else if (isUnknownRoute(res.error)) set({ accessSupported: false })
      else deps.toasts.getState().error(res.error, 'Access tokens')
    },
    async createToken(name, kind) {
      const res = await deps.platform.requestUnknown('access.create', { name, kind })
      if (!res.ok) return deps.toasts.getState().error(res.error, 'Could not create the token')
      const data = res.data as { id: string; token: string }
      set({ revealed: { id: data.id, token: data.token } })
      await get().refreshAccess()
    },
    async revokeToken(id) {
      const res = await deps.platform.requestUnknown('access.revoke', { id })
      if (!res.ok) return deps.toasts.getState().error(res.error, 'Could not revoke the token')
      if (get().revealed?.id === id) set({ revealed: null })
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
