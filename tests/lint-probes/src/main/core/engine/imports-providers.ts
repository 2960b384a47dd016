// @ts-nocheck
// expect: no-restricted-imports
import { DefaultProviderResolver } from '../providers/resolver'
export const r = DefaultProviderResolver
