/**
 * @module The pipeline-name rule, the one copy: a name is also the pipeline's model id, its
 * workspace folder's name and a URL segment, so it is plain and short.
 */

/** 1-64 letters, digits, `.`, `_` or `-`, starting with a letter or digit. */
export const PIPELINE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** The longest name allowed. */
export const PIPELINE_NAME_MAX = 64

/** The rule in words, for error messages. */
export const PIPELINE_NAME_RULE =
  'a pipeline name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit'

/** True when `name` follows the rule. */
export function isPipelineName(name: string): boolean {
  return PIPELINE_NAME_PATTERN.test(name)
}
