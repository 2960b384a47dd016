// @ts-nocheck
// expect: no-restricted-imports
import { randomUUID } from 'crypto'
export const id = randomUUID
