/** What Ollama's native API gets from the fields Codex sends on every request. */
import { describe, expect, it } from 'vitest'
import { ollamaChatRequest } from './wire'

describe('ollamaChatRequest', () => {
  it('leaves out the fields that only describe a request (Codex: client_metadata, prompt_cache_key)', () => {
    const req = ollamaChatRequest(
      {
        model: 'qwen3:0.6b',
        messages: [{ role: 'user', content: 'hi' }],
        params: {
          client_metadata: { session_id: 's' },
          prompt_cache_key: 'k',
          parallel_tool_calls: true
        }
      },
      undefined
    )
    expect(req).not.toHaveProperty('client_metadata')
    expect(req.messages).toEqual([{ role: 'user', content: 'hi' }])
  })

  it('still refuses a field it has no equivalent for, by name', () => {
    expect(() =>
      ollamaChatRequest(
        { model: 'm', messages: [{ role: 'user', content: 'hi' }], params: { frobnicate: 1 } },
        undefined
      )
    ).toThrow(/"frobnicate"/)
  })
})
