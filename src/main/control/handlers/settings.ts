/** @module Settings routes: each a call into the settings service. */
import type { SettingsService } from '../../core/services/settings-service'
import type { DomainHandlers } from './types'

export function settingsHandlers(settings: SettingsService): DomainHandlers<'settings'> {
  return {
    'settings.get': async () => settings.get(),
    'settings.set': async (patch) => settings.set(patch)
  }
}
