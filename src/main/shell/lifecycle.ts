/**
 * @module Quitting as a small state machine, Electron-free so tests drive it with fakes. The first
 * quit request is held (`preventDefault`) while the runtime drains within a grace period; a hard
 * deadline cuts a stop that hangs; then the app quits for real. A second quit request while
 * stopping means the user insists: exit at once.
 */

/** `before-quit`'s event, the part we use. */
export interface QuitEvent {
  preventDefault(): void
}

export interface QuitSequenceOptions {
  /** Drains the runtime: requests, observe hooks, trace writer, model workers. */
  stopRuntime(graceMs: number): Promise<void>
  /** `app.quit()`: runs before-quit again, which this time lets it through. */
  quit(): void
  /** `app.exit(code)`: ends the process without further events. */
  exit(code: number): void
  /** Given to `stopRuntime` (default 5 s). */
  graceMs?: number
  /** After this, the app exits whatever the runtime is doing (default grace + 5 s). */
  deadlineMs?: number
  /** Why the stop was not clean (logged by the shell). */
  onProblem?(message: string, err?: unknown): void
  setTimer?(fn: () => void, ms: number): { clear(): void }
}

export type QuitState = 'running' | 'stopping' | 'stopped'

/** Owns the `before-quit` decision; see the module comment. */
export class QuitSequence {
  private current: QuitState = 'running'

  constructor(private readonly opts: QuitSequenceOptions) {}

  get state(): QuitState {
    return this.current
  }

  /** True once quitting started: windows then close instead of hiding to the tray. */
  get isQuitting(): boolean {
    return this.current !== 'running'
  }

  /** The `before-quit` handler. */
  onBeforeQuit(event: QuitEvent): void {
    if (this.current === 'stopped') return
    event.preventDefault()
    if (this.current === 'stopping') {
      this.opts.onProblem?.('quit requested again while stopping: exiting now')
      this.opts.exit(0)
      return
    }
    this.current = 'stopping'
    void this.drain()
  }

  private async drain(): Promise<void> {
    const graceMs = this.opts.graceMs ?? 5000
    const deadlineMs = this.opts.deadlineMs ?? graceMs + 5000
    const setTimer =
      this.opts.setTimer ??
      ((fn, ms) => {
        const t = setTimeout(fn, ms)
        return { clear: () => clearTimeout(t) }
      })
    let timer: { clear(): void } | undefined
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimer(() => resolve('deadline'), deadlineMs)
    })
    let outcome: 'stopped' | 'deadline' | 'failed'
    try {
      outcome = await Promise.race([
        this.opts.stopRuntime(graceMs).then(() => 'stopped' as const),
        deadline
      ])
    } catch (err) {
      this.opts.onProblem?.('the runtime failed to stop cleanly', err)
      outcome = 'failed'
    } finally {
      timer?.clear()
    }
    if (this.current !== 'stopping') return
    if (outcome === 'deadline') {
      this.opts.onProblem?.(`the runtime did not stop within ${deadlineMs} ms: exiting`)
      this.current = 'stopped'
      this.opts.exit(1)
      return
    }
    this.current = 'stopped'
    this.opts.quit()
  }
}
