/**
 * A fake-upstream responder for tool round trips: a request that offers tools and carries no tool
 * result yet gets a `get_weather` call; one with the result gets an answer quoting it. Everything
 * else falls to the default responder (routers pick their first option).
 */
import { defaultResponder, type Responder } from '../support/fake-openai'

export const WEATHER_CALL = {
  index: 0,
  id: 'call_weather_1',
  type: 'function',
  function: { name: 'get_weather', arguments: '{"city":"Paris"}' }
}

export const toolResponder: Responder = (req, i) => {
  const body = req.body ?? {}
  const messages = (body.messages ?? []) as { role: string; content: unknown }[]
  const result = messages.find((m) => m.role === 'tool')
  if (result) return { content: `The weather: ${String(result.content)}` }
  if (Array.isArray(body.tools) && body.tools.length > 0) return { toolCalls: [WEATHER_CALL] }
  return defaultResponder(req, i)
}
