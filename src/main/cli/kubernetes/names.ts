/**
 * @module Names and labels of the Kubernetes objects llmnet renders: every object of a pipeline
 * carries `llmnet.dev/pipeline`, so the verbs find (and delete) them by label.
 */

/** A Kubernetes object as sent to the API server (a plain JSON document). */
export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: {
    name: string
    namespace?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
  }
  [field: string]: unknown
}

export const PIPELINE_LABEL = 'llmnet.dev/pipeline'
export const MODEL_LABEL = 'llmnet.dev/model'
export const COMPONENT_LABEL = 'app.kubernetes.io/component'
export const MANAGED_BY = 'app.kubernetes.io/managed-by'
/** The field manager of server-side apply. */
export const FIELD_MANAGER = 'llmnet'

/** A DNS-1123 label: what Deployment, Service and ConfigMap names must be. */
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/

/** Why `name` cannot name a pipeline's objects, or undefined when it can. */
export function pipelineNameProblem(name: string): string | undefined {
  if (!DNS_LABEL.test(name) || name.length > 40)
    return `"${name}" cannot name Kubernetes objects: use lowercase letters, digits and "-", starting with a letter, at most 40 characters (give --name)`
  return undefined
}

/** `llmnet-<pipeline>`: the pipeline's Deployment, Service, HPA and ConfigMap. */
export function appName(pipeline: string): string {
  return `llmnet-${pipeline}`
}

/** The Secret the pipeline's `$secrets`/`$ENV` values come from. */
export function secretName(pipeline: string): string {
  return `llmnet-${pipeline}-secrets`
}

/** `llmnet-<pipeline>-<model key>`, made a DNS label of at most 63 characters. */
export function modelServerName(pipeline: string, modelKey: string): string {
  const key = modelKey
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return `llmnet-${pipeline}-${key || 'model'}`.slice(0, 63).replace(/-+$/, '')
}

/** The labels of every object of a pipeline; `component` tells the server from model servers. */
export function labels(
  pipeline: string,
  component: 'pipeline' | 'model-server',
  model?: string
): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'llmnet',
    'app.kubernetes.io/instance': pipeline,
    [COMPONENT_LABEL]: component,
    [MANAGED_BY]: 'llmnet',
    [PIPELINE_LABEL]: pipeline,
    ...(model ? { [MODEL_LABEL]: model } : {})
  }
}

/** The label selector of a pipeline's objects (both components). */
export function pipelineSelector(pipeline: string): string {
  return `${PIPELINE_LABEL}=${pipeline},${MANAGED_BY}=llmnet`
}
