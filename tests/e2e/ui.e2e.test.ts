/**
 * End-to-end: the renderer in Chromium (playwright-core) at 1024×700, light and dark, against the
 * real `llmnet serve --ui` (a child process with a temp data folder). The pipelines are real: the
 * tiny GGUF model on the embedded llama.cpp, downloaded by the first run from a local catalog,
 * and an OpenAI-protocol upstream for an external model.
 *
 * Without Chromium the suite is skipped with the reason printed; with LLMNET_E2E_REQUIRED=1
 * (`.ci/run`) that is a failure instead. out/renderer is (re)built first when missing or stale.
 *
 * Screenshots of every page go to tests/e2e/artifacts/ (gitignored).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type Browser, type Page, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureRendererBuilt, findChromium, startServeUi, type ServeUi } from './support/browser'
import { startFixtures, TINY_MODEL, type Fixtures } from './support/fixtures'
import { AppPage, PipelinesPage } from './support/pages'

const ARTIFACTS = path.join(__dirname, 'artifacts')
const CHROMIUM = findChromium()
// `.ci/run` sets this: there, a missing browser fails instead of skipping.
const REQUIRED = process.env.LLMNET_E2E_REQUIRED === '1'
if (!CHROMIUM)
  console.warn(
    'e2e skipped: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH); LLMNET_E2E_REQUIRED=1 makes this a failure'
  )

/** A composition whose error is on a known line (7: an unknown adapter). */
const broken = (upstream: string): string => `{
  "models": {
    "m": { "type": "external", "url": "${upstream}/v1", "name": "upstream-model" }
  },
  "architecture": [
    { "name": "chat", "layer": 0, "model": "m",
      "adapter": "not-an-adapter", "output-to": ["output"] },
    { "name": "output", "adapter": "output" }
  ]
}
`
const shell = (upstream: string): string => `{
  "models": { "m": { "type": "external", "url": "${upstream}/v1" } },
  "functions": {
    "log": { "type": "shell", "command": "/usr/bin/logger", "args": ["-t", "llmnet", "$INPUT"] }
  },
  "architecture": [
    { "name": "chat", "layer": 0, "model": "m", "adapter": "openai-api", "output-to": ["output"],
      "hooks": { "post": [{ "function": "log" }] } },
    { "name": "output", "adapter": "output" }
  ]
}
`

/** A composition reading the store secret `e2e.API_TOKEN`. */
const storeSecret = (upstream: string): string => `{
  "models": { "m": { "type": "external", "url": "${upstream}/v1" } },
  "secrets": { "e2e": { "source": "store", "variables": ["API_TOKEN"] } },
  "architecture": [
    { "name": "chat", "layer": 0, "model": "m", "adapter": "openai-api", "output-to": ["output"] },
    { "name": "output", "adapter": "output" }
  ]
}
`

