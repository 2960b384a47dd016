// @ts-nocheck
// expect: no-restricted-syntax
export const load = () => import('zod')
