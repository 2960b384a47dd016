import { CodedError } from '../../errors'

/** Errors of Ollama management. */
export type OllamaErrorCode =
  | 'not_installed'
  | 'unreachable'
  | 'start_failed'
  | 'not_connected'
  | 'invalid_modelfile'
  | 'request_failed'

/** An Ollama management failure; `code` says which kind. */
export class OllamaError extends CodedError<OllamaErrorCode> {
  override readonly name = 'OllamaError'
}
