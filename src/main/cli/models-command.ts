/**
 * @module `llmnet models list|pull|rm|info`: the local model library (GGUF files in the models
 * folder: LLMNET_MODELS_DIR, else `<data dir>/models`).
 */
import type { Command } from 'commander'
import { CATALOG, findCatalogEntry } from '../core/models/catalog'
import { formatBytes } from '../../shared/units'
import { formatProgress } from '../core/models/download'
import { ModelLibrary } from '../core/models/library'
import { defaultDataDir } from '../core/paths'
import { EXIT } from './exit-codes'
import type { CliIO } from './io'
import type { SetExit } from './options'
import { createStyle } from './style'

function library(io: CliIO): ModelLibrary {
  return new ModelLibrary({ dataDir: defaultDataDir(io.env), env: io.env })
}

function params(n: number | undefined): string {
  if (!n) return '?'
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : `${Math.round(n / 1e6)}M`
}

export async function modelsListCommand(flags: { json?: boolean }, io: CliIO): Promise<number> {
  const lib = library(io)
  const entries = await lib.list()
  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify({ dir: lib.dir, models: entries, catalog: CATALOG }, null, 2)}\n`
    )
    return EXIT.OK
  }
  const style = createStyle(io.stdout, io.env)
  io.stdout.write(`${style.dim(`models folder: ${lib.dir}`)}\n`)
  if (entries.length === 0) io.stdout.write('no models downloaded yet\n')
  else {
    const rows = entries.map((e) => [
      e.name,
      formatBytes(e.sizeBytes),
      e.gguf?.architecture ?? '?',
      params(e.gguf?.parameterCount),
      e.gguf?.quantisation ?? '?',
      e.gguf?.contextLength ? String(e.gguf.contextLength) : '?',
      e.error ? style.red(e.error) : ''
    ])
    writeTable(io, ['NAME', 'SIZE', 'ARCH', 'PARAMS', 'QUANT', 'CONTEXT', ''], rows, style.bold)
  }
  const missing = CATALOG.filter((c) => !entries.some((e) => e.name === c.fileName))
  if (missing.length > 0) {
    io.stdout.write(`\n${style.bold('Recommended')} (llmnet models pull NAME)\n`)
    writeTable(
      io,
      ['NAME', 'SIZE', 'DESCRIPTION'],
      missing.map((c) => [c.name, formatBytes(c.sizeBytes), c.description]),
      style.bold
    )
  }
  return EXIT.OK
}

function writeTable(
  io: CliIO,
  head: string[],
  rows: string[][],
  bold: (s: string) => string
): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  io.stdout.write(`${bold(line(head))}\n`)
  for (const r of rows) io.stdout.write(`${line(r)}\n`)
}

export async function modelsPullCommand(
  source: string,
  io: CliIO,
  signal?: AbortSignal,
  flags: { sha256?: string } = {}
): Promise<number> {
  const lib = library(io)
  const style = createStyle(io.stderr, io.env)
  let resolved
  try {
    resolved = await lib.resolveSource(source, { baseDir: process.cwd() })
  } catch (err) {
    io.stderr.write(`llmnet: ${(err as Error).message}\n`)
    return EXIT.USAGE
  }
  if (resolved.kind === 'path') {
    io.stderr.write(
      `llmnet: ${source} is a local path, not something to download; give a URL, hf://… or a catalog name\n`
    )
    return EXIT.USAGE
  }
  if (resolved.present) {
    io.stdout.write(`${resolved.localPath} is already downloaded\n`)
    return EXIT.OK
  }
  const sha256 = flags.sha256?.trim().toLowerCase() ?? resolved.sha256
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) {
    io.stderr.write(`llmnet: --sha256 must be 64 hexadecimal digits, got "${flags.sha256}"\n`)
    return EXIT.USAGE
  }
  io.stderr.write(
    `downloading ${resolved.url}\n  to ${resolved.localPath}${sha256 ? ' (sha256 checked)' : ''}\n`
  )
  const tty = Boolean(io.stderr.isTTY)
  let lastLine = 0
  try {
    await lib.ensure(source, {
      signal,
      sha256,
      onProgress(p) {
        if (tty) io.stderr.write(`\r${formatProgress(p, 78)}`)
        else if (Date.now() - lastLine > 5000 || (p.total !== undefined && p.received >= p.total)) {
          lastLine = Date.now()
          io.stderr.write(`${formatProgress(p, 78)}\n`)
        }
      }
    })
  } catch (err) {
    if (tty) io.stderr.write('\n')
    io.stderr.write(`llmnet: ${style.red('download failed')}: ${(err as Error).message}\n`)
    if (signal?.aborted)
      io.stderr.write('the partial file is kept; run the same command again to resume\n')
    return EXIT.RUNTIME
  }
  if (tty) io.stderr.write('\n')
  io.stdout.write(`${resolved.localPath}\n`)
  return EXIT.OK
}

