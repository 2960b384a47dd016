/**
 * What every client suite sets up: a fake OpenAI upstream (port 0) behind `serve` of the client
 * compositions, closed after the file. Before each test the upstream forgets the requests it
 * recorded and answers with the file's responder again. Call at a file's top level; the fields
 * are set once the file's first `beforeAll` ran.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest'
import {
  defaultResponder,
  type FakeUpstream,
  type Responder,
  startFakeUpstream
} from '../support/fake-openai'
import { serve, type Served } from '../support/harness'
import { clientCompositions } from './compositions'

export interface ServedClients {
  up: FakeUpstream
  served: Served
}

export function serveClients(opts: { responder?: Responder; apiKey?: string } = {}): ServedClients {
  const responder = opts.responder ?? defaultResponder
  const suite = {} as ServedClients
  beforeAll(async () => {
    suite.up = await startFakeUpstream(responder)
    suite.served = await serve(
      clientCompositions(suite.up.url),
      opts.apiKey ? { server: { apiKey: opts.apiKey } } : {}
    )
  })
  afterAll(async () => {
    await suite.served?.close()
    await suite.up?.close()
  })
  beforeEach(() => {
    suite.up.requests.length = 0
    suite.up.setResponder(responder)
  })
  return suite
}
