/**
 * A real HTTP server on port 0 that answers like HashiCorp Vault's key/value secrets engines, as
 * documented at developer.hashicorp.com/vault/api-docs/secret/kv:
 *
 * - KV v2 mounted at `secret/`: `GET /v1/secret/data/<path>` →
 *   `{"data":{"data":{…},"metadata":{created_time, custom_metadata, deletion_time, destroyed, version}}}`;
 *   a read without the `data/` segment gets Vault's 404 with its "Invalid path for a versioned K/V
 *   secrets engine" warning.
 * - KV v1 mounted at `kv/`: `GET /v1/kv/<path>` → `{"data":{…}, "lease_duration":2764800, …}`.
 * - A missing or wrong `X-Vault-Token` → 403 `{"errors":["permission denied"]}` (checked before
 *   the path, as Vault does); an unknown path → 404 `{"errors":[]}`; a method other than GET on
 *   a secret → 405 `{"errors":[]}`.
 *
 * Every request is recorded with its headers, so tests can check the token and namespace.
 */
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeVaultRequest {
  method: string
  /** The request path with its query string, e.g. `/v1/secret/data/app`. */
  path: string
  headers: IncomingHttpHeaders
}

export interface FakeVaultOptions {
  /** The only token accepted. */
  token: string
  /** KV v2 secrets by path below the `secret/` mount (`app/db` → `GET /v1/secret/data/app/db`). */
  kv2?: Record<string, Record<string, unknown>>
  /** KV v1 secrets by path below the `kv/` mount (`app/db` → `GET /v1/kv/app/db`). */
  kv1?: Record<string, Record<string, unknown>>
  /** Wait this long before answering (ms), for timeout tests. */
  delayMs?: number
}

export interface FakeVault {
  /** Vault's address, e.g. `http://127.0.0.1:54321` (no trailing slash, no /v1). */
  url: string
  requests: FakeVaultRequest[]
  close(): Promise<void>
}

const REQUEST_ID = '8f0b5d1c-6a1e-4f7c-9b7d-2f5e3c1a0b9d'
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Starts a fake Vault; close it in `afterAll`/`afterEach`. */
export async function startFakeVault(opts: FakeVaultOptions): Promise<FakeVault> {
  const kv2 = opts.kv2 ?? {}
  const kv1 = opts.kv1 ?? {}
  const requests: FakeVaultRequest[] = []
  const server = createServer((req, res) => {
    void (async () => {
      const path = req.url ?? '/'
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers })
      for await (const _chunk of req) {
        // drain the body
      }
      if (opts.delayMs) await sleep(opts.delayMs)
      const [status, body] = answer(
        req.method ?? 'GET',
        path.split('?')[0] ?? '',
        req.headers['x-vault-token']
      )
      if (res.destroyed) return
      res
        .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(`${JSON.stringify(body)}\n`)
    })()
  })

  const notFound = (): [number, unknown] => [404, { errors: [] }]

  function answer(
    method: string,
    path: string,
    token: string | string[] | undefined
  ): [number, unknown] {
    if (token !== opts.token) return [403, { errors: ['permission denied'] }]
    const v2 = /^\/v1\/secret\/data\/(.+)$/.exec(path)
    if (v2?.[1] !== undefined) {
      const data = kv2[decodeURIComponent(v2[1])]
      if (!data) return notFound()
      if (method !== 'GET') return [405, { errors: [] }]
      return [
        200,
        {
          request_id: REQUEST_ID,
          lease_id: '',
          renewable: false,
          lease_duration: 0,
          data: {
            data,
            metadata: {
              created_time: '2024-01-02T03:04:05.678901234Z',
              custom_metadata: null,
              deletion_time: '',
              destroyed: false,
              version: 1
            }
          },
          wrap_info: null,
          warnings: null,
          auth: null
        }
      ]
    }
    if (/^\/v1\/secret\/.+$/.test(path)) {
      return [
        404,
        {
          errors: [],
          warnings: [
            "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation."
          ]
        }
      ]
    }
    const v1 = /^\/v1\/kv\/(.+)$/.exec(path)
    if (v1?.[1] !== undefined) {
      const data = kv1[decodeURIComponent(v1[1])]
      if (!data) return notFound()
      if (method !== 'GET') return [405, { errors: [] }]
      return [
        200,
        {
          request_id: REQUEST_ID,
          lease_id: '',
          renewable: false,
          lease_duration: 2764800,
          data,
          wrap_info: null,
          warnings: null,
          auth: null
        }
      ]
    }
    return notFound()
  }

  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close').catch(() => undefined)
    }
  }
}
