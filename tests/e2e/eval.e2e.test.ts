/**
 * End-to-end, evaluation sets: the renderer in Chromium (playwright-core) at 1024×700 against the
 * real `llmnet serve --ui`. A router pipeline over the OpenAI-protocol fixture (routing by
 * keyword, so the right answer is known) answers two chats; both requests go from the Requests
 * page into a set, one with the route it took and one with a corrected route; the set runs from
 * the Eval page with live progress and its report draws the confusion grid.
 *
 * Without Chromium the suite is skipped with the reason printed; with LLMNET_E2E_REQUIRED=1 that
 * is a failure. Screenshots (light and dark) go to tests/e2e/artifacts/eval/ (gitignored).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findChromium, openUi, type UiSession } from './support/browser'
import { startFixtures, type Fixtures } from './support/fixtures'
import type { AppPage } from './support/pages'

const ARTIFACTS = path.join(__dirname, 'artifacts', 'eval')
const CHROMIUM = findChromium()
const REQUIRED = process.env.LLMNET_E2E_REQUIRED === '1'
if (!CHROMIUM)
  console.warn(
    'e2e skipped: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH); LLMNET_E2E_REQUIRED=1 makes this a failure'
  )

/** A router sending money questions to billing and the rest to tech; `billing` renames that node. */
const router = (upstream: string, billing = 'billing'): string =>
  JSON.stringify(
    {
      models: {
        small: { type: 'external', url: `${upstream}/v1` },
        chat: { type: 'external', url: `${upstream}/v1` }
      },
      architecture: [
        { name: 'router', layer: 0, model: 'small', adapter: 'openai-api', 'output-to': [1] },
        {
          name: billing,
          layer: 1,
          model: 'chat',
          adapter: 'openai-api',
          'use-case': 'Invoices, refunds and charges',
          'output-to': ['output']
        },
        {
          name: 'tech',
          layer: 1,
          model: 'chat',
          adapter: 'openai-api',
          'use-case': 'Devices and software',
          'output-to': ['output']
        },
        { name: 'output', adapter: 'output' }
      ]
    },
    null,
    2
  )

