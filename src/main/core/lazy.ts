/**
 * @module The lazy loader: the one module in core allowed a dynamic `import()` (lint rejects it
 * anywhere else in src/main/core). Each function loads one package the first time it is called;
 * `llmnet` start-up and a server answering `/health` pay for none of them. Callers keep their own
 * memo when they want the loaded value synchronously afterwards (http-transport.ts does).
 *
 * - `undici`: the upstream HTTP pools (providers/http-transport.ts);
 * - `ollama`: the Ollama client (models/ollama/client.ts);
 * - `@grpc/grpc-js`, `@grpc/proto-loader`, `grpc-reflection-js`: gRPC functions (functions/grpc.ts);
 * - `ws`: WebSocket functions and outputs (functions/websocket.ts);
 * - `node-llama-cpp`: GGUF insights for the fit of a model before download (models/fit.ts).
 */

import type * as grpc from '@grpc/grpc-js'
import type * as llamaCpp from 'node-llama-cpp'
import type * as protoLoader from '@grpc/proto-loader'
import type * as grpcReflection from 'grpc-reflection-js'
import type * as ollama from 'ollama'
import type * as undici from 'undici'
import type * as ws from 'ws'

export const loadUndici = (): Promise<typeof undici> => import('undici')

export const loadOllama = (): Promise<typeof ollama> => import('ollama')

export const loadGrpc = (): Promise<[typeof grpc, typeof protoLoader, typeof grpcReflection]> =>
  Promise.all([import('@grpc/grpc-js'), import('@grpc/proto-loader'), import('grpc-reflection-js')])

export const loadWs = (): Promise<typeof ws> => import('ws')

export const loadLlamaCpp = (): Promise<typeof llamaCpp> => import('node-llama-cpp')
