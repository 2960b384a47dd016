/**
 * End-to-end: Models → Discover in Chromium against the real `llmnet serve --ui`, whose
 * `LLMNET_HF_ENDPOINT` is the Hugging Face double (tests/support/fake-huggingface.ts) serving the
 * tiny GGUF model. Search, see fit before download, download (LFS sha256 checked), use the file
 * in a new pipeline, and chat with it on the embedded llama.cpp; then the hub goes away and the
 * view says so while the catalog still lists its models.
 *
 * Screenshots at 1024 px, light and dark, go to tests/e2e/artifacts/discover/.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTinyGguf } from '../../src/main/core/local/tiny-gguf'
import { type FakeHub, startFakeHub } from '../support/fake-huggingface'
import { findChromium, openUi, ROOT, type ServeUi, type UiSession } from './support/browser'
import type { AppPage } from './support/pages'

const SHOTS = path.join(__dirname, 'artifacts', 'discover')
const CHROMIUM = findChromium()
const REQUIRED = process.env.LLMNET_E2E_REQUIRED === '1'
if (!CHROMIUM) console.warn('discover e2e skipped: no Chromium found (set CHROMIUM_PATH)')

const REPO = 'tiny-org/Tiny-Chat-GGUF'
const FILE = 'tiny-chat-Q8_0.gguf'

describe.skipIf(!CHROMIUM && !REQUIRED)('Models → Discover against llmnet serve --ui', () => {
  let hub: FakeHub
  let ui: UiSession
  let server: ServeUi
  let browser: Browser
  let page: Page
  let app: AppPage
  let hubOpen = true

  /** Light and dark screenshots of the page as it is. */
  const shots = async (name: string): Promise<void> => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      await app.shot(SHOTS, `${name}-${scheme}`)
    }
    await page.emulateMedia({ colorScheme: 'light' })
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    const tiny = buildTinyGguf().bytes
    hub = await startFakeHub([
      {
        id: REPO,
        downloads: 1200,
        likes: 9,
        files: [
          { path: 'README.md', content: Buffer.from('# Tiny chat'), lfs: false },
          { path: FILE, content: tiny },
          { path: 'split/tiny-chat-F16-00001-of-00002.gguf', content: tiny }
        ]
      },
      { id: 'tiny-org/Tiny-Base-GGUF', downloads: 300, files: [] }
    ])
    ui = await openUi({
      env: { LLMNET_HF_ENDPOINT: hub.url },
      viewport: { width: 1024, height: 760 },
      timeoutMs: 20_000
    })
    ;({ server, browser, page, app } = ui)
  }, 180_000)
  afterAll(async () => {
    await ui?.close()
    if (hubOpen) await hub?.close()
  })

  it('searches, shows fit before download, downloads, makes a pipeline and chats with it', async () => {
    // The welcome screen offers every catalog model with its size and fit.
    await page.locator('[data-testid="page-welcome"]').waitFor()
    await page.click('[data-testid="choice-starter"]')
    const entries = page.locator('[data-testid="starter"] [data-testid="fit"]')
    await expect.poll(() => entries.count(), { timeout: 60_000 }).toBeGreaterThan(1)
    await expect(entries.first().textContent()).resolves.toMatch(/^(Fits|Tight fit|Too big) · /)
    await shots('welcome-fit')

    await app.go('models')
    await page.click('[data-testid="discover-link"]')
    await page.locator('[data-testid="page-discover"]').waitFor()
    await expect
      // The first measure starts llama.cpp's backend in the server (a few seconds).
      .poll(() => page.locator('[data-testid="machine"]').textContent(), { timeout: 30_000 })
      .toMatch(/RAM free of/)

    await page.fill('input[type="search"]', 'tiny')
    await page.click('button:has-text("Search")')
    const repo = page.locator('[data-testid="hub-repos"] button', { hasText: REPO })
    await repo.click()
    const row = page.locator(`[data-testid="hub-file"][data-path="${FILE}"]`)
    await row.waitFor()
    await expect(row.textContent()).resolves.toMatch(/Q8_0/)
    // Fit is judged from the GGUF header read over HTTP ranges, before any download.
    const fit = row.locator('[data-testid="fit"]')
    await expect.poll(() => fit.getAttribute('data-verdict'), { timeout: 60_000 }).toBe('fits')
    await expect(fit.textContent()).resolves.not.toMatch(/est\./)
    await expect(row.textContent()).resolves.toMatch(/no GPU: CPU and RAM only/)
    const split = page.locator('[data-testid="hub-file"]', { hasText: '00001-of-00002' })
    await expect(split.textContent()).resolves.toMatch(/split models are not supported/)
    await shots('files-fit')

    await row.locator('button', { hasText: 'Download' }).click()
    const use = row.locator('button', { hasText: 'Use in a new pipeline' })
    await use.waitFor({ timeout: 60_000 })
    await expect(row.textContent()).resolves.toMatch(/downloaded/)
    await use.click()
    const created = row.locator('[data-testid="pipeline-created"]')
    await expect.poll(() => created.textContent()).toMatch(/tiny-chat-q8_0/)
    await shots('downloaded')

    await created.locator('button', { hasText: 'Open in Chat' }).click()
    await page.locator('[data-testid="page-chat"]').waitFor()
    await expect
      .poll(() => page.locator('[data-testid="chat-pipeline"]').inputValue())
      .toBe('tiny-chat-q8_0')
    await page.fill('[data-testid="max-tokens"]', '8')
    await page.fill('[data-testid="chat-input"]', 'Hello')
    await page.keyboard.press('Enter')
    const answer = page.locator('[data-testid="assistant-message"]').last()
    await answer.locator('[data-testid="route-view"]').waitFor({ timeout: 90_000 })
    await expect(answer.locator('.msg-error').count()).resolves.toBe(0)
    await expect(answer.locator('[data-testid="route-view"]').textContent()).resolves.toContain(
      'assistant'
    )
    await app.shot(SHOTS, 'chat-light')
  }, 240_000)

  it('adds the downloaded file to a router pipeline as an expert with the use-case typed', async () => {
    // A router pipeline, saved through the control API with the page's session.
    const router = JSON.stringify({
      models: { m: { type: 'external', url: 'http://127.0.0.1:9/v1' } },
      architecture: [
        { name: 'triage', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': [1] },
        {
          name: 'billing',
          layer: 1,
          model: 'm',
          adapter: 'openai-api',
          'use-case': 'Invoices',
          'output-to': ['output']
        },
        {
          name: 'support',
          layer: 1,
          model: 'm',
          adapter: 'openai-api',
          'use-case': 'Bugs',
          'output-to': ['output']
        },
        { name: 'output', adapter: 'output' }
      ]
    })
    const api = (route: string, body: unknown) =>
      page.evaluate<{ ok: boolean; data?: { text?: string } }>(
        `fetch('/api/${route}', { method: 'POST', headers: { 'content-type': 'application/json', 'x-llmnet-session': sessionStorage.getItem('llmnet.session') }, body: ${JSON.stringify(JSON.stringify(body))} }).then((r) => r.json())`
      )
    expect(
      (await api('pipelines.save', { name: 'helpdesk', text: router, format: 'json' })).ok
    ).toBe(true)
    await app.go('models')
    await page.click('[data-testid="discover-link"]')
    await page.fill('input[type="search"]', 'tiny')
    await page.click('button:has-text("Search")')
    await page.locator('[data-testid="hub-repos"] button', { hasText: REPO }).click()
    const row = page.locator(`[data-testid="hub-file"][data-path="${FILE}"]`)
    await row.locator('button', { hasText: 'as an expert' }).click()
    const form = row.locator('[data-testid="expert-form"]')
    await form.locator('select').selectOption('helpdesk')
    await form.getByLabel(/Use-case/).fill('Questions about tiny language models')
    await form.locator('button', { hasText: 'Add expert' }).click()
    await expect
      .poll(() => row.locator('[data-testid="expert-added"]').textContent())
      .toMatch(/helpdesk/)
    await shots('expert-added')
    const saved = await api('pipelines.get', { name: 'helpdesk' })
    const composition = JSON.parse(saved.data!.text!) as {
      architecture: Record<string, unknown>[]
      models: Record<string, Record<string, unknown>>
    }
    expect(composition.architecture.at(-1)).toMatchObject({
      name: 'tiny-chat-q8_0',
      layer: 1,
      'use-case': 'Questions about tiny language models',
      'output-to': ['output']
    })
    expect(composition.models['tiny-chat-q8_0']).toMatchObject({ runner: 'llama-cpp' })
  }, 120_000)

  it('has no serious or critical axe violation in the Discover view, light and dark', async () => {
    // axe is injected as a script: a context that bypasses the page's CSP, with the session.
    const context = await browser.newContext({
      bypassCSP: true,
      viewport: { width: 1024, height: 760 }
    })
    await context.addCookies(await page.context().cookies())
    // The session's second half lives in the tab (sessionStorage), not in a cookie: hand it over.
    const key = await page.evaluate(() => sessionStorage.getItem('llmnet.session'))
    await context.addInitScript({
      content: `try { if (location.protocol.startsWith('http')) sessionStorage.setItem('llmnet.session', ${JSON.stringify(key)}) } catch {}`
    })
    const p = await context.newPage()
    p.setDefaultTimeout(20_000)
    await p.goto(`${server.base}/#/models/discover`)
    await p.locator('[data-testid="page-discover"]').waitFor()
    await p.fill('input[type="search"]', 'tiny')
    await p.click('button:has-text("Search")')
    await p.locator('[data-testid="hub-repos"] button', { hasText: REPO }).click()
    await p.locator('[data-testid="use-model"]').waitFor()
    await p.click('button:has-text("as an expert")')
    await p.addScriptTag({ path: path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js') })
    const problems: string[] = []
    for (const scheme of ['light', 'dark'] as const) {
      await p.emulateMedia({ colorScheme: scheme })
      const found = await p.evaluate<{ passes: number; violations: string[] }>(
        `axe.run({ include: [['[data-testid="page-discover"]'], ['.models-views']] })
          .then((r) => ({ passes: r.passes.length, violations: r.violations
            .filter((v) => v.impact === 'serious' || v.impact === 'critical')
            .map((v) => v.impact + ' ' + v.id + ' at ' + String(v.nodes[0].target)) }))`
      )
      // axe checked something (a wrong include would pass vacuously).
      expect(found.passes).toBeGreaterThan(5)
      problems.push(...found.violations.map((f) => `${scheme}: ${f}`))
    }
    await context.close()
    expect(problems).toEqual([])
  }, 120_000)

  it('offline: the view says Hugging Face cannot be reached and the catalog still lists its models', async () => {
    await hub.close()
    hubOpen = false
    await app.go('models')
    await page.click('[data-testid="discover-link"]')
    await page.fill('input[type="search"]', 'qwen')
    await page.click('button:has-text("Search")')
    const banner = page.locator('[data-testid="hub-offline"]')
    await banner.waitFor()
    await expect(banner.textContent()).resolves.toMatch(
      /^Offline: search is unavailable\. Hugging Face .* cannot be reached/
    )
    const catalog = page.locator('[data-testid="catalog-model"]')
    await expect.poll(() => catalog.count()).toBeGreaterThan(0)
    await expect
      .poll(() => catalog.first().locator('[data-testid="fit"]').textContent(), { timeout: 60_000 })
      .toMatch(/est\./)
    await shots('offline')
  }, 120_000)
})
