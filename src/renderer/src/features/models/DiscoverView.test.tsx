// @vitest-environment happy-dom
/**
 * Models → Discover over the fake platform: loading, populated, empty, offline and error states;
 * fit shown before download; download; a new pipeline; an expert added to a router.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { InputOf, OutputOf } from '../../../../shared/contract/routes'
import { createFakePlatform, FakeError, type FakeHandlers } from '../../platform/fake-client'
import { createStores, StoresContext } from '../../stores'
import { ModelsPage } from './ModelsPage'

const offs: (() => void)[] = []
afterEach(() => {
  offs.splice(0).forEach((off) => off())
  cleanup()
})

const machine: OutputOf<'models.machine'> = {
  gpu: false,
  ramTotalBytes: 16e9,
  ramFreeBytes: 8e9,
  vramTotalBytes: 0,
  vramFreeBytes: 0,
  source: 'node-llama-cpp'
}
const fit = (
  verdict: OutputOf<'models.fit'>['verdict'],
  ramBytes: number
): OutputOf<'models.fit'> => ({
  verdict,
  runsOn: 'cpu',
  ramBytes,
  vramBytes: 0,
  contextSize: 4096,
  method: 'insights',
  machine,
  summary: `Needs about ${ramBytes} of RAM (no GPU: CPU and RAM only).`
})
const file = (
  path: string,
  sizeBytes: number,
  quantisation: string
): OutputOf<'models.files'>['files'][number] => ({
  path,
  sizeBytes,
  sha256: 'a'.repeat(64),
  quantisation,
  split: null,
  projector: false,
  source: `hf://org/Tiny-GGUF/${path}`,
  fileName: path
})
const DUAL = JSON.stringify(
  {
    models: { m: { type: 'external', url: 'http://127.0.0.1:9/v1' } },
    architecture: [
      { name: 'triage', layer: 0, model: 'm', adapter: 'openai-api', 'output-to': [1] },
      {
        name: 'a',
        layer: 1,
        model: 'm',
        adapter: 'openai-api',
        'use-case': 'A',
        'output-to': ['output']
      },
      {
        name: 'b',
        layer: 1,
        model: 'm',
        adapter: 'openai-api',
        'use-case': 'B',
        'output-to': ['output']
      },
      { name: 'output', adapter: 'output' }
    ]
  },
  null,
  2
)

function setup(handlers: FakeHandlers = {}) {
  let local: OutputOf<'models.list'>['local'] = []
  const saved: InputOf<'pipelines.save'>[] = []
  const platform = createFakePlatform({
    'models.machine': () => machine,
    'models.list': () => ({ runtime: [], local, pulls: [] }),
    'models.catalog': () => ({
      models: [
        {
          name: 'starter',
          description: 'A starter',
          source: 'hf://q/r/s-q4_k_m.gguf',
          fileName: 's-q4_k_m.gguf',
          sizeBytes: 4e8
        }
      ]
    }),
    'models.fit': (input) =>
      input.catalog !== undefined
        ? fit('fits', 6e8)
        : (input.path ?? '').includes('F16')
          ? fit('too_big', 9e9)
          : fit('fits', 1e9),
    'models.search': () => ({
      endpoint: 'http://hub',
      offline: null,
      repos: [{ id: 'org/Tiny-GGUF', downloads: 1234, likes: 5, updatedAt: null, gated: false }]
    }),
    'models.files': () => ({
      repo: 'org/Tiny-GGUF',
      files: [file('tiny-Q4_K_M.gguf', 8e8, 'Q4_K_M'), file('tiny-F16.gguf', 3e9, 'F16')]
    }),
    'models.download': () => ({ pullId: 'p1', source: 'hf://org/Tiny-GGUF/tiny-Q4_K_M.gguf' }),
    'pipelines.list': () => ({
      pipelines: [
        {
          name: 'dual',
          source: 'library',
          path: null,
          enabled: true,
          isDefault: true,
          status: 'loaded',
          error: null,
          version: 1,
          updatedAt: 1
        }
      ]
    }),
    'pipelines.get': () => ({
      name: 'dual',
      source: 'library',
      path: null,
      enabled: true,
      isDefault: true,
      status: 'loaded',
      error: null,
      version: 1,
      updatedAt: 1,
      text: DUAL,
      format: 'json'
    }),
    'pipelines.save': (input) => {
      saved.push(input)
      return { name: input.name, version: 2, diagnostics: [] }
    },
    ...handlers
  })
  const stores = createStores(platform)
  offs.push(stores.models.getState().attach())
  stores.app.getState().setHash('#/models/discover')
  const view = render(
    <StoresContext.Provider value={stores}>
      <ModelsPage />
    </StoresContext.Provider>
  )
  const downloaded = (name: string): void => {
    local = [{ name, runner: 'llama-cpp', path: `/m/${name}`, sizeBytes: 8e8 }]
  }
  return { platform, stores, view, saved, downloaded }
}

async function search(q = 'tiny'): Promise<void> {
  // The view is its own chunk (loaded on first use): wait for it.
  fireEvent.change(await screen.findByRole('searchbox', { name: /search hugging face/i }), {
    target: { value: q }
  })
  fireEvent.click(screen.getByRole('button', { name: 'Search' }))
}

describe('Models → Discover', () => {
  it('shows the machine, then the repositories a search found, then files with quantisation, size and fit before download', async () => {
    setup()
    expect(await screen.findByRole('heading', { level: 1, name: 'Discover models' })).toBeTruthy()
    await screen.findByText(/no GPU found: models run on the CPU from RAM/)
    await search()
    fireEvent.click(await screen.findByRole('button', { name: /org\/Tiny-GGUF/ }))
    const rows = await screen.findAllByTestId('hub-file')
    expect(rows).toHaveLength(2)
    expect(within(rows[0]!).getByText('Q4_K_M')).toBeTruthy()
    expect(within(rows[0]!).getByText('800.0 MB')).toBeTruthy()
    await waitFor(() =>
      expect(within(rows[0]!).getByTestId('fit').textContent).toMatch(/^Fits · 1\.0 GB RAM/)
    )
    await waitFor(() =>
      expect(within(rows[1]!).getByTestId('fit').getAttribute('data-verdict')).toBe('too_big')
    )
    expect(within(rows[1]!).getByTestId('fit').textContent).toMatch(/Too big/)
  })

  it('says "Searching…" while the hub answers', async () => {
    let answer: (v: OutputOf<'models.search'>) => void = () => undefined
    setup({ 'models.search': () => new Promise<OutputOf<'models.search'>>((r) => (answer = r)) })
    await search()
    expect(await screen.findByRole('button', { name: 'Searching…' })).toBeTruthy()
    answer({ endpoint: 'http://hub', offline: null, repos: [] })
    expect(await screen.findByText('No GGUF repositories match')).toBeTruthy()
  })

  it('offline: says the hub cannot be reached, and the starter catalog still offers its downloads with fit', async () => {
    const { platform } = setup({
      'models.search': () => ({
        endpoint: 'http://hub',
        offline: 'Hugging Face (http://hub) cannot be reached: ECONNREFUSED',
        repos: []
      })
    })
    await search()
    const banner = await screen.findByTestId('hub-offline')
    expect(banner.textContent).toMatch(
      /^Offline: search is unavailable\..*cannot be reached: ECONNREFUSED/
    )
    const catalog = screen.getByTestId('discover-catalog')
    await waitFor(() => expect(within(catalog).getByTestId('fit').textContent).toMatch(/^Fits/))
    fireEvent.click(within(catalog).getByRole('button', { name: 'Download' }))
    await waitFor(() => expect(platform.calls.some((c) => c.route === 'models.pull')).toBe(true))
  })

  it("shows a repository's file-list error in place", async () => {
    setup({
      'models.files': () => {
        throw new FakeError(
          'upstream_error',
          'Hugging Face (http://hub) cannot be reached: ETIMEDOUT'
        )
      }
    })
    await search()
    fireEvent.click(await screen.findByRole('button', { name: /org\/Tiny-GGUF/ }))
    expect((await screen.findByRole('alert')).textContent).toMatch(/ETIMEDOUT/)
  })

  it('downloads a file, then makes a new 1-0-1 pipeline on it', async () => {
    const { platform, saved, downloaded } = setup()
    await search()
    fireEvent.click(await screen.findByRole('button', { name: /org\/Tiny-GGUF/ }))
    fireEvent.click(await screen.findByRole('button', { name: 'Download tiny-Q4_K_M.gguf' }))
    await screen.findByTestId('pull')
    expect(platform.calls.find((c) => c.route === 'models.download')?.input).toEqual({
      repo: 'org/Tiny-GGUF',
      path: 'tiny-Q4_K_M.gguf'
    })
    downloaded('tiny-Q4_K_M.gguf')
    platform.emit('model.pull_progress', {
      pullId: 'p1',
      source: 'hf://org/Tiny-GGUF/tiny-Q4_K_M.gguf',
      state: 'done',
      completedBytes: 8e8,
      totalBytes: 8e8,
      error: null
    })
    fireEvent.click(await screen.findByRole('button', { name: 'Use in a new pipeline' }))
    expect((await screen.findByTestId('pipeline-created')).textContent).toMatch(/tiny-q4_k_m/)
    expect(saved[0]!.name).toBe('tiny-q4_k_m')
    expect(JSON.parse(saved[0]!.text).models.assistant).toMatchObject({
      runner: 'llama-cpp',
      source: 'hf://org/Tiny-GGUF/tiny-Q4_K_M.gguf'
    })
  })

  it('adds a downloaded file to a router pipeline as an expert with the use-case typed', async () => {
    const { stores, saved, downloaded } = setup()
    downloaded('tiny-Q4_K_M.gguf')
    await stores.models.getState().refresh()
    await stores.pipelines.getState().refresh()
    await search()
    fireEvent.click(await screen.findByRole('button', { name: /org\/Tiny-GGUF/ }))
    fireEvent.click(await screen.findByRole('button', { name: /as an expert/ }))
    const form = await screen.findByTestId('expert-form')
    expect((within(form).getByRole('combobox') as HTMLSelectElement).value).toBe('dual')
    fireEvent.change(within(form).getByLabelText(/Use-case/), {
      target: { value: 'Questions about tiny models' }
    })
    fireEvent.click(within(form).getByRole('button', { name: 'Add expert' }))
    expect((await screen.findByTestId('expert-added')).textContent).toMatch(/dual/)
    const text = JSON.parse(saved[0]!.text)
    expect(saved[0]!.name).toBe('dual')
    expect(text.architecture.at(-1)).toMatchObject({
      name: 'tiny-q4_k_m',
      layer: 1,
      'use-case': 'Questions about tiny models'
    })
  })
})
