/** Every file under `dir` (default src/) → the files it imports (relative imports only). */
export function importGraph(dir?: string): Map<string, Set<string>>
/** The import circles of `graph`: each strongly connected component with more than one file, or a self-import. */
export function cycles(graph: Map<string, Set<string>>): string[][]
