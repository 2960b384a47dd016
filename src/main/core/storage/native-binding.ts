/**
 * @module Where the desktop app finds better-sqlite3 built for Electron's ABI. node_modules keeps
 * the Node build (CLI, tests); scripts/build-native-electron.mjs puts a second build beside it,
 * and `npm run dist` ships that one as an extra resource. The shell passes the path it gets
 * here to `openDatabase({ nativeBinding })`. Electron-free: it only looks at paths.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'

/** The file name better-sqlite3 builds. */
export const NATIVE_BINARY = 'better_sqlite3.node'
/** The development copy, relative to the project root (as scripts/build-native-electron.mjs). */
export const DEV_NATIVE_DIR = path.join('node_modules', '.llmnet-electron')
/** The packaged copy, relative to Electron's `process.resourcesPath` (electron-builder.yml). */
export const PACKAGED_NATIVE_DIR = 'native'

/** Where to look: a source checkout's root, and in a packaged app its resources folder. */
export interface NativeBindingPlaces {
  appRoot: string
  resourcesPath?: string
}

/** The file-system call this needs (a fake in tests). */
export interface ExistsFs {
  existsSync(file: string): boolean
}

/**
 * The Electron-ABI better-sqlite3 binary: the packaged copy when there is one, else the
 * development copy; undefined when neither exists (see {@link missingNativeBindingMessage}).
 */
export function electronNativeBinding(
  places: NativeBindingPlaces,
  fs: ExistsFs = { existsSync }
): string | undefined {
  const candidates = [
    ...(places.resourcesPath ? [path.join(places.resourcesPath, PACKAGED_NATIVE_DIR)] : []),
    path.join(places.appRoot, DEV_NATIVE_DIR)
  ].map((dir) => path.join(dir, NATIVE_BINARY))
  return candidates.find((file) => fs.existsSync(file))
}

/** What the app says when {@link electronNativeBinding} found nothing: what is missing, what to run. */
export function missingNativeBindingMessage(
  places: NativeBindingPlaces & { isPackaged?: boolean }
): string {
  const dev = path.join(places.appRoot, DEV_NATIVE_DIR, NATIVE_BINARY)
  if (places.isPackaged && places.resourcesPath) {
    // A user of an installed app cannot run the build script: the package itself is broken.
    const packaged = path.join(places.resourcesPath, PACKAGED_NATIVE_DIR, NATIVE_BINARY)
    return (
      `This installation of llmnet is incomplete: ${packaged} (better-sqlite3 built for ` +
      'Electron) is missing. Reinstall llmnet; if you built it yourself, build with ' +
      '`npm run dist` or `npm run dist:dir`, which make that file first.'
    )
  }
  return (
    `better-sqlite3 built for Electron is missing (looked for ${dev}` +
    (places.resourcesPath
      ? ` and ${path.join(places.resourcesPath, PACKAGED_NATIVE_DIR, NATIVE_BINARY)}`
      : '') +
    '). Run `node scripts/build-native-electron.mjs` while online (`npm start` runs it for you).'
  )
}
