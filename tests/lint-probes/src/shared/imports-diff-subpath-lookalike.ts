// @ts-nocheck
// expect: no-restricted-imports
// `diff` is allowed; a package whose name only starts with it is not.
import { diff } from 'diff-sequences'
export const d = diff
