/** Page objects: one place that knows the UI's labels and test ids. */
import type { Page } from 'playwright-core'

export type NavTarget =
  'pipelines' | 'models' | 'secrets' | 'chat' | 'requests' | 'eval' | 'settings'

/** The app shell. */
export class AppPage {
  constructor(readonly page: Page) {}

  /** Opens the URL and waits for the app's readiness attribute. */
  async open(url: string): Promise<void> {
    await this.page.goto(url)
    await this.page.locator('.app[data-app-state="ready"]').waitFor()
  }

  async go(target: NavTarget | 'welcome'): Promise<void> {
    if (target === 'welcome') await this.page.click('a[href="#/welcome"]')
    else await this.page.click(`nav a[data-nav="${target}"]`)
    await this.page.locator(`[data-testid="page-${target}"]`).waitFor()
  }

  /** A full-page screenshot in tests/e2e/artifacts/. */
  async shot(dir: string, name: string): Promise<void> {
    await this.page.screenshot({ path: `${dir}/${name}.png` })
  }

  toast(text: string | RegExp) {
    return this.page.locator('.toast', { hasText: text })
  }
}

/** The Pipelines page and its editor. */
export class PipelinesPage {
  constructor(readonly page: Page) {}

  async importExample(name: string): Promise<void> {
    await this.page.click('[data-testid="import"]')
    await this.page.click(`[data-example="${name}"]`)
    await this.page.locator('[data-testid="code-editor"]').waitFor()
  }

  editor() {
    return this.page.locator('[data-testid="code-editor"] .cm-content')
  }

  /** Replaces the editor's text (select all, type). */
  async setText(text: string): Promise<void> {
    await this.editor().click()
    await this.page.keyboard.press('ControlOrMeta+a')
    await this.page.keyboard.press('Delete')
    await this.page.keyboard.insertText(text)
  }

  status() {
    return this.page.locator('[data-testid="validation-status"]')
  }

  /** The 1-based lines that carry an error mark in the gutter. */
  async errorLines(): Promise<number[]> {
    // A string: this file is type-checked for Node, without the DOM's types.
    return this.page.evaluate<number[]>(`
      [...document.querySelectorAll('.cm-content .cm-line')]
        .map((l, i) => (l.querySelector('.cm-lintRange-error') ? i + 1 : 0))
        .filter(Boolean)
    `)
  }

  async save(): Promise<void> {
    await this.page.click('[data-testid="save"]')
  }
}
