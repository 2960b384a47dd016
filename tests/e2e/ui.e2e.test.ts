/**
 * End-to-end: the renderer in Chromium (playwright-core), at 1024×700, light and dark.
 *
 * - "llmnet serve --ui": the real server as a child process with a temp data dir. Skipped, with
 *   the reason printed, when Chromium or the `--ui` option is missing.
 * - "built renderer + fake API": the renderer, freshly built with Vite, served with
 *   tests/e2e/support/fake-api.ts, so the flows and screenshots run while `serve --ui` is being
 *   built. Skipped without Chromium.
 *
 * With LLMNET_E2E_REQUIRED=1 a missing Chromium or `serve --ui` is a failure, not a skip.
 *
 * Screenshots of every page go to tests/e2e/artifacts/ (gitignored).
 */
import { mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findChromium, serveHasUi, startServeUi, type ServeUi } from './support/browser'
import { buildRenderer } from './support/build-renderer'
import { ROOT, startFakeApi, type FakeApi } from './support/fake-api'
import { AppPage, PipelinesPage } from './support/pages'

const ARTIFACTS = path.join(__dirname, 'artifacts')
const CHROMIUM = findChromium()
const SERVE_UI = CHROMIUM ? serveHasUi(ROOT) : false

if (!CHROMIUM)
  console.warn('e2e skipped: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)')
else if (!SERVE_UI)
  console.warn('e2e "llmnet serve --ui" skipped: this llmnet has no `serve --ui` yet')
// `.ci/run` sets this: there, a missing browser or `serve --ui` fails instead of skipping.
const REQUIRED = process.env.LLMNET_E2E_REQUIRED === '1'

