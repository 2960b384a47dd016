// @ts-nocheck
// expect: clean
export const loadUndici = () => import('undici')
