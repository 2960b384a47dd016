/** @module How a service announces a change: a contract event (the control API's hub delivers it). */
import type { EventName, EventPayload } from '../../../shared/contract/events'

/** Emits one contract event; the control API's event hub is one. */
export type EmitEvent = <E extends EventName>(event: E, payload: EventPayload<E>) => void