/** A composition whose error is on a known line (7: an unknown adapter). */
const BROKEN = `{
  "models": {
    "m": { "runner": "ollama", "source": "qwen2.5:0.5b" }
  },
  "architecture": [
    { "name": "chat", "layer": 0, "model": "m",
      "adapter": "not-an-adapter", "output-to": ["output"] },
    { "name": "output", "adapter": "output" }
  ]
}
`
const SHELL = `{
  "models": { "m": { "runner": "ollama", "source": "qwen2.5:0.5b" } },
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

interface Target {
  url(): string
  shots: string
}

/** The flows, against whichever backend `target` points at. */
function flows(target: Target, setup: () => Promise<void>, teardown: () => Promise<void>): void {
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let app: AppPage
  const shotDir = path.join(ARTIFACTS, target.shots)

  beforeAll(async () => {
    mkdirSync(shotDir, { recursive: true })
    await setup()
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] })
    context = await browser.newContext({ viewport: { width: 1024, height: 700 } })
    page = await context.newPage()
    // Fail fast with Playwright's own message rather than vitest's timeout.
    page.setDefaultTimeout(10_000)
    page.on('pageerror', (err) => console.error(`page error: ${err.message}`))
    app = new AppPage(page)
    await app.open(target.url())
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await teardown()
  })

  it('starts on the welcome screen when nothing is configured', async () => {
    await page.locator('[data-testid="page-welcome"]').waitFor()
    await app.shot(shotDir, 'welcome')
    await page.click('[data-testid="choice-starter"]')
    await expect(page.locator('[data-testid="starter"]').textContent()).resolves.toMatch(/MB|GB/)
    await app.shot(shotDir, 'welcome-starter')
    await page.click('[data-testid="download-starter"]')
    await page.locator('[data-testid="pull"]').waitFor()
    // The download ends, a default pipeline is created, and the address is offered.
    await page.locator('[data-testid="first-run-done"]').waitFor({ timeout: 60_000 })
    await expect(page.locator('[data-testid="first-run-done"]').textContent()).resolves.toMatch(
      /assistant is your default pipeline/
    )
    await app.shot(shotDir, 'welcome-done')
  }, 90_000)

  it('imports an example from the gallery', async () => {
    await app.go('pipelines')
    const p = new PipelinesPage(page)
    await p.importExample('conditional-routing')
    await expect.poll(() => p.status().textContent()).toBe('valid')
    await page.locator('[data-testid="pipeline-graph"] .react-flow__node').first().waitFor()
    await app.shot(shotDir, 'pipelines-import')
  })

  it('shows a validation error at its line, then saves the fixed text as the default', async () => {
    const p = new PipelinesPage(page)
    await p.setText(BROKEN)
    await expect.poll(() => p.status().textContent()).toMatch(/error/)
    await expect.poll(() => p.errorLines()).toContain(7)
    await app.shot(shotDir, 'pipelines-error')
    await p.setText(BROKEN.replace('not-an-adapter', 'openai-api'))
    await expect.poll(() => p.status().textContent()).toBe('valid')
    await page.fill('[data-testid="pipeline-name"]', 'e2e-chat')
    await p.save()
    await page.locator('[data-testid="pipeline-list"] a', { hasText: 'e2e-chat' }).waitFor()
    await page.click('[data-testid="set-default"]')
    await page.locator('[data-testid="pipeline-list"] .badge', { hasText: 'default' }).waitFor()
    await app.shot(shotDir, 'pipelines-saved')
  })

  it('chats, streams the answer and highlights its route on the graph', async () => {
    await app.go('chat')
    await page.fill('[data-testid="chat-input"]', 'Hello there')
    await page.keyboard.press('Enter')
    const answer = page.locator('[data-testid="assistant-message"]').last()
    await answer.locator('[data-testid="route-view"]').waitFor()
    await expect(answer.locator('.msg-body').textContent()).resolves.not.toBe('')
    await expect
      .poll(() => page.locator('[data-testid="pipeline-graph"]').getAttribute('data-route'))
      .toContain('chat')
    await expect(page.locator('.graph-node.on-route').count()).resolves.toBeGreaterThan(0)
    await app.shot(shotDir, 'chat')
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
    await p.setText(text.replace('"name": "chat"', '"name": "chat", "context": "Answer briefly."'))
    await expect.poll(() => p.status().textContent()).toBe('valid')
    await p.save()
    await page.locator('[data-testid="pipeline-list"] a:has-text("v2")').waitFor()
    await page.click('[role="tab"]:has-text("History")')
    await page.click('.version-list button:has-text("v1")')
    await page.locator('[data-testid="diff-view"] .cm-changedLine').first().waitFor()
    await expect(page.locator('button:has-text("Restore v1")').isEnabled()).resolves.toBe(true)
    await app.shot(shotDir, 'pipelines-history')
  })

  it('finds the request in the log and replays it after the edit', async () => {
    await app.go('requests')
    await page.locator('[data-testid="trace-table"] tbody tr').first().waitFor()
    await page.locator('[data-testid="trace-table"] tbody tr button').first().click()
    await page.locator('[data-testid="trace-detail"]').waitFor()
    await page.click('[data-testid="replay"]')
    await page.locator('[data-testid="replay-result"] [data-testid="route-view"]').waitFor()
    await app.shot(shotDir, 'requests-replay')
  })

  it('sets a secret and shows it masked from then on', async () => {
    await app.go('secrets')
    await page.fill('[data-testid="secret-name"]', 'E2E_TOKEN')
    await page.fill('[data-testid="secret-value"]', 'super-secret-value')
    await page.click('button:has-text("Set secret")')
    await page.locator('[data-testid="secrets-table"] td', { hasText: 'E2E_TOKEN' }).waitFor()
    await expect(page.locator('[data-testid="secret-value"]').inputValue()).resolves.toBe('')
    await expect(page.content()).resolves.not.toContain('super-secret-value')
    await app.shot(shotDir, 'secrets')
  })

  it('asks before saving a composition with a shell function, showing what it runs', async () => {
    await app.go('pipelines')
    await page.click('[data-testid="import"]')
    await page.fill('[data-testid="paste-input"]', SHELL)
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
    await app.shot(shotDir, 'pipelines-confirm')
    await page.click('[data-testid="confirm-run"]')
    await page.locator('[data-testid="pipeline-list"] a', { hasText: 'e2e-shell' }).waitFor()
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
    await app.shot(shotDir, 'keyboard-focus')
  })

  it('renders every page at 1024×700 in light and dark without horizontal overflow', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      for (const target of [
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
        await app.shot(shotDir, `${target}-${scheme}`)
      }
    }
  })
}

describe.skipIf(!CHROMIUM || !SERVE_UI)('llmnet serve --ui', () => {
  let server: ServeUi
  flows(
    { url: () => server.url, shots: 'serve' },
    async () => {
      server = await startServeUi()
    },
    async () => server?.stop()
  )
})

describe.skipIf(!CHROMIUM)('built renderer + fake API', () => {
  let fake: FakeApi
  let dir = ''
  flows(
    { url: () => fake.url, shots: 'fake' },
    async () => {
      dir = await buildRenderer()
      fake = await startFakeApi({ rendererDir: dir })
    },
    async () => {
      await fake?.close()
      if (dir) rmSync(dir, { recursive: true, force: true })
    }
  )
})

describe.runIf(REQUIRED && (!CHROMIUM || !SERVE_UI))('required e2e prerequisites', () => {
  it('has Chromium and `llmnet serve --ui`', () => {
    expect({ chromium: CHROMIUM, serveUi: SERVE_UI }).toEqual({
      chromium: expect.any(String),
      serveUi: true
    })
  })
})
