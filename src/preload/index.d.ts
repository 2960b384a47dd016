export interface PreloadApi {
  request(route: string, input: unknown): Promise<unknown>
  on(listener: (event: string, payload: unknown) => void): () => void
}

declare global {
  interface Window {
    api?: PreloadApi
  }
}
