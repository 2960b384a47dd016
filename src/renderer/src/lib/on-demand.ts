/**
 * @module A module fetched the first time it is needed (its own chunk, off the first page), then
 * usable synchronously: the composition reader and the evaluation-case parser, which bring the
 * YAML and JSONC parsers with them.
 */

export interface OnDemandModule<M> {
  /** The module once it has loaded; undefined before. */
  get(): M | undefined
  /** Loads it (once; later calls share the first load). */
  load(): Promise<M>
}

export function onDemandModule<M>(load: () => Promise<M>): OnDemandModule<M> {
  let mod: M | undefined
  let loading: Promise<M> | undefined
  return {
    get: () => mod,
    load: () => (loading ??= load().then((m) => (mod = m)))
  }
}
