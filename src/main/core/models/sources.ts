/**
 * @module Model source URLs: Hugging Face's `hf://` shorthand and the local file name a URL is
 * stored under.
 */

/**
 * `hf://org/repo/path/file.gguf` (or `huggingface://…`) →
 * `https://huggingface.co/org/repo/resolve/main/path/file.gguf`. Other strings are returned as is.
 */
export function hfToHttps(source: string): string {
  const m = /^(?:hf|huggingface):\/\/([^/]+)\/([^/]+)\/(.+)$/i.exec(source.trim())
  if (!m) return source
  const [, org, repo, file] = m as unknown as [string, string, string, string]
  return `https://huggingface.co/${org}/${repo}/resolve/main/${file}`
}

/**
 * The file name a URL's content is stored under: the last path segment, decoded, with characters
 * that are unsafe in file names replaced. Undefined when the URL is invalid or ends in no name.
 */
export function fileNameFromUrl(url: string): string | undefined {
  let last: string
  try {
    last = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '')
  } catch {
    return undefined
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const safe = last.replace(/[/\\:*?"<>|\u0000-\u001f]/g, '_').replace(/^\.+/, '')
  return safe || undefined
}
