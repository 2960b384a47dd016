/** @module The OpenAI-compatible server's state, start and stop. */
import type { ServerControl } from '../server-control'
import type { DomainHandlers } from './types'

export function serverHandlers(control: ServerControl): DomainHandlers<'server'> {
  return {
    async 'server.status'() {
      return control.status()
    },
    async 'server.start'(input) {
      return control.start(input)
    },
    async 'server.stop'() {
      return control.stop()
    }
  }
}
