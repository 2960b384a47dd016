/**
 * @module The control API's event feed: main's parts emit contract events here, and the IPC
 * bridge and `/api/events` subscribe to all of them.
 */
import type { EventName, EventPayload } from '../../shared/contract/events'

export type EventListener = (event: EventName, payload: unknown) => void

/** Where transports get every contract event from. */
export interface ControlEventSource {
  subscribe(listener: EventListener): () => void
}

export interface EventHub extends ControlEventSource {
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void
}

/** A small fan-out; a failing subscriber never stops the others or the emitter. */
export function createEventHub(): EventHub {
  const listeners = new Set<EventListener>()
  return {
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    emit(event, payload) {
      for (const listener of listeners) {
        try {
          listener(event, payload)
        } catch {
          // One broken window or socket must not break the emitter (a request in flight).
        }
      }
    }
  }
}
