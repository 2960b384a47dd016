/**
 * Model discovery's core against a Hugging Face double that follows the documented responses
 * (tests/support/fake-huggingface.ts): search, files with quantisation, size and LFS SHA-256,
 * fit from the GGUF header read over HTTP ranges, download with the SHA-256 check, offline.
 */
import { createServer } from 'node:net'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTinyGguf } from '../src/main/core/local/tiny-gguf'
import { DownloadError } from '../src/main/core/models/download'
import { estimateFromSize, fitModel, type MachineMemory } from '../src/main/core/models/fit'
import {
  downloadableFile,
  HubError,
  HuggingFaceHub,
  hubEndpoint,
  parseQuantisation
} from '../src/main/core/models/huggingface'
import { ModelLibrary } from '../src/main/core/models/library'
import { type FakeHub, startFakeHub } from './support/fake-huggingface'
import { tempDir } from './support/harness'

const tiny = buildTinyGguf().bytes
const GiB = 2 ** 30
const machine = (ramFree: number): MachineMemory => ({
  gpu: false,
  ramTotalBytes: 16 * GiB,
  ramFreeBytes: ramFree,
  vramTotalBytes: 0,
  vramFreeBytes: 0,
  source: 'node-llama-cpp'
})

let hub: FakeHub
let client: HuggingFaceHub
beforeAll(async () => {
  hub = await startFakeHub([
    {
      id: 'tiny-org/Tiny-Chat-GGUF',
      downloads: 500,
      likes: 7,
      files: [
        { path: 'README.md', content: Buffer.from('# tiny'), lfs: false },
        { path: 'tiny-chat-Q8_0.gguf', content: tiny },
        { path: 'tiny-chat-q4_k_m.gguf', content: tiny.subarray(0, 1000) },
        {
          path: 'bad/tiny-chat-IQ2_XS.gguf',
          content: tiny,
          servedContent: Buffer.concat([tiny.subarray(0, 100), Buffer.alloc(tiny.length - 100, 1)])
        },
        { path: 'big/tiny-chat-F16-00001-of-00002.gguf', content: tiny },
        { path: 'mmproj-tiny-f16.gguf', content: tiny }
      ]
    },
    { id: 'other/Tiny-Base-GGUF', downloads: 9000, gated: 'manual', files: [] },
    { id: 'other/tiny-safetensors', downloads: 99999, tags: ['safetensors'], files: [] }
  ])
  client = new HuggingFaceHub({ endpoint: hub.url })
})
afterAll(() => hub.close())

describe('quantisation from file names', () => {
  it.each([
    ['qwen2.5-0.5b-instruct-q4_k_m.gguf', 'Q4_K_M'],
    ['Llama-3.2-1B-Instruct-Q8_0.gguf', 'Q8_0'],
    ['gemma-2-2b-it-IQ2_XS.gguf', 'IQ2_XS'],
    ['Phi-3-mini-4k-instruct-fp16.gguf', null],
    ['tinyllama-1.1b-chat-v1.0.F16.gguf', 'F16'],
    ['model-BF16.gguf', 'BF16'],
    ['DeepSeek-R1-UD-Q4_K_XL.gguf', 'Q4_K_XL'],
    ['Q5_K_S/model-Q5_K_S-00001-of-00002.gguf', 'Q5_K_S'],
    ['mistral-7b-instruct-v0.2.Q3_K_L.gguf', 'Q3_K_L'],
    ['gpt-oss-20b-MXFP4.gguf', 'MXFP4'],
    ['smollm-135m-iq4_nl.gguf', 'IQ4_NL'],
    ['ggml-model.gguf', null]
  ])('%s → %s', (name, quant) => {
    expect(parseQuantisation(name)).toBe(quant)
  })
})

describe('the hub endpoint', () => {
  it('is LLMNET_HF_ENDPOINT, else HF_ENDPOINT, else huggingface.co, without a trailing slash', () => {
    expect(hubEndpoint({ LLMNET_HF_ENDPOINT: 'http://mirror:1/', HF_ENDPOINT: 'x' })).toBe(
      'http://mirror:1'
    )
    expect(hubEndpoint({ HF_ENDPOINT: 'https://hf-mirror.com' })).toBe('https://hf-mirror.com')
    expect(hubEndpoint({})).toBe('https://huggingface.co')
  })
})

