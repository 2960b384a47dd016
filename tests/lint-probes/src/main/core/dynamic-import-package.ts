// @ts-nocheck
// expect: no-restricted-syntax
export const loadWs = () => import('ws')
