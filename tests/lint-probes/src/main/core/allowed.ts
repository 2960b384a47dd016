// @ts-nocheck
// expect: clean
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { killTree } from './functions/shell'
import { AppError } from './errors'

export const all = [readFile, z, killTree, AppError]
