// @ts-nocheck
// expect: no-restricted-imports
import type { TraceRepository } from '../storage/trace-repository'
export type T = TraceRepository
