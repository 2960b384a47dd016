// @ts-nocheck
// expect: no-restricted-imports
import { AppError } from '../../main/core/errors'
export const E = AppError
