/**
 * @module The models folder: GGUF files llama.cpp runs. It lives at `<dataDir>/models` (the data
 * directory is passed in; `LLMNET_MODELS_DIR` overrides). Lists entries from GGUF headers, shows
 * one, removes one, and resolves a composition's llama.cpp `source` (a GGUF path, an `http(s)://`
 * URL or `hf://org/repo/path/file.gguf`) to the local file it is, or would be stored as.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { findCatalogEntry } from './catalog'
import { download, type DownloadOptions } from './download'
import { type GgufModelInfo, readGgufInfo } from './gguf-info'
import { fileNameFromUrl, hfToHttps } from './sources'
import { CodedError } from '../errors'

export { fileNameFromUrl, hfToHttps }

export interface ModelEntry {
  /** File name inside the models folder. */
  name: string
  path: string
  sizeBytes: number
  modifiedAt: Date
  /** From the `<file>.sha256` sidecar, when there is one. */
  sha256?: string
  /** Header summary; absent when the file could not be read as GGUF (see `error`). */
  gguf?: GgufModelInfo
  error?: string
}

export interface ResolvedSource {
  /** What the source was written as. */
  kind: 'path' | 'url'
  /** For URLs (hf:// mapped to https): where to download from. */
  url?: string
  /** The local file: the path itself, or `<modelsDir>/<file name>` for URLs. */
  localPath: string
  /** Whether that file exists now. */
  present: boolean
  /** Expected SHA-256 when the source is a catalog model. */
  sha256?: string
}

/** Thrown for a missing model or an unusable name; `code` tells which. */
export class ModelLibraryError extends CodedError<'not_found' | 'invalid_name' | 'invalid_source'> {
  override readonly name = 'ModelLibraryError'
}

/** `<dataDir>/models`, or `LLMNET_MODELS_DIR` when set. */
export function defaultModelsDir(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const override = env.LLMNET_MODELS_DIR?.trim()
  return path.resolve(override ? override : path.join(dataDir, 'models'))
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile()
  } catch {
    return false
  }
}

/** First token of a `sha256sum`-style sidecar, when it is a valid hex digest. */
async function readSidecar(file: string): Promise<string | undefined> {
  try {
    const token = (await readFile(`${file}.sha256`, 'utf8')).trim().split(/\s+/)[0]?.toLowerCase()
    return token && /^[0-9a-f]{64}$/.test(token) ? token : undefined
  } catch {
    return undefined
  }
}

export interface ModelLibraryOptions {
  /** The app's data directory; models go in `<dataDir>/models`. */
  dataDir: string
  env?: NodeJS.ProcessEnv
}

export class ModelLibrary {
  /** Absolute path of the models folder. */
  readonly dir: string

  constructor(opts: ModelLibraryOptions) {
    this.dir = defaultModelsDir(opts.dataDir, opts.env)
  }

  /** Every `*.gguf` in the folder (partial downloads excluded), sorted by name. */
  async list(): Promise<ModelEntry[]> {
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    const files = names.filter((n) => n.toLowerCase().endsWith('.gguf')).sort()
    const entries = await Promise.all(files.map((n) => this.entry(n).catch(() => undefined)))
    return entries.filter((e): e is ModelEntry => e !== undefined)
  }

  /** One model by file name (`.gguf` may be left off). */
  async info(name: string): Promise<ModelEntry> {
    const file = this.fileName(name)
    if (!(await exists(path.join(this.dir, file)))) {
      throw new ModelLibraryError('not_found', `no model named ${file} in ${this.dir}`)
    }
    return this.entry(file)
  }

  /** Deletes a model with its sidecar and any partial download. */
  async remove(name: string): Promise<void> {
    const file = path.join(this.dir, this.fileName(name))
    if (!(await exists(file)) && !(await exists(`${file}.part`))) {
      throw new ModelLibraryError(
        'not_found',
        `no model named ${path.basename(file)} in ${this.dir}`
      )
    }
    await Promise.all([file, `${file}.sha256`, `${file}.part`].map((f) => rm(f, { force: true })))
  }

  /**
   * Where a composition's llama.cpp `source` lives locally. Relative paths are taken from
   * `baseDir` (the composition's folder or workspace; a relative path without one is refused:
   * nothing resolves against the process's working folder). URLs map to
   * `<modelsDir>/<file name>`; a catalog name (`qwen2.5-0.5b-instruct`) maps to its URL.
   */
  async resolveSource(source: string, opts: { baseDir?: string } = {}): Promise<ResolvedSource> {
    const trimmed = source.trim()
    if (!trimmed) throw new ModelLibraryError('invalid_source', 'the model source is empty')
    const catalog = findCatalogEntry(trimmed)
    const url = catalog ? hfToHttps(catalog.url) : hfToHttps(trimmed)
    if (/^https?:\/\//i.test(url)) {
      const fileName = fileNameFromUrl(url)
      if (!fileName)
        throw new ModelLibraryError('invalid_source', `the URL ${url} does not end in a file name`)
      const localPath = path.join(this.dir, fileName)
      return {
        kind: 'url',
        url,
        localPath,
        present: await exists(localPath),
        sha256: catalog?.sha256
      }
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
      throw new ModelLibraryError(
        'invalid_source',
        `unsupported model source ${trimmed}: use a GGUF path, an http(s):// URL or hf://org/repo/file.gguf`
      )
    }
    const expanded = trimmed.startsWith('~/')
      ? path.join(process.env.HOME ?? '', trimmed.slice(2))
      : trimmed
    if (!path.isAbsolute(expanded) && opts.baseDir === undefined) {
      throw new ModelLibraryError(
        'invalid_source',
        `the model path ${trimmed} is relative, and there is no folder to resolve it against`
      )
    }
    const localPath = path.resolve(opts.baseDir ?? '/', expanded)
    return { kind: 'path', localPath, present: await exists(localPath) }
  }

  /**
   * Resolves a source and downloads it when it is a URL not yet present. Returns the local path.
   * A catalog model's SHA-256 is verified.
   */
  async ensure(source: string, opts: { baseDir?: string } & DownloadOptions = {}): Promise<string> {
    const r = await this.resolveSource(source, opts)
    if (r.present) return r.localPath
    if (r.kind === 'path')
      throw new ModelLibraryError('not_found', `model file ${r.localPath} does not exist`)
    // Models are GGUF files: an HTML error page or another format is refused at its first bytes.
    await download(r.url ?? '', r.localPath, {
      magic: 'GGUF',
      ...opts,
      sha256: opts.sha256 ?? r.sha256
    })
    return r.localPath
  }

  private fileName(name: string): string {
    const n = name.trim()
    if (!n || n.includes('/') || n.includes('\\') || n === '.' || n === '..' || n.includes('\0')) {
      throw new ModelLibraryError(
        'invalid_name',
        `invalid model name "${name}": give a file name inside ${this.dir}`
      )
    }
    return n.toLowerCase().endsWith('.gguf') ? n : `${n}.gguf`
  }

  private async entry(name: string): Promise<ModelEntry> {
    const file = path.join(this.dir, name)
    const st = await stat(file)
    const base: ModelEntry = {
      name,
      path: file,
      sizeBytes: st.size,
      modifiedAt: st.mtime,
      sha256: await readSidecar(file)
    }
    try {
      return { ...base, gguf: await readGgufInfo(file) }
    } catch (err) {
      return { ...base, error: (err as Error).message }
    }
  }
}
