/**
 * @module POST /v1/embeddings: sent to one model (`PIPELINE/MODEL`, or a one-model pipeline),
 * bypassing routing. External models get the request at their `/embeddings`; llama.cpp models
 * are embedded in their worker (worker-endpoints.ts); Ollama models through its embed API.
 * The upstream is always asked for floats; `encoding_format: "base64"` is encoded here
 * (little-endian float32, what the OpenAI SDKs decode).
 */
import type { FastifyInstance } from 'fastify'
import {
  type EmbeddingsResponse,
  EmbeddingsRequestSchema
} from '../../../../shared/openai/embeddings'
import { AppError } from '../../errors'
import { parseBody } from './body'
import { type EngineRouteDeps, endpointModel, RouteGate, sendJsonAnswer } from './engine-route'

function base64Floats(values: number[]): string {
  const buf = Buffer.alloc(values.length * 4)
  values.forEach((v, i) => buf.writeFloatLE(v, i * 4))
  return buf.toString('base64')
}

export function registerEmbeddings(app: FastifyInstance, deps: EngineRouteDeps): void {
  const gate = new RouteGate(deps)
  app.post('/v1/embeddings', async (req, reply) => {
    const body = parseBody(EmbeddingsRequestSchema, req.body)
    const target = endpointModel(deps, body.model, 'embeddings')
    await gate.run(req, reply.raw, async (run) => {
      const answer = (await target.provider.endpoint(
        {
          path: 'embeddings',
          body: { ...body, model: target.upstreamModel, encoding_format: 'float' }
        },
        undefined,
        { signal: run.signal }
      )) as Partial<EmbeddingsResponse> | undefined
      const data = answer?.data
      if (!Array.isArray(data)) {
        throw new AppError(
          'upstream_error',
          `model ${target.name} answered embeddings without data`
        )
      }
      const base64 = body.encoding_format === 'base64'
      const out: EmbeddingsResponse = {
        object: 'list',
        data: data.map((d, i) => {
          const vector = d.embedding
          return {
            object: 'embedding',
            index: typeof d.index === 'number' ? d.index : i,
            embedding: base64 && Array.isArray(vector) ? base64Floats(vector) : vector
          }
        }),
        model: body.model,
        usage: answer?.usage ?? { prompt_tokens: 0, total_tokens: 0 }
      }
      sendJsonAnswer(reply, run.requestId, [target.name], out)
    })
  })
}
