// @ts-nocheck
// expect: clean
import { structuredPatch } from 'diff'
import { parse } from 'jsonc-parser'
import YAML from 'yaml'
import { z } from 'zod'
import { formatPath } from './config/diagnostics'

export const Name = z.string()
export const both = (t: string) => [parse(t), YAML.parse(t), formatPath([])]
export const patch = (a: string, b: string) => structuredPatch('a', 'b', a, b)
