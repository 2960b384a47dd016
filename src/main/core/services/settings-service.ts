/** @module The app's settings: each section given is merged into the stored one, applied, announced. */
import type {
  Settings,
  SettingsPatch,
  StoredSettingsSchema
} from '../../../shared/contract/settings'
import type { SettingsRepository } from '../storage/settings-repository'
import type { EmitEvent } from './emit'

export interface SettingsServiceDeps {
  settings: SettingsRepository<typeof StoredSettingsSchema>
  emit: EmitEvent
  /** Applies a change that takes effect at once (the default pipeline, traces on or off…). */
  apply(settings: Settings): void
}

export class SettingsService {
  constructor(private readonly deps: SettingsServiceDeps) {}

  get(): Settings {
    return this.deps.settings.all()
  }

  /** Merges each section of `patch` into the stored one; `settings.changed` carries the result. */
  set(patch: SettingsPatch): Settings {
    const { settings } = this.deps
    if (patch.defaultPipeline !== undefined) settings.set('defaultPipeline', patch.defaultPipeline)
    if (patch.server) settings.set('server', { ...settings.get('server'), ...patch.server })
    if (patch.traces) settings.set('traces', { ...settings.get('traces'), ...patch.traces })
    if (patch.models) settings.set('models', { ...settings.get('models'), ...patch.models })
    if (patch.app) settings.set('app', { ...settings.get('app'), ...patch.app })
    if (patch.access) settings.set('access', { ...settings.get('access'), ...patch.access })
    const all = settings.all()
    this.deps.apply(all)
    this.deps.emit('settings.changed', all)
    return all
  }
}
