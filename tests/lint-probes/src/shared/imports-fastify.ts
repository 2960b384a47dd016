// @ts-nocheck
// expect: no-restricted-imports
import Fastify from 'fastify'
export const app = Fastify()
