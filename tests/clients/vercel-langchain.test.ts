/**
 * The Vercel AI SDK (`generateText`, `streamText`, `embed` through `createOpenAI({ baseURL })`;
 * its default model speaks the Responses API, `.chat()` chat completions) and LangChain's
 * `ChatOpenAI` (invoke and stream) against a real runtime (port 0) with a fake upstream, over
 * 1-0-1, router and multi-layer pipelines.
 */
import { createOpenAI } from '@ai-sdk/openai'
import { ChatOpenAI } from '@langchain/openai'
import { embed, generateText, streamText } from 'ai'
import { beforeAll, describe, expect, it } from 'vitest'
import { fakeEmbedding } from '../support/fake-openai'
import { type Served } from '../support/harness'
import { ANSWERER, PIPELINES } from './compositions'
import { toolResponder } from './tool-responder'
import { serveClients } from './serve-clients'

const suite = serveClients({ responder: toolResponder })
let served: Served

beforeAll(() => {
  ;({ served } = suite)
})

describe.each(PIPELINES)('the Vercel AI SDK on pipeline %s', (pipeline) => {
  const says = `${ANSWERER[pipeline]} says:`
  const provider = (): ReturnType<typeof createOpenAI> =>
    createOpenAI({ baseURL: `${served.url}/v1`, apiKey: 'x' })

  it('generateText over the Responses API (the default model)', async () => {
    const { text, usage } = await generateText({ model: provider()(pipeline), prompt: 'hi vercel' })
    expect(text).toBe(`${says} hi vercel`)
    expect(usage.totalTokens).toBeGreaterThan(0)
  })

  it('generateText over chat completions', async () => {
    const { text } = await generateText({
      model: provider().chat(pipeline),
      system: 'Be kind.',
      prompt: 'hi chat'
    })
    expect(text).toBe(`${says} hi chat`)
  })

  it('streamText over both APIs', async () => {
    for (const model of [provider()(pipeline), provider().chat(pipeline)]) {
      const result = streamText({ model, prompt: 'stream vercel' })
      let text = ''
      for await (const part of result.textStream) text += part
      expect(text).toBe(`${says} stream vercel`)
    }
  })
})

describe('the Vercel AI SDK: embed', () => {
  it('embed on a directly addressed embedding model', async () => {
    const openai = createOpenAI({ baseURL: `${served.url}/v1`, apiKey: 'x' })
    const { embedding } = await embed({
      model: openai.textEmbeddingModel('router/embedder'),
      value: 'vector me'
    })
    expect(embedding).toEqual(fakeEmbedding('vector me'))
  })
})

describe.each(PIPELINES)('LangChain ChatOpenAI on pipeline %s', (pipeline) => {
  const says = `${ANSWERER[pipeline]} says:`
  const chat = (): ChatOpenAI =>
    new ChatOpenAI({
      model: pipeline,
      apiKey: 'x',
      maxRetries: 0,
      configuration: { baseURL: `${served.url}/v1` }
    })

  it('invoke', async () => {
    const res = await chat().invoke([
      ['system', 'Be brief.'],
      ['human', 'hi langchain']
    ])
    expect(res.content).toBe(`${says} hi langchain`)
  })

  it('stream', async () => {
    let text = ''
    for await (const chunk of await chat().stream('stream langchain')) text += String(chunk.content)
    expect(text).toBe(`${says} stream langchain`)
  })
})
