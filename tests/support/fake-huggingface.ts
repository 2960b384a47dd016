/**
 * A Hugging Face Hub double: a real HTTP server on port 0 answering the three calls model
 * discovery makes, in the shapes Hugging Face documents.
 *
 * - `GET /api/models?search=&filter=&sort=downloads&direction=-1&limit=`: an array of model
 *   entries `{ _id, id, modelId, likes, downloads, tags, pipeline_tag, library_name, private,
 *   gated, createdAt, lastModified }` (huggingface.js `packages/hub/src/types/api/api-model.ts`,
 *   `ApiModelInfo`: `id`, `downloads`, `likes`, `tags`, `gated: false | "auto" | "manual"`,
 *   `lastModified`). `search` matches a substring of the id; `filter` a tag (`gguf`).
 * - `GET /api/models/{repo}/tree/main?recursive=…`: an array of `{ type: "file", oid, size, path,
 *   lfs?: { oid, size, pointerSize } }` (huggingface.js `packages/hub/src/lib/list-files.ts`,
 *   `ListFileEntry`; `lfs.oid` is the SHA-256 of the content, as the Git LFS pointer's
 *   `oid sha256:` line); an unknown repository is 404 `{ "error": "Repository not found" }`.
 * - `GET /{repo}/resolve/main/{path}`: a 302 to the file's content (Hugging Face redirects to its
 *   CDN), which honours `Range: bytes=a-b` with 206 and `Content-Range` (node-llama-cpp's
 *   `GgufNetworkFetchFileReader` reads headers so, with an end that may pass the file's).
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeHubFile {
  path: string
  content: Buffer
  /** Served instead of `content` (a corrupted download; the tree still gives content's hash). */
  servedContent?: Buffer
  /** Stored in Git LFS (default true; small text files are not). */
  lfs?: boolean
}

export interface FakeHubRepo {
  id: string
  downloads?: number
  likes?: number
  tags?: string[]
  gated?: false | 'auto' | 'manual'
  files: FakeHubFile[]
}

export interface FakeHub {
  /** The endpoint to give as `LLMNET_HF_ENDPOINT`. */
  url: string
  /** Requests seen, as `METHOD path?query` plus the Range header when sent. */
  log: string[]
  close(): Promise<void>
}

const sha = (b: Buffer, alg: 'sha1' | 'sha256'): string => createHash(alg).update(b).digest('hex')

/** Starts the double with `repos`. */
export async function startFakeHub(repos: FakeHubRepo[]): Promise<FakeHub> {
  const log: string[] = []
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }
  const find = (id: string): FakeHubRepo | undefined => repos.find((r) => r.id === id)

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x')
    log.push(
      `${req.method} ${url.pathname}${url.search}${req.headers.range ? ` ${req.headers.range}` : ''}`
    )
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
    if (url.pathname === '/api/models') {
      const search = (url.searchParams.get('search') ?? '').toLowerCase()
      const filter = url.searchParams.get('filter')
      const limit = Number(url.searchParams.get('limit') ?? '1000')
      const found = repos
        .filter((r) => r.id.toLowerCase().includes(search))
        .filter((r) => !filter || (r.tags ?? ['gguf']).includes(filter))
        .sort((a, b) => (b.downloads ?? 0) - (a.downloads ?? 0))
        .slice(0, limit)
        .map((r) => ({
          _id: sha(Buffer.from(r.id), 'sha1').slice(0, 24),
          id: r.id,
          modelId: r.id,
          likes: r.likes ?? 0,
          downloads: r.downloads ?? 0,
          tags: r.tags ?? ['gguf'],
          pipeline_tag: 'text-generation',
          library_name: 'gguf',
          private: false,
          gated: r.gated ?? false,
          createdAt: '2025-01-01T00:00:00.000Z',
          lastModified: '2025-06-01T00:00:00.000Z'
        }))
      return json(res, 200, found)
    }
    // /api/models/{owner}/{name}/tree/main
    if (parts[0] === 'api' && parts[1] === 'models' && parts[4] === 'tree') {
      const repo = find(`${parts[2]}/${parts[3]}`)
      if (!repo) return json(res, 404, { error: 'Repository not found' })
      return json(
        res,
        200,
        repo.files.map((f) => {
          const lfs = f.lfs ?? true
          const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha(f.content, 'sha256')}\nsize ${f.content.length}\n`
          return {
            type: 'file',
            oid: sha(lfs ? Buffer.from(pointer) : f.content, 'sha1'),
            size: f.content.length,
            path: f.path,
            ...(lfs
              ? {
                  lfs: {
                    oid: sha(f.content, 'sha256'),
                    size: f.content.length,
                    pointerSize: pointer.length
                  }
                }
              : {})
          }
        })
      )
    }
    // /{owner}/{name}/resolve/main/{path…}: redirect to the "CDN"
    if (parts[2] === 'resolve' && parts[3] === 'main') {
      const repo = find(`${parts[0]}/${parts[1]}`)
      const file = repo?.files.find((f) => f.path === parts.slice(4).join('/'))
      if (!repo || !file) return json(res, 404, { error: 'Entry not found' })
      res.writeHead(302, { location: `/cdn/${repo.id}/${file.path}` }).end()
      return
    }
    if (parts[0] === 'cdn') {
      const repo = find(`${parts[1]}/${parts[2]}`)
      const file = repo?.files.find((f) => f.path === parts.slice(3).join('/'))
      if (!file) return json(res, 404, { error: 'Entry not found' })
      return sendFile(req, res, file.servedContent ?? file.content)
    }
    json(res, 404, { error: 'Not found' })
  }

  const server = createServer(handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      })
  }
}

function sendFile(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
  if (!range) {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(body.length),
      'accept-ranges': 'bytes'
    })
    return void res.end(req.method === 'HEAD' ? undefined : body)
  }
  const start = Number(range[1])
  const end = Math.min(range[2] ? Number(range[2]) : body.length - 1, body.length - 1)
  if (start >= body.length) {
    res.writeHead(416, { 'content-range': `bytes */${body.length}` })
    return void res.end()
  }
  res.writeHead(206, {
    'content-type': 'application/octet-stream',
    'content-length': String(end - start + 1),
    'content-range': `bytes ${start}-${end}/${body.length}`,
    'accept-ranges': 'bytes'
  })
  res.end(req.method === 'HEAD' ? undefined : body.subarray(start, end + 1))
}
