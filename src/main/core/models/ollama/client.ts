/**
 * @module The `ollama` npm client, imported on first use: a pipeline without Ollama nodes (and
 * `llmnet` start-up) does not pay for loading it (see lazy.ts).
 */
import type { Ollama } from 'ollama'
import { loadOllama } from '../../lazy'

let loading: Promise<typeof Ollama> | undefined

/** The client class of the `ollama` package, loaded once. */
export function loadOllamaClient(): Promise<typeof Ollama> {
  loading ??= loadOllama().then((mod) => mod.Ollama)
  return loading
}
