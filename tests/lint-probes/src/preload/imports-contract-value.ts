// @ts-nocheck
// expect: no-restricted-imports
import { ROUTES } from '../shared/contract/routes'
export const r = ROUTES
