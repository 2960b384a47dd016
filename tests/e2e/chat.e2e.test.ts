/**
 * End-to-end: the chat basics in Chromium against the real `llmnet serve --ui`, with two
 * pipelines on an OpenAI-protocol upstream (a real HTTP server). A markdown answer renders with a
 * code block, Copy puts text on the real clipboard, Stop keeps the partial answer without an
 * error, and each pipeline keeps its conversation. Screenshots of the chat at 640, 1024 and
 * 1440 px, light and dark, go to tests/e2e/artifacts/chat/ (gitignored).
 *
 * Without Chromium the suite is skipped (ui.e2e.test.ts prints why and fails under
 * LLMNET_E2E_REQUIRED=1).
 */
import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultResponder, type FakeUpstream, startFakeUpstream } from '../support/fake-openai'
import { findChromium, openUi, ROOT, type ServeUi, type UiSession } from './support/browser'

const CHROMIUM = findChromium()
const SHOTS = path.join(__dirname, 'artifacts', 'chat')

const CODE = 'def add(a, b):\n    return a + b'
/** What the upstream answers to "markdown please". */
const MARKDOWN = [
  'Here is **a function** and a [link](https://example.com/docs):',
  '',
  '```python',
  CODE,
  '```',
  '',
  '- one',
  '- two',
  '',
  '<b>raw html</b>'
].join('\n')

