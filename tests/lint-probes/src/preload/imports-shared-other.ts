// @ts-nocheck
// expect: no-restricted-imports
import { validateText } from '../shared/config/validate'
export const v = validateText