export async function modelsRemoveCommand(name: string, io: CliIO): Promise<number> {
  try {
    await library(io).remove(findCatalogEntry(name)?.fileName ?? name)
    io.stdout.write(`removed ${name}\n`)
    return EXIT.OK
  } catch (err) {
    io.stderr.write(`llmnet: ${(err as Error).message}\n`)
    return EXIT.INVALID
  }
}

export async function modelsInfoCommand(
  name: string,
  flags: { json?: boolean },
  io: CliIO
): Promise<number> {
  try {
    const info = await library(io).info(findCatalogEntry(name)?.fileName ?? name)
    if (flags.json) {
      io.stdout.write(`${JSON.stringify(info, null, 2)}\n`)
      return EXIT.OK
    }
    const g = info.gguf
    const rows: [string, string][] = [
      ['file', info.path],
      ['size', formatBytes(info.sizeBytes)],
      ['architecture', g?.architecture ?? '?'],
      ['name', g?.name ?? '?'],
      ['parameters', params(g?.parameterCount)],
      ['quantisation', g?.quantisation ?? '?'],
      ['context length', g?.contextLength ? String(g.contextLength) : '?'],
      ['sha256', info.sha256 ?? '(not recorded)']
    ]
    for (const [k, v] of rows) io.stdout.write(`${k.padEnd(15)} ${v}\n`)
    if (info.error) io.stdout.write(`error           ${info.error}\n`)
    return EXIT.OK
  } catch (err) {
    io.stderr.write(`llmnet: ${(err as Error).message}\n`)
    return EXIT.INVALID
  }
}

/** `llmnet models list|pull|rm|info`. */
export function registerModelsCommand(program: Command, io: CliIO, setExit: SetExit): void {
  const models = program
    .command('models')
    .description('the local model library (GGUF files for llama.cpp)')
  models
    .command('list')
    .description('downloaded models read from their GGUF headers, and recommended ones')
    .option('--json', 'machine-readable output')
    .action(async (flags: { json?: boolean }) => setExit(await modelsListCommand(flags, io)))
  models
    .command('pull')
    .description(
      'download a model: a catalog name, an http(s):// URL or hf://org/repo/file.gguf (resumes, checks sha256)'
    )
    .argument('<source>', 'what to download')
    .option('--sha256 <hex>', 'the expected SHA-256: a mismatch deletes the file')
    .action(async (source: string, flags: { sha256?: string }) => {
      const controller = new AbortController()
      const onInt = (): void => controller.abort()
      process.once('SIGINT', onInt)
      try {
        setExit(await modelsPullCommand(source, io, controller.signal, flags))
      } finally {
        process.off('SIGINT', onInt)
      }
    })
  models
    .command('rm')
    .description('delete a downloaded model')
    .argument('<name>', 'file name or catalog name')
    .action(async (name: string) => setExit(await modelsRemoveCommand(name, io)))
  models
    .command('info')
    .description('details of a downloaded model from its GGUF header')
    .argument('<name>', 'file name or catalog name')
    .option('--json', 'machine-readable output')
    .action(async (name: string, flags: { json?: boolean }) =>
      setExit(await modelsInfoCommand(name, flags, io))
    )
}
