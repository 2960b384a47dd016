// @ts-nocheck
// expect: clean
import { topologyOf } from '../../../shared/config/topology'
import { AppError } from '../errors'
import type { CancelSignal } from '../cancel'
import { createRedactor } from '../secrets/redact'
import type { ProviderResolver } from './ports'
import { runPipeline } from './engine'

export type P = ProviderResolver | CancelSignal
export const all = [topologyOf, AppError, createRedactor, runPipeline]
