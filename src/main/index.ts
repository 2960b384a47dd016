// Electron entry: everything Electron-specific lives in ./shell; the runtime is the same one the
// CLI uses, created in the app's userData folder.
import { createAppRuntime } from './runtime'
import { bootstrap } from './shell/bootstrap'

bootstrap({ createRuntime: createAppRuntime })