describe('search and files', () => {
  it('lists GGUF repositories, most downloaded first, asking the hub for gguf by downloads', async () => {
    const repos = await client.search('tiny', 10)
    expect(repos.map((r) => r.id)).toEqual(['other/Tiny-Base-GGUF', 'tiny-org/Tiny-Chat-GGUF'])
    expect(repos[0]).toMatchObject({ downloads: 9000, gated: true })
    expect(repos[1]).toMatchObject({ downloads: 500, likes: 7, gated: false })
    const asked = new URL(`http://x${hub.log.at(-1)!.split(' ')[1]}`).searchParams
    expect(Object.fromEntries(asked)).toMatchObject({
      search: 'tiny',
      filter: 'gguf',
      sort: 'downloads',
      limit: '10'
    })
  })

  it('lists only .gguf files with size, quantisation, LFS sha256, split and projector marks', async () => {
    const files = await client.files('tiny-org/Tiny-Chat-GGUF')
    expect(files.map((f) => f.path)).toEqual([
      'tiny-chat-q4_k_m.gguf',
      'tiny-chat-Q8_0.gguf',
      'bad/tiny-chat-IQ2_XS.gguf',
      'big/tiny-chat-F16-00001-of-00002.gguf',
      'mmproj-tiny-f16.gguf'
    ])
    const q8 = files[1]!
    expect(q8).toMatchObject({ sizeBytes: tiny.length, quantisation: 'Q8_0', split: null })
    expect(q8.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(q8.url).toBe(`${hub.url}/tiny-org/Tiny-Chat-GGUF/resolve/main/tiny-chat-Q8_0.gguf`)
    expect(files[0]!.quantisation).toBe('Q4_K_M')
    expect(files[3]!.split).toEqual({ part: 1, of: 2 })
    expect(files[4]!.projector).toBe(true)
  })

  it('names an unknown repository and refuses a malformed id', async () => {
    await expect(client.files('nobody/nothing')).rejects.toMatchObject({ code: 'not_found' })
    await expect(client.files('../etc')).rejects.toThrow(/not a Hugging Face repository id/)
    await expect(
      downloadableFile(client, 'tiny-org/Tiny-Chat-GGUF', 'big/tiny-chat-F16-00001-of-00002.gguf')
    ).rejects.toThrow(/part 1 of 2 of a split model/)
  })
})

describe('fit', () => {
  it("reads the header over HTTP ranges with node-llama-cpp's insights, not the whole file", async () => {
    const before = hub.log.length
    const [file] = (await client.files('tiny-org/Tiny-Chat-GGUF')).filter(
      (f) => f.quantisation === 'Q8_0'
    )
    const report = await fitModel({
      url: file!.url,
      sizeBytes: file!.sizeBytes,
      machine: machine(8 * GiB)
    })
    expect(report).toMatchObject({
      method: 'insights',
      verdict: 'fits',
      runsOn: 'cpu',
      vramBytes: 0
    })
    expect(report.ramBytes).toBeGreaterThan(0)
    expect(report.summary).toMatch(/no GPU: CPU and RAM only/)
    const ranged = hub.log.slice(before).filter((l) => l.startsWith('GET /cdn/'))
    expect(ranged.length).toBeGreaterThan(0)
    expect(ranged.every((l) => / bytes=\d+-\d+$/.test(l))).toBe(true)
  })

  it('says too big when free RAM is short, and tight when little would be left', async () => {
    const url = client.fileUrl('tiny-org/Tiny-Chat-GGUF', 'tiny-chat-Q8_0.gguf')
    const need = (await fitModel({ url, sizeBytes: tiny.length, machine: machine(8 * GiB) }))
      .ramBytes
    expect(
      (await fitModel({ url, sizeBytes: tiny.length, machine: machine(need - 1) })).verdict
    ).toBe('too_big')
    expect(
      (await fitModel({ url, sizeBytes: tiny.length, machine: machine(need + 1) })).verdict
    ).toBe('tight')
  })

  it('estimates from the file size when the header cannot be read, and says so', async () => {
    const url = client.fileUrl('tiny-org/Tiny-Chat-GGUF', 'tiny-chat-q4_k_m.gguf') // truncated
    const report = await fitModel({ url, sizeBytes: 5e9, machine: machine(4 * GiB) })
    expect(report).toMatchObject({
      method: 'estimate',
      verdict: 'too_big',
      ramBytes: estimateFromSize(5e9).ram
    })
    expect(report.summary).toMatch(/estimated from the file size/)
  })

  it('measures this machine with node-llama-cpp (no GPU here: CPU and RAM only)', async () => {
    const report = await fitModel({ sizeBytes: tiny.length })
    expect(report.machine.ramTotalBytes).toBeGreaterThan(0)
    expect(report.machine.source).toBe('node-llama-cpp')
    if (report.machine.gpu === false) expect(report.runsOn).toBe('cpu')
  })
})

describe('download', () => {
  it('downloads through the redirect and checks the LFS sha256; a corrupted body is refused and removed', async () => {
    const tmp = tempDir('llmnet-hf-')
    try {
      const library = new ModelLibrary({ dataDir: tmp.dir, env: {} })
      const good = await downloadableFile(client, 'tiny-org/Tiny-Chat-GGUF', 'tiny-chat-Q8_0.gguf')
      const saved = await library.ensure(good.url, { sha256: good.sha256 ?? undefined })
      expect(path.basename(saved)).toBe('tiny-chat-Q8_0.gguf')
      expect((await library.info('tiny-chat-Q8_0.gguf')).sha256).toBe(good.sha256)

      const bad = await downloadableFile(
        client,
        'tiny-org/Tiny-Chat-GGUF',
        'bad/tiny-chat-IQ2_XS.gguf'
      )
      const failed = await library
        .ensure(bad.url, { sha256: bad.sha256 ?? undefined })
        .catch((e: unknown) => e)
      expect(failed).toBeInstanceOf(DownloadError)
      expect(failed).toMatchObject({ code: 'checksum_mismatch' })
      expect(existsSync(path.join(library.dir, 'tiny-chat-IQ2_XS.gguf'))).toBe(false)
      expect(existsSync(path.join(library.dir, 'tiny-chat-IQ2_XS.gguf.part'))).toBe(false)
    } finally {
      tmp.remove()
    }
  })
})

describe('resume', () => {
  it('resumes a partial hub download with a Range request through the redirect, and the sha256 still holds', async () => {
    const tmp = tempDir('llmnet-hf-resume-')
    try {
      const library = new ModelLibrary({ dataDir: tmp.dir, env: {} })
      const file = await downloadableFile(client, 'tiny-org/Tiny-Chat-GGUF', 'tiny-chat-Q8_0.gguf')
      mkdirSync(library.dir, { recursive: true })
      const half = Math.floor(tiny.length / 2)
      writeFileSync(path.join(library.dir, 'tiny-chat-Q8_0.gguf.part'), tiny.subarray(0, half))
      const before = hub.log.length
      await library.ensure(file.url, { sha256: file.sha256 ?? undefined })
      expect(hub.log.slice(before)).toContain(
        `GET /cdn/tiny-org/Tiny-Chat-GGUF/tiny-chat-Q8_0.gguf bytes=${half}-`
      )
      expect((await library.info('tiny-chat-Q8_0.gguf')).sha256).toBe(file.sha256)
    } finally {
      tmp.remove()
    }
  })
})

describe('offline', () => {
  it('is a HubError "offline" naming the endpoint, and fit falls back to the size estimate', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
    const away = new HuggingFaceHub({ endpoint: `http://127.0.0.1:${port}` })
    const err = await away.search('tiny').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HubError)
    expect(err).toMatchObject({ code: 'offline' })
    expect((err as Error).message).toContain(
      `Hugging Face (http://127.0.0.1:${port}) cannot be reached`
    )
    const fit = await fitModel({
      url: away.fileUrl('a/b', 'c-Q4_0.gguf'),
      sizeBytes: 1e9,
      machine: machine(8 * GiB)
    })
    expect(fit).toMatchObject({ method: 'estimate', verdict: 'fits' })
  })
})
