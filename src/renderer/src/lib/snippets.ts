/**
 * @module Ready-to-copy client snippets built from the live endpoint: the model a client names is
 * the pipeline's name, and `/v1` is OpenAI's API, so every OpenAI client works unchanged.
 */

export interface SnippetInput {
  /** The server's URL, e.g. `http://127.0.0.1:8080` (no `/v1`). */
  url: string
  /** The pipeline a client names as its model. */
  model: string
  /** An API key or app token; a placeholder is shown when none. */
  apiKey?: string | null
}

export interface Snippet {
  id: 'curl' | 'python' | 'node' | 'open-webui' | 'continue' | 'docker'
  title: string
  language: 'shell' | 'python' | 'javascript' | 'yaml' | 'text'
  code: string
}

/** The URL a container reaches the host's loopback server at (Docker Desktop's host name). */
export function dockerUrl(url: string): string {
  try {
    const u = new URL(url)
    if (['127.0.0.1', 'localhost', '0.0.0.0', '[::1]'].includes(u.hostname))
      u.hostname = 'host.docker.internal'
    return u.toString().replace(/\/$/, '')
  } catch {
    return url
  }
}

/** Every snippet for this endpoint. */
export function buildSnippets(input: SnippetInput): Snippet[] {
  const base = input.url.replace(/\/+$/, '')
  const v1 = `${base}/v1`
  const key = input.apiKey || 'none'
  const model = input.model
  const auth = input.apiKey ? ` \\\n  -H 'Authorization: Bearer ${input.apiKey}'` : ''
  const docker = dockerUrl(base)
  return [
    {
      id: 'curl',
      title: 'curl',
      language: 'shell',
      code: `curl ${v1}/chat/completions \\\n  -H 'Content-Type: application/json'${auth} \\\n  -d '${JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello!' }] })}'`
    },
    {
      id: 'python',
      title: 'Python (openai)',
      language: 'python',
      code: `from openai import OpenAI\n\nclient = OpenAI(base_url="${v1}", api_key="${key}")\nreply = client.chat.completions.create(\n    model="${model}",\n    messages=[{"role": "user", "content": "Hello!"}],\n)\nprint(reply.choices[0].message.content)`
    },
    {
      id: 'node',
      title: 'Node (openai)',
      language: 'javascript',
      code: `import OpenAI from 'openai'\n\nconst client = new OpenAI({ baseURL: '${v1}', apiKey: '${key}' })\nconst reply = await client.chat.completions.create({\n  model: '${model}',\n  messages: [{ role: 'user', content: 'Hello!' }]\n})\nconsole.log(reply.choices[0].message.content)`
    },
    {
      id: 'open-webui',
      title: 'Open WebUI',
      language: 'text',
      code: `Settings → Connections → OpenAI API → Add connection\n  URL:     ${docker}/v1   (Open WebUI in Docker; ${v1} when it runs on this machine)\n  API key: ${key}\nThen pick the model "${model}".`
    },
    {
      id: 'continue',
      title: 'Continue (config.yaml)',
      language: 'yaml',
      code: `models:\n  - name: llmnet ${model}\n    provider: openai\n    model: ${model}\n    apiBase: ${v1}\n    apiKey: ${key}\n    roles: [chat, edit]`
    },
    {
      id: 'docker',
      title: 'Docker (host.docker.internal)',
      language: 'shell',
      code: `docker run --rm --add-host=host.docker.internal:host-gateway curlimages/curl \\\n  -s ${docker}/v1/chat/completions \\\n  -H 'Content-Type: application/json'${auth} \\\n  -d '${JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello!' }] })}'\n# The server must listen beyond loopback for containers on Linux: set Host to 0.0.0.0 and an API key.`
    }
  ]
}
