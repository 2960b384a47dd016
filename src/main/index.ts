// Electron entry: everything Electron-specific lives in ./shell.
import { bootstrap } from './shell/bootstrap'

bootstrap()
