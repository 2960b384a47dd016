/**
 * @module POST /v1/completions: OpenAI's legacy completions, as editor autocomplete uses them
 * (Continue, with `suffix` for fill-in-the-middle). Sent to one model (`PIPELINE/MODEL`, or a
 * one-model pipeline), bypassing routing: external and Ollama models get it at their
 * `/completions`; llama.cpp workers build the FIM prompt from the GGUF's FIM tokens, and refuse
 * `suffix` with a 400 when the model has none (worker-endpoints.ts). Answers keep the upstream's
 * `text_completion` shape, with the client's `model`.
 */
import type { FastifyInstance } from 'fastify'
import { CompletionRequestSchema } from '../../../../shared/openai/completions'
import { AppError } from '../../errors'
import { parseBody } from './body'
import {
  answerHeaders,
  type EngineRouteDeps,
  endpointModel,
  RouteGate,
  sendJsonAnswer
} from './engine-route'
import { StreamWriter } from '../sse'

export function registerCompletions(app: FastifyInstance, deps: EngineRouteDeps): void {
  const gate = new RouteGate(deps)
  app.post('/v1/completions', async (req, reply) => {
    const body = parseBody(CompletionRequestSchema, req.body)
    const target = endpointModel(deps, body.model, 'completions')
    const route = [target.name]
    const upstream = {
      path: 'completions' as const,
      body: { ...body, model: target.upstreamModel }
    }
    await gate.run(req, reply.raw, async (run) => {
      if (body.stream !== true) {
        const answer = (await target.provider.endpoint(upstream, undefined, {
          signal: run.signal
        })) as Record<string, unknown> | undefined
        if (!answer || !Array.isArray(answer.choices)) {
          throw new AppError('upstream_error', `model ${target.name} answered without choices`)
        }
        sendJsonAnswer(reply, run.requestId, route, { ...answer, model: body.model })
        return
      }
      // Nothing is sent before the upstream's first event, so its failures keep their status.
      const res = reply.raw
      const writer = new StreamWriter(res)
      let started = false
      try {
        await target.provider.endpoint(
          upstream,
          (data) => {
            let event: Record<string, unknown>
            try {
              event = JSON.parse(data) as Record<string, unknown>
            } catch {
              throw new AppError(
                'upstream_error',
                `model ${target.name} sent an event that is not JSON`
              )
            }
            if (event.error) {
              const e = event.error as { message?: string }
              throw new AppError(
                'upstream_error',
                `model ${target.name} failed mid-stream: ${e.message ?? 'error'}`
              )
            }
            if (!started) {
              started = true
              reply.hijack()
              res.writeHead(
                200,
                answerHeaders(reply, run.requestId, route, 'text/event-stream; charset=utf-8')
              )
            }
            writer.write(`data: ${JSON.stringify({ ...event, model: body.model })}\n\n`)
            // A slow reader holds the upstream back instead of the answer piling up in memory.
            return writer.wait()
          },
          { signal: run.signal }
        )
      } catch (err) {
        if (!started) throw err
        writer.write(`data: ${JSON.stringify(AppError.from(err).toBody())}\n\n`)
      }
      if (!started) {
        reply.hijack()
        res.writeHead(
          200,
          answerHeaders(reply, run.requestId, route, 'text/event-stream; charset=utf-8')
        )
      }
      writer.end('data: [DONE]\n\n')
    })
  })
}
