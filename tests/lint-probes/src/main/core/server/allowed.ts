// @ts-nocheck
// expect: clean
import type { EngineDeps } from '../engine/engine'
import { PipelineRegistry } from '../pipelines/registry'
import { AppError } from '../errors'

export type E = EngineDeps
export const all = [PipelineRegistry, AppError]