describe.skipIf(!CHROMIUM)('evaluation sets in the UI against llmnet serve --ui', () => {
  let fixtures: Fixtures
  let ui: UiSession
  let page: Page
  let app: AppPage
  let tmp = ''

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    tmp = mkdtempSync(path.join(tmpdir(), 'llmnet-e2e-eval-'))
    fixtures = await startFixtures(tmp)
    // The router's request carries a JSON schema of the routes; answers name the node's model.
    fixtures.upstream.setResponder((req) => {
      const msgs = (req.body?.messages ?? []) as { role: string; content: string }[]
      const user = [...msgs].reverse().find((m) => m.role === 'user')?.content ?? ''
      const schema = req.body?.response_format?.json_schema?.schema
      if (schema) {
        const options = schema.properties.route.enum as string[]
        const want = /invoice|refund|charge/.test(user) ? 'billing' : 'tech'
        return {
          content: JSON.stringify({
            route: options.includes(want) ? want : options.find((o) => o !== 'tech')
          })
        }
      }
      return { content: `Happy to help with: ${user}` }
    })
    ui = await openUi({
      env: { LLMNET_CATALOG: fixtures.catalog },
      viewport: { width: 1024, height: 700 }
    })
    ;({ page, app } = ui)
  }, 180_000)
  afterAll(async () => {
    await ui?.close()
    await fixtures?.close()
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  })

  it('chat → add to a set from Requests (taken and corrected route) → run on the Eval page → the confusion grid', async () => {
    const saved = await page.evaluate<{ ok: boolean }>(
      `fetch('/api/pipelines.save', { method: 'POST', headers: { 'content-type': 'application/json', 'x-llmnet-session': sessionStorage.getItem('llmnet.session') }, body: ${JSON.stringify(
        JSON.stringify({ name: 'e2e-router', text: router(fixtures.upstream.url), format: 'json' })
      )} }).then((r) => r.json())`
    )
    expect(saved.ok).toBe(true)

    // Two chats through the router: one about an invoice (billing), one about a laptop (tech).
    await app.go('chat')
    await page.selectOption('[data-testid="chat-pipeline"]', 'e2e-router')
    for (const [i, text] of ['my invoice is wrong', 'my laptop will not boot'].entries()) {
      await page.fill('[data-testid="chat-input"]', text)
      await page.keyboard.press('Enter')
      const answer = page.locator('[data-testid="assistant-message"]').nth(i)
      await answer.locator('[data-testid="route-view"]').waitFor({ timeout: 30_000 })
      await expect(answer.textContent()).resolves.toContain(text)
    }

    // From Requests: the invoice one with the route it took, the laptop one corrected to billing.
    await app.go('requests')
    const rows = page.locator('[data-testid="trace-table"] tbody tr')
    await expect.poll(() => rows.count()).toBe(2)
    const add = async (rowText: string, set: string, route?: string): Promise<void> => {
      await rows.filter({ hasText: rowText }).first().locator('button').first().click()
      await page.locator('[data-testid="trace-detail"]').waitFor()
      await page.click('[data-testid="add-to-eval"]')
      await page.fill('[data-testid="eval-set-name"]', set)
      if (route) await page.selectOption('[data-testid="eval-route"]', route)
      await page.click('[data-testid="add-case"]')
      await app.toast(new RegExp(`to ${set}`)).waitFor()
    }
    await expect.poll(() => rows.nth(0).textContent()).toContain('tech')
    await add('billing', 'e2e-routing')
    await page.click('[data-testid="add-to-eval"]')
    await expect(page.locator('[data-testid="eval-route"]').inputValue()).resolves.toBe('billing')
    await page.click('[data-testid="add-to-eval-form"] button:has-text("Cancel")')
    await rows.filter({ hasText: 'tech' }).first().locator('button').first().click()
    await page.click('[data-testid="add-to-eval"]')
    await page.selectOption('[data-testid="eval-route"]', 'billing')
    await app.shot(ARTIFACTS, 'requests-add-to-set')
    await page.click('[data-testid="add-to-eval-form"] button:has-text("Cancel")')
    await add('tech', 'e2e-routing', 'billing')

    // The Eval page lists the set with its two cases; open it and run it on the pipeline.
    await app.go('eval')
    const setRow = page.locator('[data-testid="eval-sets"] tr[data-set="e2e-routing"]')
    await expect(setRow.textContent()).resolves.toContain('never')
    await setRow.locator('button').click()
    await page
      .locator('[data-testid="eval-set"] [data-testid="code-editor"] .cm-line')
      .first()
      .waitFor()
    const lines = await page.evaluate<string[]>(
      `[...document.querySelectorAll('[data-testid="eval-set"] .cm-line')].map((l) => l.textContent)`
    )
    expect(lines.filter((l) => l.includes('"route":"billing"'))).toHaveLength(2)
    await page.click('[data-testid="run-set"]')
    const report = page.locator('[data-testid="eval-report"]')
    await report.waitFor({ timeout: 30_000 })

    // One case routed right (billing→billing), one the router sent to tech: 50 %.
    await expect(
      report.locator('[data-testid="report-accuracy"]').textContent()
    ).resolves.toContain('50.0 %')
    const grid = report.locator('[data-testid="confusion-grid"]')
    const cell = (e: string, a: string) =>
      grid.locator(`td[data-expected="${e}"][data-actual="${a}"]`)
    await expect(cell('billing', 'billing').textContent()).resolves.toBe('1')
    await expect(cell('billing', 'tech').textContent()).resolves.toBe('1')
    await expect(cell('billing', 'billing').getAttribute('class')).resolves.toContain('diagonal')
    await expect(report.locator('[data-testid="failed-cases"]').textContent()).resolves.toContain(
      'expected billing'
    )
    await expect(page.locator('[data-testid="run-history"] tbody tr').count()).resolves.toBe(1)
    await expect(setRow.locator('[data-testid="set-accuracy"]').textContent()).resolves.toBe(
      '50.0 %'
    )
    await expect(cell('tech', 'tech').textContent()).resolves.toBe('0')
    await expect(cell('tech', 'tech').getAttribute('class')).resolves.toContain('diagonal')

    // Screenshots without the passing toasts: the report, then the set list and editor.
    const dismiss = page.locator('.toast button')
    while ((await dismiss.count()) > 0) await dismiss.first().click()
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      // Strings: this file is type-checked for Node, without the DOM's types.
      await page.evaluate(`document.querySelector('[data-testid="eval-run"]').scrollIntoView()`)
      await page.screenshot({ path: path.join(ARTIFACTS, `eval-report-${scheme}.png`) })
      await page.evaluate(`document.querySelector('[data-testid="page-eval"]').scrollIntoView()`)
      await page.screenshot({ path: path.join(ARTIFACTS, `eval-sets-${scheme}.png`) })
    }
    await page.emulateMedia({ colorScheme: 'light' })
  }, 120_000)

  it('runs the set on the edited pipeline against its first version: both side by side, the changed case, accuracy down', async () => {
    // v2 renames billing to invoices: the invoice case now takes "invoices" and fails.
    const saved = await page.evaluate<{ ok: boolean }>(
      `fetch('/api/pipelines.save', { method: 'POST', headers: { 'content-type': 'application/json', 'x-llmnet-session': sessionStorage.getItem('llmnet.session') }, body: ${JSON.stringify(
        JSON.stringify({
          name: 'e2e-router',
          text: router(fixtures.upstream.url, 'invoices'),
          format: 'json'
        })
      )} }).then((r) => r.json())`
    )
    expect(saved.ok).toBe(true)
    await page.click('[data-testid="eval-run"] button:has-text("Close")')
    await page.check('[data-testid="compare"]')
    await page.selectOption('[data-testid="against-pipeline"]', 'e2e-router')
    await expect
      .poll(() => page.locator('[data-testid="against-version"] option').allTextContents())
      .toEqual(['as served', 'v2', 'v1'])
    await page.selectOption('[data-testid="against-version"]', '1')
    await page.click('[data-testid="run-set"]')
    const reports = page.locator('[data-testid="eval-report"]')
    await expect.poll(() => reports.count(), { timeout: 30_000 }).toBe(2)
    await expect(reports.nth(0).locator('h4').textContent()).resolves.toBe('e2e-router')
    await expect(reports.nth(1).locator('h4').textContent()).resolves.toBe('e2e-router@v1')
    await expect(
      reports.nth(0).locator('[data-testid="report-accuracy"]').textContent()
    ).resolves.toContain('0.0 %')
    await expect(
      reports.nth(1).locator('[data-testid="report-accuracy"]').textContent()
    ).resolves.toContain('50.0 %')
    await expect(
      reports
        .nth(0)
        .locator(
          '[data-testid="confusion-grid"] td[data-expected="billing"][data-actual="invoices"]'
        )
        .textContent()
    ).resolves.toBe('1')
    const changed = page.locator('[data-testid="changed-cases"] tbody tr')
    await expect(changed.count()).resolves.toBe(1)
    await expect(changed.first().textContent()).resolves.toMatch(
      /failed · invoices.*passed · billing/
    )
    // Every compact table of the run draws its text at one size (the changed cases were larger).
    const cellSizes = await page.evaluate<string[]>(
      `[...document.querySelectorAll('[data-testid="eval-run"] table.compact tbody td')].map((td) => getComputedStyle(td).fontSize)`
    )
    expect(
      new Set(cellSizes).size,
      `compact table cells at ${[...new Set(cellSizes)].join(', ')}`
    ).toBe(1)
    const history = page.locator('[data-testid="run-history"] tbody tr')
    await expect(history.count()).resolves.toBe(2)
    await expect(history.first().textContent()).resolves.toContain('vs e2e-router@v1')
    await expect(history.first().locator('[data-testid="run-delta"]').textContent()).resolves.toBe(
      '▼ down 50 pts'
    )
    const dismiss = page.locator('.toast button')
    while ((await dismiss.count()) > 0) await dismiss.first().click()
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      await page.evaluate(`document.querySelector('[data-testid="eval-run"]').scrollIntoView()`)
      await page.screenshot({ path: path.join(ARTIFACTS, `eval-compare-${scheme}.png`) })
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth'
      )
      expect(overflow, `the Eval page (${scheme}) overflows horizontally`).toBeLessThanOrEqual(0)
    }
    await page.emulateMedia({ colorScheme: 'light' })
  }, 120_000)
})

describe.runIf(REQUIRED && !CHROMIUM)('required e2e prerequisites', () => {
  it('has Chromium', () => {
    expect(CHROMIUM, 'LLMNET_E2E_REQUIRED=1 but no Chromium: apt-get install chromium').toEqual(
      expect.any(String)
    )
  })
})
