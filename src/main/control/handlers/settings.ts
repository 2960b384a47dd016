/** @module Settings routes: each section given is merged into the stored one. */
import type { SettingsRepository } from '../../core/storage/settings-repository'
import type { Settings, StoredSettingsSchema } from '../../../shared/contract/settings'
import type { EventHub } from '../events'
import type { DomainHandlers } from './types'

export function settingsHandlers(deps: {
  settings: SettingsRepository<typeof StoredSettingsSchema>
  hub: EventHub
  /** Applies a change that takes effect at once (the default pipeline, trace retention…). */
  apply(settings: Settings): void
}): DomainHandlers<'settings'> {
  const { settings } = deps
  return {
    async 'settings.get'() {
      return settings.all()
    },
    async 'settings.set'(patch) {
      if (patch.defaultPipeline !== undefined)
        settings.set('defaultPipeline', patch.defaultPipeline)
      if (patch.server) settings.set('server', { ...settings.get('server'), ...patch.server })
      if (patch.traces) settings.set('traces', { ...settings.get('traces'), ...patch.traces })
      if (patch.models) settings.set('models', { ...settings.get('models'), ...patch.models })
      if (patch.app) settings.set('app', { ...settings.get('app'), ...patch.app })
      if (patch.access) settings.set('access', { ...settings.get('access'), ...patch.access })
      const all = settings.all()
      deps.apply(all)
      deps.hub.emit('settings.changed', all)
      return all
    }
  }
}
