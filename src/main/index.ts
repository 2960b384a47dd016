// Electron entry: everything Electron-specific lives in ./shell; the runtime is the same one the
// CLI uses, created in the app's userData folder (or LLMNET_USER_DATA).
import { createAppRuntime } from './runtime'
import { bootstrap } from './shell/bootstrap'

const shell = bootstrap({
  createRuntime: createAppRuntime,
  userData: process.env.LLMNET_USER_DATA || undefined
})
// The Electron smoke test (tests/electron) reads the shell's state from the main process.
if (process.env.LLMNET_SMOKE_TEST === '1') {
  ;(globalThis as { llmnetShell?: typeof shell }).llmnetShell = shell
}
