/** Builds the renderer into `outDir` (default out/renderer). */
export function buildRenderer(outDir?: string): Promise<void>