/** A 1-0-1 composition on the upstream. */
const composition = (upstream: string): string =>
  JSON.stringify({
    models: { m: { type: 'external', url: `${upstream}/v1` } },
    architecture: [
      { name: 'chat', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': ['output'] },
      { name: 'output', adapter: 'output' }
    ]
  })

const lastUser = (body: { messages?: { role: string; content: string }[] }): string =>
  [...(body.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? ''

/**
 * axe-core's serious and critical violations, as lines naming `where`. axe goes in through the
 * DevTools protocol (page.evaluate), which the page's CSP does not govern, so the conversation
 * on this page stays as it is.
 */
async function axeProblems(p: Page, where: string): Promise<string[]> {
  if (!(await p.evaluate<boolean>(`typeof window.axe === 'object'`)))
    await p.evaluate(
      readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8')
    )
  const violations = await p.evaluate<{ id: string; impact: string; target: string }[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, target: String(v.nodes[0].target) })))`
  )
  return violations.map((v) => `${where}: axe ${v.impact} ${v.id} (e.g. ${v.target})`)
}

describe.skipIf(!CHROMIUM)('chat basics against llmnet serve --ui', () => {
  let upstream: FakeUpstream
  let ui: UiSession
  let server: ServeUi
  let page: Page

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    upstream = await startFakeUpstream((req, i) => {
      const text = lastUser(req.body ?? {})
      if (text === 'markdown please') return { content: MARKDOWN }
      // Two pieces, then nothing until the client goes away: only Stop ends it.
      if (text === 'a long story')
        return { chunks: ['Once ', 'upon ', 'a time'], stallAfterChunks: 2 }
      return defaultResponder(req, i)
    })
    ui = await openUi({
      viewport: { width: 1024, height: 760 },
      // The page reads the clipboard back to check what Copy wrote.
      permissions: ['clipboard-read', 'clipboard-write']
    })
    ;({ server, page } = ui)
    // Two pipelines, saved through the control API with the page's session.
    for (const name of ['alpha', 'beta']) {
      const res = await page.evaluate<{ status: number }, { name: string; text: string }>(
        ({ name, text }) =>
          fetch('/api/pipelines.save', {
            method: 'POST',
            // The session's second half, which the page keeps in the tab.
            headers: {
              'content-type': 'application/json',
              'x-llmnet-session':
                (
                  globalThis as unknown as {
                    sessionStorage: { getItem(k: string): string | null }
                  }
                ).sessionStorage.getItem('llmnet.session') ?? ''
            },
            body: JSON.stringify({ name, text, format: 'json' })
          }).then((r) => ({ status: r.status })),
        { name, text: composition(upstream.url) }
      )
      expect(res.status).toBe(200)
    }
    await page.goto(`${server.base}/#/chat`)
    await page.locator('.app[data-app-state="ready"]').waitFor()
    await page.locator('[data-testid="page-chat"]').waitFor()
    await page
      .locator('[data-testid="chat-pipeline"] option[value="beta"]')
      .waitFor({ state: 'attached' })
  }, 180_000)
  afterAll(async () => {
    await ui?.close()
    await upstream?.close()
  })

  const ask = async (text: string): Promise<void> => {
    await page.fill('[data-testid="chat-input"]', text)
    await page.keyboard.press('Enter')
  }
  const readClipboard = (): Promise<string> =>
    page.evaluate<string>('navigator.clipboard.readText()')
  const log = () => page.locator('[data-testid="chat-log"]')

  it('renders a markdown answer with a code block, and copies the code and the messages', async () => {
    await page.selectOption('[data-testid="chat-pipeline"]', 'alpha')
    await ask('markdown please')
    const answer = page.locator('[data-testid="assistant-message"]').last()
    await answer.locator('[data-testid="route-toggle"]').waitFor()
    const block = answer.locator('[data-testid="code-block"]')
    await expect(block.locator('pre code').textContent()).resolves.toBe(`${CODE}\n`)
    await expect(answer.locator('strong', { hasText: 'a function' }).count()).resolves.toBe(1)
    await expect(answer.locator('li').allTextContents()).resolves.toEqual(['one', 'two'])
    // Raw HTML stays text; the link opens outside the page.
    await expect(answer.locator('b').count()).resolves.toBe(0)
    await expect(answer.textContent()).resolves.toContain('<b>raw html</b>')
    const link = answer.locator('a', { hasText: 'link' })
    await expect(link.getAttribute('target')).resolves.toBe('_blank')
    await expect(link.getAttribute('rel')).resolves.toContain('noopener')
    // The answer is text one can select (it was a button).
    await expect(answer.locator('button [data-testid="answer-text"]').count()).resolves.toBe(0)

    await block.getByRole('button', { name: 'Copy' }).click()
    await block.getByRole('button', { name: 'Copied' }).waitFor()
    await expect(readClipboard()).resolves.toBe(CODE)
    await answer.locator('.msg-actions').getByRole('button', { name: 'Copy' }).click()
    await expect.poll(readClipboard).toBe(MARKDOWN)
    await page.locator('[data-testid="user-message"]').last().getByRole('button').click()
    await expect.poll(readClipboard).toBe('markdown please')

    // The route is one click away, and the graph highlights it.
    await expect(answer.locator('[data-testid="route-toggle"]').textContent()).resolves.toBe(
      'Route: chat → output'
    )
    await answer.locator('[data-testid="route-view"]').waitFor()
    await expect
      .poll(() => page.locator('[data-testid="pipeline-graph"]').getAttribute('data-route'))
      .toContain('chat')
  })

  it('Stop keeps the partial answer, marked stopped, with no error', async () => {
    await ask('a long story')
    const answer = page.locator('[data-testid="assistant-message"]').last()
    await expect
      .poll(() => answer.locator('[data-testid="answer-text"]').textContent())
      .toBe('Once upon')
    await page.getByRole('button', { name: 'Stop' }).click()
    await answer.locator('[data-testid="stopped-mark"]').waitFor()
    await expect(answer.locator('[data-testid="answer-text"]').textContent()).resolves.toBe(
      'Once upon'
    )
    await expect(answer.locator('.msg-error').count()).resolves.toBe(0)
    await expect(page.locator('.toast').count()).resolves.toBe(0)
    await expect(log().textContent()).resolves.not.toContain('client_closed')
    // The upstream saw the request go away.
    await expect.poll(() => upstream.requests.at(-1)?.aborted).toBe(true)
    await page.getByRole('button', { name: 'Send' }).waitFor()
  })

  it('regenerates the last answer in place', async () => {
    await ask('again please')
    const answers = page.locator('[data-testid="assistant-message"]')
    await answers.last().locator('[data-testid="route-toggle"]').waitFor()
    const before = await answers.count()
    const sent = upstream.requests.length
    await page.locator('[data-testid="regenerate"]').click()
    await expect.poll(() => upstream.requests.length).toBe(sent + 1)
    await answers.last().locator('[data-testid="route-toggle"]').waitFor()
    await expect(answers.count()).resolves.toBe(before)
    await expect(answers.last().textContent()).resolves.toContain('says: again please')
  })

  it('keeps each pipeline’s conversation when switching', async () => {
    await page.selectOption('[data-testid="chat-pipeline"]', 'beta')
    await expect(page.locator('[data-testid="assistant-message"]').count()).resolves.toBe(0)
    await ask('hello beta')
    await page
      .locator('[data-testid="assistant-message"]')
      .last()
      .locator('[data-testid="route-toggle"]')
      .waitFor()
    await page.selectOption('[data-testid="chat-pipeline"]', 'alpha')
    await expect(log().textContent()).resolves.toContain('markdown please')
    await expect(log().textContent()).resolves.not.toContain('hello beta')
    await page.selectOption('[data-testid="chat-pipeline"]', 'beta')
    await expect(log().textContent()).resolves.toContain('says: hello beta')
    await expect(log().textContent()).resolves.not.toContain('markdown please')
    // The beta request carried beta's history only.
    expect(upstream.requests.at(-1)?.body.messages).toEqual([
      { role: 'user', content: 'hello beta' }
    ])
    await page.selectOption('[data-testid="chat-pipeline"]', 'alpha')
  })

  it('screenshots of the chat at 640, 1024 and 1440 px, light and dark: no sideways scroll, no serious axe violation', async () => {
    const problems: string[] = []
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      for (const width of [640, 1024, 1440]) {
        await page.setViewportSize({ width, height: 800 })
        await page.waitForFunction(`!document.querySelector('.chunk-loading')`)
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth'
        )
        if (overflow > 0) problems.push(`${width}px ${scheme}: ${overflow}px sideways`)
        // The code block scrolls inside the answer, not the log.
        const logOverflow = await page.evaluate<number>(
          `(() => { const l = document.querySelector('[data-testid="chat-log"]'); return l.scrollWidth - l.clientWidth })()`
        )
        if (logOverflow > 0) problems.push(`${width}px ${scheme}: the log scrolls sideways`)
        await page.screenshot({ path: path.join(SHOTS, `chat-${width}-${scheme}.png`) })
        if (width === 1024) problems.push(...(await axeProblems(page, `chat ${scheme}`)))
      }
    }
    await page.emulateMedia({ colorScheme: 'light' })
    await page.setViewportSize({ width: 1024, height: 760 })
    expect(problems).toEqual([])
  })
})
