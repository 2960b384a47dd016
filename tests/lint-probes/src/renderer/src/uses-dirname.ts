// @ts-nocheck
// expect: no-restricted-globals
export const here = __dirname
