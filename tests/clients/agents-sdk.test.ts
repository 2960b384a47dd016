/**
 * The OpenAI Agents SDK (`@openai/agents`) against a real runtime (port 0), on the Responses API
 * and on chat completions, over 1-0-1, router and multi-layer pipelines: an agent with a
 * function tool and a structured `outputType` runs the tool once and returns the parsed object.
 * Its `outputType` becomes `text.format` (Responses) or `response_format` (chat); the fake
 * upstream answers the schema it received, so the object only parses if the format arrived.
 */
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents'
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defaultResponder, type FakeUpstream, type Responder } from '../support/fake-openai'
import { isRouterCall, openaiClient, type Served } from '../support/harness'
import { serveClients } from './serve-clients'
import { PIPELINES } from './compositions'

setTracingDisabled(true)

const Weather = z.object({ city: z.string(), report: z.string() })

/**
 * Routers pick their first option. An answering node offered tools and no result yet calls
 * get_weather; with the result, and asked for the `Weather` schema as response_format, it
 * answers that object. Without the schema it answers plain text (which would not parse).
 */
const agentResponder: Responder = (req, i) => {
  if (isRouterCall(req)) return defaultResponder(req, i)
  const body = req.body ?? {}
  const messages = (body.messages ?? []) as { role: string; content: unknown }[]
  const result = messages.find((m) => m.role === 'tool')
  if (!result && Array.isArray(body.tools) && body.tools.length > 0)
    return {
      toolCalls: [
        {
          index: 0,
          id: 'call_weather_1',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Paris"}' }
        }
      ]
    }
  const schema = body.response_format?.json_schema?.schema
  if (schema?.properties?.report)
    return { content: JSON.stringify({ city: 'Paris', report: String(result?.content) }) }
  return { content: 'no schema was sent' }
}

const suite = serveClients({ responder: agentResponder })
let up: FakeUpstream
let served: Served

beforeAll(() => {
  ;({ up, served } = suite)
})

const getWeather = tool({
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: z.object({ city: z.string() }),
  execute: ({ city }) => `sunny in ${city}`
})

describe.each([
  ['Responses', true],
  ['chat completions', false]
] as const)('the Agents SDK on %s', (api, useResponses) => {
  it.each(PIPELINES)('outputType and a tool round trip on pipeline %s', async (pipeline) => {
    const runner = new Runner({
      modelProvider: new OpenAIProvider({
        openAIClient: openaiClient(served.url),
        useResponses
      }),
      tracingDisabled: true
    })
    const agent = new Agent({
      name: 'weather',
      instructions: 'Report the weather.',
      model: pipeline,
      tools: [getWeather],
      outputType: Weather
    })
    const result = await runner.run(agent, 'Weather in Paris?')
    expect(result.finalOutput).toEqual({ city: 'Paris', report: 'sunny in Paris' })
    const paths = new Set(up.requests.map((r) => r.path))
    expect(paths).toEqual(new Set(['/v1/chat/completions']))
    const last = up.requests.filter((r) => !isRouterCall(r)).at(-1)
    expect(last?.body.response_format?.type, api).toBe('json_schema')
  })
})
