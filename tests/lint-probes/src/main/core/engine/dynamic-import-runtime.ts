// @ts-nocheck
// expect: no-restricted-syntax
export const load = async () => (await import('../../runtime')).createRuntime
