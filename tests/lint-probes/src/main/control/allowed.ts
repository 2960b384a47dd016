// @ts-nocheck
// expect: clean
import { AppError } from '../core/errors'
import { killTree } from '../core/functions/shell'
import type { Runtime } from '../runtime'

export type R = Runtime
export const all = [AppError, killTree]
