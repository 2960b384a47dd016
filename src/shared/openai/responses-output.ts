/**
 * @module The output side of the Responses API: the items of a response and its usage, as llmnet
 * writes them (`POST /v1/responses` answers and stored responses).
 */

export interface ResponseUsage {
  input_tokens: number
  input_tokens_details: { cached_tokens: number }
  output_tokens: number
  output_tokens_details: { reasoning_tokens: number }
  total_tokens: number
}

export type ResponseOutputItem =
  | {
      type: 'message'
      id: string
      status: 'in_progress' | 'completed' | 'incomplete'
      role: 'assistant'
      content: { type: 'output_text'; text: string; annotations: unknown[]; logprobs?: unknown[] }[]
    }
  | {
      type: 'reasoning'
      id: string
      status: 'in_progress' | 'completed' | 'incomplete'
      summary: { type: 'summary_text'; text: string }[]
      content: { type: 'reasoning_text'; text: string }[]
      encrypted_content: null
    }
  | {
      type: 'function_call'
      id: string
      call_id: string
      name: string
      namespace?: string
      arguments: string
      status: 'in_progress' | 'completed' | 'incomplete'
    }
  | {
      type: 'custom_tool_call'
      id: string
      call_id: string
      name: string
      namespace?: string
      input: string
      status: 'in_progress' | 'completed' | 'incomplete'
    }
