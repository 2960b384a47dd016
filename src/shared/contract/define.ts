/**
 * @module The helpers every domain file uses to declare its routes: a route is a pair of zod
 * schemas, and a domain's routes are all named `domain.action`. No run-time state.
 */
import { z } from 'zod'
import { PIPELINE_NAME_PATTERN, PIPELINE_NAME_RULE } from '../pipeline-name'

/** One route: the schema its input is parsed with in main, and the schema of its result. */
export interface RouteDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I
  readonly output: O
}

/** Declares a route from its input and output schemas. */
export function route<I extends z.ZodType, O extends z.ZodType>(
  input: I,
  output: O
): RouteDef<I, O> {
  return { input, output }
}

type DomainRoutes<D extends string, T> = {
  [K in keyof T]: K extends `${D}.${string}` ? RouteDef : never
}

/**
 * Declares a domain's routes; a key outside `domain.` fails to compile (and `contract.test.ts`
 * checks the snake_case spelling).
 */
export function defineRoutes<D extends string, const T extends DomainRoutes<D, T>>(
  _domain: D,
  routes: T
): T {
  return routes
}

/** The input of a route that takes none: `{}`, or nothing at all. */
export const NoInput = z.strictObject({}).default({})

/** A pipeline's name: also its workspace folder's name, so no path separators. */
export const PipelineNameSchema = z.string().regex(PIPELINE_NAME_PATTERN, PIPELINE_NAME_RULE)
