/**
 * End-to-end: a stolen UI session cookie is not enough. Chromium
 * (playwright-core) opens the real `llmnet serve --ui`; the page works, and every `/api` call it
 * makes carries the session's key. Then the same browser visits another server on 127.0.0.1 (a
 * different port): cookies are not port-scoped, so that listener receives `llmnet_session`, and
 * replaying it to `/api` with a same-origin `Origin` is refused. The page cannot be framed.
 *
 * Skipped without Chromium (a failure with LLMNET_E2E_REQUIRED=1, as in ui.e2e.test.ts).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureRendererBuilt, findChromium, startServeUi, type ServeUi } from './support/browser'
import { AppPage } from './support/pages'

const CHROMIUM = findChromium()
const REQUIRED = process.env.LLMNET_E2E_REQUIRED === '1'
if (!CHROMIUM)
  console.warn(
    'session e2e skipped: no Chromium found (apt-get install chromium, or CHROMIUM_PATH)'
  )

describe.skipIf(!CHROMIUM)('a UI session against llmnet serve --ui', () => {
  let server: ServeUi
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let listener: Server
  const stolen: IncomingHttpHeaders[] = []
  const apiCalls: { url: string; key: string | undefined }[] = []

  // Not openUi(): this file watches the first load itself (its headers and every /api call).
  beforeAll(async () => {
    await ensureRendererBuilt()
    server = await startServeUi()
    // The cookie-stealing listener: any other local server the user's browser visits.
    listener = createServer((req, res) => {
      stolen.push(req.headers)
      res.writeHead(200, { 'content-type': 'text/html' }).end('<title>elsewhere</title>')
    })
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r))
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] })
    context = await browser.newContext()
    page = await context.newPage()
    page.setDefaultTimeout(15_000)
    page.on('request', (req) => {
      if (new URL(req.url()).pathname.startsWith('/api/'))
        apiCalls.push({ url: req.url(), key: req.headers()['x-llmnet-session'] })
    })
  }, 180_000)
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    await new Promise((r) => listener?.close(r))
  })

  it('the page works, and each /api call and the event stream carry the session key', async () => {
    const first = page.waitForResponse((r) => r.url() === `${server.base}/`)
    await new AppPage(page).open(server.url)
    const index = await first
    expect(index.headers()['content-security-policy']).toBe("frame-ancestors 'none'")
    expect(index.headers()['x-frame-options']).toBe('DENY')
    // Neither the token nor the key stays in the address bar.
    expect(page.url()).not.toMatch(/token=|session=/)
    await page.locator('[data-testid="page-welcome"], [data-testid="page-pipelines"]').waitFor()
    const key = await page.evaluate('sessionStorage.getItem("llmnet.session")')
    expect(key).toMatch(/^[\w-]{32}$/)
    const posts = apiCalls.filter((c) => !c.url.includes('/api/events'))
    expect(posts.length).toBeGreaterThan(0)
    for (const call of posts) expect(call, call.url).toMatchObject({ key })
    const events = apiCalls.find((c) => c.url.includes('/api/events'))
    expect(events?.url).toContain(`session=${key}`)
    // A reload in the same tab keeps working (the key is in this tab's sessionStorage).
    await page.reload()
    await page.locator('.app[data-app-state="ready"]').waitFor()
  })

  it('a listener on another 127.0.0.1 port receives the cookie; replayed alone to /api it is refused', async () => {
    const other = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/`
    const visit = await context.newPage()
    await visit.goto(other)
    await visit.close()
    const cookie = stolen.at(-1)?.cookie ?? ''
    expect(cookie).toMatch(/llmnet_session=[\w-]+/)

    const replay = (headers: Record<string, string>) =>
      fetch(`${server.base}/api/secrets.list`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: server.base, cookie, ...headers },
        body: '{}'
      })
    const refused = await replay({})
    expect(refused.status).toBe(401)
    const body = (await refused.json()) as { ok: boolean; error: { code: string } }
    expect(body).toMatchObject({ ok: false, error: { code: 'invalid_api_key' } })
    const events = await fetch(`${server.base}/api/events`, {
      headers: { origin: server.base, cookie }
    })
    expect(events.status).toBe(401)
    // The same cookie with the page's key works: the key is what the listener lacks.
    const key = String(await page.evaluate('sessionStorage.getItem("llmnet.session")'))
    expect((await replay({ 'x-llmnet-session': key })).status).toBe(200)
  })

  it('the page cannot be framed by another origin', async () => {
    const framing = await context.newPage()
    const other = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/`
    await framing.goto(other)
    await framing.setContent(`<iframe id="f" src="${server.base}/"></iframe>`)
    const frame = await (await framing.waitForSelector('#f')).contentFrame()
    // setContent waits for the load event, which waits for the frame. Chromium blocks the
    // document: the frame never holds the app (its title is "llmnet desktop") nor its locked page.
    const text = await frame
      ?.evaluate('document.title + (document.body ? document.body.innerText : "")')
      .catch(() => '')
    expect(String(text ?? '')).not.toContain('llmnet')
    await framing.close()
  })
})

describe.runIf(!CHROMIUM && REQUIRED)('a UI session (browser required)', () => {
  it('has a browser', () => {
    expect(CHROMIUM, 'LLMNET_E2E_REQUIRED=1 but no Chromium was found').toBeTruthy()
  })
})
