import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { kv, sampleGguf } from '../../../../tests/support/gguf-builder'
import { CATALOG, findCatalogEntry } from './catalog'
import { defaultModelsDir, hfToHttps, ModelLibrary } from './library'

let dataDir: string
let lib: ModelLibrary
beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'llmnet-lib-'))
  lib = new ModelLibrary({ dataDir, env: {} })
})
afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

function put(name: string, data: Buffer): string {
  mkdirSync(lib.dir, { recursive: true })
  const file = path.join(lib.dir, name)
  writeFileSync(file, data)
  return file
}

describe('models folder', () => {
  it('lives in <dataDir>/models unless LLMNET_MODELS_DIR overrides it', () => {
    expect(lib.dir).toBe(path.join(dataDir, 'models'))
    expect(defaultModelsDir('/data', { LLMNET_MODELS_DIR: '/srv/models' })).toBe('/srv/models')
    expect(new ModelLibrary({ dataDir, env: { LLMNET_MODELS_DIR: '  ' } }).dir).toBe(
      path.join(dataDir, 'models')
    )
  })

  it('lists nothing (instead of failing) when the folder does not exist yet', async () => {
    expect(await lib.list()).toEqual([])
  })

  it('lists GGUF files from their headers with size and sidecar sha256, skipping partial downloads', async () => {
    const data = sampleGguf()
    const sha = createHash('sha256').update(data).digest('hex')
    put('b-tiny.gguf', data)
    writeFileSync(path.join(lib.dir, 'b-tiny.gguf.sha256'), `${sha}  b-tiny.gguf\n`)
    put(
      'a-qwen.gguf',
      sampleGguf({
        metadata: [
          kv.str('general.architecture', 'qwen2'),
          kv.u32('general.file_type', 15),
          kv.u32('qwen2.context_length', 32768)
        ]
      })
    )
    put('c-half.gguf.part', Buffer.from('partial'))
    put('notes.txt', Buffer.from('not a model'))
    const list = await lib.list()
    expect(list.map((e) => e.name)).toEqual(['a-qwen.gguf', 'b-tiny.gguf'])
    expect(list[0]?.gguf).toMatchObject({
      architecture: 'qwen2',
      quantisation: 'Q4_K_M',
      contextLength: 32768
    })
    expect(list[0]?.sha256).toBeUndefined()
    expect(list[1]).toMatchObject({
      sizeBytes: data.length,
      sha256: sha,
      gguf: { architecture: 'llama', name: 'Tiny Test', parameterCount: 6 }
    })
  })

  it('lists a corrupt .gguf with its error instead of hiding it or failing the whole list', async () => {
    put('broken.gguf', Buffer.from('definitely not gguf'))
    put('ok.gguf', sampleGguf())
    const list = await lib.list()
    expect(list.map((e) => [e.name, e.gguf ? 'ok' : e.error])).toEqual([
      ['broken.gguf', expect.stringMatching(/not a GGUF file/)],
      ['ok.gguf', 'ok']
    ])
  })

  it('shows one model by name with or without the .gguf extension', async () => {
    put('tiny.gguf', sampleGguf())
    expect((await lib.info('tiny')).gguf?.architecture).toBe('llama')
    expect((await lib.info('tiny.gguf')).name).toBe('tiny.gguf')
    await expect(lib.info('absent')).rejects.toMatchObject({ code: 'not_found' })
  })

  it('refuses names that would escape the models folder', async () => {
    await expect(lib.info('../secrets')).rejects.toMatchObject({ code: 'invalid_name' })
    await expect(lib.remove('..')).rejects.toMatchObject({ code: 'invalid_name' })
  })

  it('removes a model together with its sidecar and partial download', async () => {
    const file = put('tiny.gguf', sampleGguf())
    writeFileSync(`${file}.sha256`, 'x')
    writeFileSync(`${file}.part`, 'x')
    await lib.remove('tiny')
    expect([file, `${file}.sha256`, `${file}.part`].some((f) => existsSync(f))).toBe(false)
    await expect(lib.remove('tiny')).rejects.toMatchObject({ code: 'not_found' })
  })
})

