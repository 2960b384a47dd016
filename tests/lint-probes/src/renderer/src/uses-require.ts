// @ts-nocheck
// expect: no-restricted-globals
export const load = (name: string): unknown => require.resolve(name)
