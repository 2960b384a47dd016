/**
 * @module A small typed event bus. The engine emits traces and status here instead of printing;
 * the CLI, the server's metrics and (later) the app's store subscribe.
 */
import type { ModelRuntimeStatus } from '../../shared/models/status'
import type { Trace } from '../../shared/trace'

export interface RuntimeEvents {
  trace: Trace
  'pipeline.loaded': { id: string; path: string; reloaded: boolean }
  'pipeline.reload_failed': { id: string; path: string; errors: string[] }
  'pipeline.removed': { id: string; path: string }
  'server.listening': { url: string; host: string; port: number }
  'hook.result': { requestId: string; node: string; function: string; ok: boolean; error?: string }
  'model.status': ModelRuntimeStatus
}

type Listener<T> = (payload: T) => void

export class EventBus<M extends object = RuntimeEvents> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>()

  on<K extends keyof M>(event: K, listener: Listener<M[K]>): () => void {
    let set = this.listeners.get(event)
    if (!set) {
      set = new Set()
      this.listeners.set(event, set)
    }
    set.add(listener as Listener<never>)
    return () => set.delete(listener as Listener<never>)
  }

  emit<K extends keyof M>(event: K, payload: M[K]): void {
    const set = this.listeners.get(event)
    if (!set) return
    for (const listener of set) {
      try {
        ;(listener as Listener<M[K]>)(payload)
      } catch {
        // A failing subscriber must not break the request that emitted the event.
      }
    }
  }
}
