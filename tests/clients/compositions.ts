/**
 * The compositions the client tests run against (the shapes of examples/): a 1-0-1 proxy, a
 * router with two experts, and a multi-layer pipeline (router → expert → reviewer), each
 * declaring an embedding model and an autocomplete model next to its chat models. Every model
 * is an external model at the fake upstream.
 */
import type { Json } from '../support/harness'
import { externalModel } from '../support/harness'

/** The models each composition declares; `embedder` and `coder` are addressed directly. */
function models(url: string): Json {
  return {
    chat: externalModel(url),
    small: externalModel(url),
    embedder: externalModel(url, { name: 'fake-embed' }),
    coder: externalModel(url, { name: 'fake-coder' })
  }
}

export function clientCompositions(url: string): Record<string, Json> {
  return {
    basic: {
      models: models(url),
      architecture: [
        {
          name: 'assistant',
          layer: 0,
          model: 'chat',
          adapter: 'openai-api',
          'output-to': ['output']
        },
        { name: 'output', adapter: 'output' }
      ]
    },
    router: {
      models: models(url),
      architecture: [
        { name: 'router', layer: 0, model: 'small', adapter: 'openai-api', 'output-to': [1] },
        {
          name: 'sales',
          layer: 1,
          model: 'chat',
          adapter: 'openai-api',
          'use-case': 'Pricing and products',
          'output-to': ['output']
        },
        {
          name: 'support',
          layer: 1,
          model: 'chat',
          adapter: 'openai-api',
          'use-case': 'Orders and shipping',
          'output-to': ['output']
        },
        { name: 'output', adapter: 'output' }
      ]
    },
    layered: {
      models: models(url),
      architecture: [
        { name: 'triage', layer: 0, model: 'small', adapter: 'openai-api', 'output-to': [1] },
        {
          name: 'writer',
          layer: 1,
          model: 'chat',
          adapter: 'openai-api',
          'use-case': 'Writes answers',
          'output-to': [2]
        },
        {
          name: 'coder-expert',
          layer: 1,
          model: 'chat',
          adapter: 'openai-api',
          'use-case': 'Writes code',
          'output-to': [2]
        },
        {
          name: 'reviewer',
          layer: 2,
          model: 'chat',
          adapter: 'openai-api',
          context: 'Review the previous answer.',
          'output-to': ['output']
        },
        { name: 'output', adapter: 'output' }
      ]
    }
  }
}

/** The pipelines every chat-style client test runs on. */
export const PIPELINES = ['basic', 'router', 'layered'] as const

/**
 * The node that gives each pipeline's final answer: the fake answers "<model> says: …", and a
 * model without a `name` is sent as its node's name.
 */
export const ANSWERER: Record<(typeof PIPELINES)[number], string> = {
  basic: 'assistant',
  router: 'sales',
  layered: 'reviewer'
}
