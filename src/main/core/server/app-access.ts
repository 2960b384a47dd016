import type { IncomingMessage } from 'node:http'

/** The app each request was authorized as (per-app access), for its trace. */
const appOfRequest = new WeakMap<IncomingMessage, string>()

export function setRequestApp(req: IncomingMessage, app: string): void {
  appOfRequest.set(req, app)
}

export function requestApp(req: IncomingMessage): string | undefined {
  return appOfRequest.get(req)
}
