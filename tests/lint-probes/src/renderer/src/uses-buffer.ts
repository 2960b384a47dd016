// @ts-nocheck
// expect: no-restricted-globals
export const bytes = (s: string) => Buffer.from(s)