describe('llama.cpp source resolution', () => {
  it('maps hf://org/repo/path/file.gguf to the Hugging Face resolve URL', () => {
    expect(
      hfToHttps('hf://Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf')
    ).toBe(
      'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf'
    )
    expect(hfToHttps('huggingface://org/repo/sub/dir/m.gguf')).toBe(
      'https://huggingface.co/org/repo/resolve/main/sub/dir/m.gguf'
    )
  })

  it('resolves hf:// and http(s) URLs to <modelsDir>/<file name> and says whether it is present', async () => {
    const r = await lib.resolveSource('hf://org/repo/sub/model-q4.gguf')
    expect(r).toEqual({
      kind: 'url',
      url: 'https://huggingface.co/org/repo/resolve/main/sub/model-q4.gguf',
      localPath: path.join(lib.dir, 'model-q4.gguf'),
      present: false,
      sha256: undefined
    })
    put('model-q4.gguf', sampleGguf())
    expect(
      (await lib.resolveSource('https://example.com/x/model-q4.gguf?download=true')).present
    ).toBe(true)
  })

  it('resolves relative GGUF paths against the composition folder, not the working directory', async () => {
    const compDir = path.join(dataDir, 'pipelines')
    mkdirSync(path.join(compDir, 'weights'), { recursive: true })
    writeFileSync(path.join(compDir, 'weights', 'm.gguf'), sampleGguf())
    const r = await lib.resolveSource('./weights/m.gguf', { baseDir: compDir })
    expect(r).toEqual({
      kind: 'path',
      localPath: path.join(compDir, 'weights', 'm.gguf'),
      present: true
    })
    expect((await lib.resolveSource('/nowhere/m.gguf')).present).toBe(false)
    // Without a folder a relative path is refused, never taken from the working directory.
    await expect(lib.resolveSource('./weights/m.gguf')).rejects.toThrow(
      /relative, and there is no folder to resolve it against/
    )
  })

  it('resolves a catalog name to its URL with the pinned sha256', async () => {
    const r = await lib.resolveSource('qwen2.5-0.5b-instruct')
    expect(r.url).toBe(
      'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf'
    )
    expect(r.localPath).toBe(path.join(lib.dir, 'qwen2.5-0.5b-instruct-q4_k_m.gguf'))
    expect(r.sha256).toBe(findCatalogEntry('qwen2.5-0.5b-instruct')?.sha256)
  })

  it('rejects unsupported URL schemes with a message naming the accepted forms', async () => {
    await expect(lib.resolveSource('s3://bucket/m.gguf')).rejects.toThrow(
      /GGUF path, an http\(s\):\/\/ URL or hf:\/\//
    )
  })

  it('ensure() downloads a missing URL source into the models folder and reuses it afterwards', async () => {
    const body = sampleGguf()
    let hits = 0
    const server = createServer((_req, res) => {
      hits++
      res.writeHead(200, { 'content-length': body.length }).end(body)
    }).listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/tiny.gguf`
      const file = await lib.ensure(url)
      expect(file).toBe(path.join(lib.dir, 'tiny.gguf'))
      expect((await lib.info('tiny')).sha256).toBe(createHash('sha256').update(body).digest('hex'))
      await lib.ensure(url)
      expect(hits).toBe(1)
      await expect(lib.ensure('./missing.gguf', { baseDir: dataDir })).rejects.toMatchObject({
        code: 'not_found'
      })
    } finally {
      server.close()
    }
  })
})

describe('catalog', () => {
  it('has qwen2.5-0.5b-instruct at the Qwen hf:// URL with size and a 64-hex sha256', () => {
    const e = findCatalogEntry('qwen2.5-0.5b-instruct')
    expect(e).toMatchObject({
      url: 'hf://Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf',
      fileName: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
      sizeBytes: 491_400_032
    })
    for (const entry of CATALOG) {
      if (entry.sha256 !== undefined) expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/)
      expect(entry.url.endsWith(`/${entry.fileName}`)).toBe(true)
    }
  })
})
