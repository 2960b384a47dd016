/** @module The one-node pipeline first run creates for a downloaded or Ollama model. */

/** A ready composition: one answering node on `source`, run by `runner`. */
export function starterComposition(runner: 'llama-cpp' | 'ollama', source: string): string {
  const model =
    runner === 'llama-cpp'
      ? { runner, source, parameters: { n_ctx: 4096, n_gpu_layers: 'auto' } }
      : { runner, source }
  return `${JSON.stringify(
    {
      description: `Created by the welcome screen: one ${runner === 'ollama' ? 'Ollama' : 'local llama.cpp'} model answers every request.`,
      models: { assistant: model },
      architecture: [
        {
          name: 'assistant',
          layer: 0,
          model: 'assistant',
          adapter: 'openai-api',
          context: 'You are a helpful assistant running on this computer.',
          'output-to': ['output']
        },
        { name: 'output', adapter: 'output' }
      ]
    },
    null,
    2
  )}\n`
}
