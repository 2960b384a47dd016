// @ts-nocheck
// expect: no-restricted-globals
export const mode = process.env.NODE_ENV
