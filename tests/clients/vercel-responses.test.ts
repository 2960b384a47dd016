/**
 * The Vercel AI SDK's `openai()` provider on the Responses API (its default model) against a
 * real runtime (port 0) over 1-0-1, router and multi-layer pipelines: `generateObject` (its
 * schema reaches the answering node as `response_format`) and the model's thinking as
 * `reasoningText`, whole and streamed (an upstream that sends `reasoning_content`).
 */
import { createOpenAI } from '@ai-sdk/openai'
import { generateObject, generateText, streamText } from 'ai'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defaultResponder } from '../support/fake-openai'
import { isRouterCall, type Served } from '../support/harness'
import { serveClients } from './serve-clients'
import { PIPELINES } from './compositions'

// Routers pick their first option; answering nodes think, then answer the schema they were
// sent (or plain text without one).
const suite = serveClients({
  responder: (req, i) => {
    if (isRouterCall(req)) return defaultResponder(req, i)
    const schema = req.body?.response_format?.json_schema?.schema
    if (schema?.properties?.colour) return { content: '{"colour":"blue"}' }
    return { reasoningContent: 'Thinking it over.', content: 'Blue.' }
  }
})
let served: Served

beforeAll(() => {
  ;({ served } = suite)
})

describe.each(PIPELINES)('the Vercel openai() provider on Responses, pipeline %s', (pipeline) => {
  const model = () => createOpenAI({ baseURL: `${served.url}/v1`, apiKey: 'x' })(pipeline)

  it('generateObject gets the object its schema asked for', async () => {
    const { object } = await generateObject({
      model: model(),
      schema: z.object({ colour: z.string() }),
      prompt: 'The sky?'
    })
    expect(object).toEqual({ colour: 'blue' })
  })

  it('generateText and streamText show the reasoning as reasoningText', async () => {
    const whole = await generateText({ model: model(), prompt: 'The sky?' })
    expect(whole.text).toBe('Blue.')
    expect(whole.reasoningText).toBe('Thinking it over.')
    const streamed = streamText({ model: model(), prompt: 'The sky?' })
    expect(await streamed.text).toBe('Blue.')
    expect(await streamed.reasoningText).toBe('Thinking it over.')
  })
})