describe.skipIf(!CHROMIUM)('the UI against llmnet serve --ui', () => {
  let fixtures: Fixtures
  let server: ServeUi
  let browser: Browser
  let page: Page
  let app: AppPage
  let tmp = ''
  const shots = path.join(ARTIFACTS, 'serve')
  const upstream = (): string => fixtures.upstream.url

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true })
    tmp = mkdtempSync(path.join(tmpdir(), 'llmnet-e2e-fixtures-'))
    const [, fx] = await Promise.all([ensureRendererBuilt(), startFixtures(tmp)])
    fixtures = fx
    server = await startServeUi({ LLMNET_CATALOG: fixtures.catalog })
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] })
    const context = await browser.newContext({ viewport: { width: 1024, height: 700 } })
    page = await context.newPage()
    // Fail fast with Playwright's own message rather than vitest's timeout.
    page.setDefaultTimeout(15_000)
    page.on('pageerror', (err) => console.error(`page error: ${err.message}`))
    app = new AppPage(page)
    await app.open(server.url)
  }, 180_000)
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    await fixtures?.close()
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  })

  it('first run: downloads the starter model with progress and cancel, then a default pipeline answers on llama.cpp', async () => {
    await page.locator('[data-testid="page-welcome"]').waitFor()
    await app.shot(shots, 'welcome')
    await page.click('[data-testid="choice-starter"]')
    const starter = page.locator('[data-testid="starter"]')
    await expect.poll(() => starter.textContent()).toContain(TINY_MODEL)
    await expect(starter.textContent()).resolves.toMatch(/\d+(\.\d+)? (KB|MB)/)
    await page.click('[data-testid="download-starter"]')
    // The fixture holds the second half of the file: the bar shows part of the total.
    const pull = page.locator('[data-testid="pull"][data-state="running"]')
    await expect.poll(() => pull.textContent()).toMatch(/ of /)
    await expect
      .poll(async () => Number(await pull.locator('progress').getAttribute('value')))
      .toBeGreaterThan(0)
    await app.shot(shots, 'welcome-download')
    // Cancel stops it and offers the download again; the second try finishes.
    await pull.locator('button:has-text("Cancel")').click()
    await page.locator('[data-testid="download-starter"]').click()
    await expect.poll(() => pull.textContent()).toMatch(/ of /)
    fixtures.releaseDownload()
    const done = page.locator('[data-testid="first-run-done"]')
    await done.waitFor({ timeout: 60_000 })
    await expect(done.textContent()).resolves.toMatch(/assistant is your default pipeline/)
    await expect(done.textContent()).resolves.toContain(`${server.base}/v1`)
    await app.shot(shots, 'welcome-done')

    // The pipeline is real: the downloaded model answers through the embedded llama.cpp.
    await page.click('[data-testid="first-run-done"] a[href="#/chat"]')
    await page.locator('[data-testid="page-chat"]').waitFor()
    await expect(page.locator('[data-testid="chat-pipeline"]').inputValue()).resolves.toBe(
      'assistant'
    )
    await page.fill('[data-testid="max-tokens"]', '8')
    await page.fill('[data-testid="chat-input"]', 'Hello')
    await page.keyboard.press('Enter')
    const answer = page.locator('[data-testid="assistant-message"]').last()
    await answer.locator('[data-testid="route-view"]').waitFor({ timeout: 90_000 })
    await expect(answer.locator('.msg-error').count()).resolves.toBe(0)
    await expect(answer.locator('[data-testid="route-view"]').textContent()).resolves.toContain(
      'assistant'
    )
    await app.go('models')
    await expect(page.locator('[data-testid="page-models"]').textContent()).resolves.toContain(
      'e2e-tiny.gguf'
    )
    // The server saw the first download cancelled and the second one done.
    await page.locator('[data-testid="pull"][data-state="cancelled"]').waitFor()
    await page.locator('[data-testid="pull"][data-state="done"]').waitFor()
  }, 150_000)

  it('imports an example from the gallery', async () => {
    await app.go('pipelines')
    const p = new PipelinesPage(page)
    await p.importExample('conditional-routing')
    await expect.poll(() => p.status().textContent()).toBe('valid')
    await page.locator('[data-testid="pipeline-graph"] .react-flow__node').first().waitFor()
    await app.shot(shots, 'pipelines-import')
  })

  it('shows a validation error at its line, then saves the fixed text as the default', async () => {
    const p = new PipelinesPage(page)
    const text = broken(upstream())
    await p.setText(text)
    await expect.poll(() => p.status().textContent()).toMatch(/error/)
    await expect.poll(() => p.errorLines()).toContain(7)
    await app.shot(shots, 'pipelines-error')
    await p.setText(text.replace('not-an-adapter', 'openai-api'))
    await expect.poll(() => p.status().textContent()).toBe('valid')
    await page.fill('[data-testid="pipeline-name"]', 'e2e-chat')
    await p.save()
    await page.locator('[data-testid="pipeline-list"] a', { hasText: 'e2e-chat' }).waitFor()
    await page.click('[data-testid="set-default"]')
    await page
      .locator('[data-testid="pipeline-list"] li', { hasText: 'e2e-chat' })
      .locator('.badge', { hasText: 'default' })
      .waitFor()
    await expect(page.locator('[data-testid="status-bar"]').textContent()).resolves.toContain(
      'e2e-chat'
    )
    await app.shot(shots, 'pipelines-saved')
  })

  it('chats, streams the answer and highlights its route on the graph', async () => {
    await app.go('chat')
    await page.selectOption('[data-testid="chat-pipeline"]', 'e2e-chat')
    await page.fill('[data-testid="chat-input"]', 'Hello there')
    await page.keyboard.press('Enter')
    const answer = page.locator('[data-testid="assistant-message"]').last()
    await answer.locator('[data-testid="route-view"]').waitFor()
    await expect(answer.locator('.msg-body').textContent()).resolves.toContain('says: Hello there')
    await expect
      .poll(() => page.locator('[data-testid="pipeline-graph"]').getAttribute('data-route'))
      .toContain('chat')
    await expect(page.locator('.graph-node.on-route').count()).resolves.toBeGreaterThan(0)
    await app.shot(shots, 'chat')
  })

  it('edits the pipeline, shows the diff against the first version, and can restore it', async () => {
    await app.go('pipelines')
    await page.click('[data-testid="pipeline-list"] a:has-text("e2e-chat")')
    const p = new PipelinesPage(page)
    await p.editor().waitFor()
    await expect.poll(() => p.status().textContent()).toBe('valid')
    const text = await page.evaluate<string>(
      `[...document.querySelectorAll('[data-testid="code-editor"] .cm-line')].map((l) => l.textContent).join('\\n')`
    )
    await p.setText(
      text.replace('"name": "chat",', '"name": "chat", "context": "Answer briefly.",')
    )
    await expect.poll(() => p.status().textContent()).toBe('valid')
    await p.save()
    await page
      .locator('[data-testid="pipeline-list"] li:has-text("e2e-chat"):has-text("v2")')
      .waitFor()
    await page.click('[role="tab"]:has-text("History")')
    await page.click('.version-list button:has-text("v1")')
    await page.locator('[data-testid="diff-view"] .cm-changedLine').first().waitFor()
    await expect(page.locator('button:has-text("Restore v1")').isEnabled()).resolves.toBe(true)
    await app.shot(shots, 'pipelines-history')
  })

  it('finds the request in the log by node and replays it after the edit, old and new side by side', async () => {
    await app.go('requests')
    await page.fill('[data-testid="filter-node"]', 'chat')
    const rows = page.locator('[data-testid="trace-table"] tbody tr')
    await expect.poll(() => rows.count()).toBe(1)
    await expect(rows.first().textContent()).resolves.toContain('e2e-chat')
    await rows.first().locator('button').first().click()
    await page.locator('[data-testid="trace-detail"]').waitFor()
    await page.click('[data-testid="replay"]')
    const replayed = page.locator('[data-testid="replay-result"]')
    await replayed.locator('[data-testid="route-view"]').waitFor()
    await expect(replayed.locator('.answer').textContent()).resolves.toContain('[Answer briefly.]')
    await expect(
      page.locator('[data-testid="logged-answer"]').textContent()
    ).resolves.not.toContain('Answer briefly.')
    await expect(page.locator('[data-testid="logged-answer"]').textContent()).resolves.toContain(
      'says: Hello there'
    )
    await app.shot(shots, 'requests-replay')
  })

  it('sets a secret and shows it masked from then on, its source going from missing to resolved', async () => {
    // A pipeline reading the store secret e2e.API_TOKEN: saved, but not served until it is set.
    const saved = await page.evaluate<{ ok: boolean }>(
      `fetch('/api/pipelines.save', { method: 'POST', headers: { 'content-type': 'application/json', 'x-llmnet-session': sessionStorage.getItem('llmnet.session') }, body: ${JSON.stringify(
        JSON.stringify({ name: 'e2e-secretive', text: storeSecret(upstream()), format: 'json' })
      )} }).then((r) => r.json())`
    )
    expect(saved.ok).toBe(true)
    await app.go('secrets')
    const variable = page.locator(
      '[data-testid="source-e2e-secretive-e2e"] [data-testid="source-variable"]'
    )
    await expect.poll(() => variable.getAttribute('data-state')).toBe('missing')
    await expect(variable.textContent()).resolves.toMatch(/API_TOKEN\s*••••\s*missing/)
    await expect(
      page
        .locator('[data-testid="source-e2e-secretive-e2e"] [data-testid="source-problem"]')
        .textContent()
    ).resolves.toContain('e2e.API_TOKEN is not in the secret store')
    await app.shot(shots, 'secrets-missing')
    await page.fill('[data-testid="secret-name"]', 'e2e.API_TOKEN')
    await page.fill('[data-testid="secret-value"]', 'super-secret-value')
    await page.click('button:has-text("Set secret")')
    await page.locator('[data-testid="secrets-table"] td', { hasText: 'e2e.API_TOKEN' }).waitFor()
    await expect.poll(() => variable.getAttribute('data-state')).toBe('resolved')
    await expect(
      page
        .locator('[data-testid="source-e2e-secretive-e2e"] [data-testid="source-problem"]')
        .count()
    ).resolves.toBe(0)
    await expect(page.locator('[data-testid="secret-value"]').inputValue()).resolves.toBe('')
    await expect(page.content()).resolves.not.toContain('super-secret-value')
    // Still masked after a reload: the value never comes back from the server.
    await page.reload()
    await page.locator('.app[data-app-state="ready"]').waitFor()
    await page.locator('[data-testid="secrets-table"] td', { hasText: 'e2e.API_TOKEN' }).waitFor()
    await expect(page.content()).resolves.not.toContain('super-secret-value')
    await expect.poll(() => variable.getAttribute('data-state')).toBe('resolved')
    await app.shot(shots, 'secrets')
  })

  it('asks before saving a composition with a shell function, showing what it runs', async () => {
    await app.go('pipelines')
    await page.click('[data-testid="import"]')
    await page.fill('[data-testid="paste-input"]', shell(upstream()))
    await page.click('button:has-text("Open pasted text")')
    const p = new PipelinesPage(page)
    await expect.poll(() => p.status().textContent()).toBe('valid')
    await page.fill('[data-testid="pipeline-name"]', 'e2e-shell')
    await p.save()
    const dialog = page.locator('[data-testid="run-confirm"]')
    await dialog.waitFor()
    await expect(dialog.locator('[data-testid="risky-runs"]').textContent()).resolves.toBe(
      '/usr/bin/logger -t llmnet $INPUT'
    )
    await app.shot(shots, 'pipelines-confirm')
    await page.click('[data-testid="confirm-run"]')
    await page.locator('[data-testid="pipeline-list"] a', { hasText: 'e2e-shell' }).waitFor()
  })

  it('generates an app token shown once, revokes it, and saves CORS origins', async () => {
    await app.go('settings')
    await page.fill('[data-testid="app-name"]', 'e2e-app')
    await page.click('button:has-text("Generate token")')
    const revealed = page.locator('[data-testid="revealed-token"] code')
    await expect.poll(() => revealed.textContent()).toMatch(/\S{16,}/)
    const token = (await revealed.textContent())!
    const row = page.locator('[data-testid="app-tokens"] tr', { hasText: 'e2e-app' })
    await expect(row.textContent()).resolves.not.toContain(token)
    await app.shot(shots, 'settings-token')
    await row.locator('button:has-text("Revoke")').click()
    await row.locator('text=revoked').waitFor()
    await expect(page.locator('[data-testid="revealed-token"]').count()).resolves.toBe(0)
    await page.fill('#set-cors', 'http://localhost:3000')
    await page.click('button:has-text("Save (applies on the next server start)")')
    await app.toast('Server settings saved').waitFor()
    const res = await page.evaluate<{ data: { server: { corsOrigins: string[] } } }>(
      `fetch('/api/settings.get', { method: 'POST', headers: { 'content-type': 'application/json', 'x-llmnet-session': sessionStorage.getItem('llmnet.session') }, body: '{}' }).then((r) => r.json())`
    )
    expect(res.data.server.corsOrigins).toEqual(['http://localhost:3000'])
  })

  it('can be driven by keyboard, with a visible focus ring', async () => {
    await page.emulateMedia({ colorScheme: 'light' })
    // A fresh load puts focus at the document's start: the skip link, then the navigation.
    await page.reload()
    await page.locator('.app[data-app-state="ready"]').waitFor()
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Tab')
    const focused = await page.evaluate<{ nav: string | null; outline: string }>(
      `({ nav: document.activeElement.getAttribute('data-nav'), outline: getComputedStyle(document.activeElement).outlineStyle })`
    )
    expect(focused.outline).toBe('solid')
    expect(focused.nav).toBe('models')
    await page.keyboard.press('Enter')
    await page.locator('[data-testid="page-models"]').waitFor()
    await app.shot(shots, 'keyboard-focus')
  })

  it('renders every page at 1024×700 in light and dark without horizontal overflow', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      for (const target of [
        'welcome',
        'pipelines',
        'models',
        'secrets',
        'chat',
        'requests',
        'settings'
      ] as const) {
        await app.go(target)
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth'
        )
        expect(overflow, `${target} (${scheme}) overflows horizontally`).toBeLessThanOrEqual(0)
        await app.shot(shots, `${target}-${scheme}`)
      }
    }
  })
})

describe.runIf(REQUIRED && !CHROMIUM)('required e2e prerequisites', () => {
  it('has Chromium', () => {
    expect(CHROMIUM, 'LLMNET_E2E_REQUIRED=1 but no Chromium: apt-get install chromium').toEqual(
      expect.any(String)
    )
  })
})
