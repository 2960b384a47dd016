/** @module What every domain's handlers are built from. */
import type { Handler } from '../../../shared/contract/handlers'
import type { RouteName } from '../../../shared/contract/routes'

/** The handlers of the routes whose names start with `D.`. */
export type DomainHandlers<D extends string> = {
  [R in RouteName as R extends `${D}.${string}` ? R : never]: Handler<R>
}
