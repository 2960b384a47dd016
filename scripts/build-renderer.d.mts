/** Builds the renderer into `outDir` (default out/renderer). */
export function buildRenderer(outDir?: string): Promise<void>

/** Whether `outDir` holds a build newer than the renderer's and the shared code's sources. */
export function rendererIsFresh(outDir?: string): boolean
