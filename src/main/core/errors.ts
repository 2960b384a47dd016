import {
  ERROR_CODES,
  errorBody,
  type ErrorCode,
  type OpenAIErrorBody
} from '../../shared/openai/error'

/**
 * A subsystem's failure with a `code` saying which kind (a download, Ollama, the model library);
 * each subsystem names its own subclass and codes.
 */
export class CodedError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options: { cause?: unknown } = {}
  ) {
    super(message, { cause: options.cause })
  }
}

/** An error with a stable code that maps to an HTTP status and OpenAI error type. */
export class AppError extends Error {
  override readonly name = 'AppError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: {
      param?: string | null
      cause?: unknown
      retryAfterMs?: number
      /** What an upstream's refusal said (status, code, type), kept on the wire as it was. */
      upstream?: { status: number; code: string; type: string }
    } = {}
  ) {
    super(message, { cause: options.cause })
  }

  get status(): number {
    return this.options.upstream?.status ?? ERROR_CODES[this.code].status
  }

  toBody(): OpenAIErrorBody {
    const body = errorBody(this.code, this.message, this.options.param ?? null)
    const up = this.options.upstream
    if (up) body.error = { ...body.error, code: up.code, type: up.type }
    return body
  }

  /** Normalises anything thrown; unknown errors become `internal_error` without leaking stacks. */
  static from(err: unknown): AppError {
    if (err instanceof AppError) return err
    if (isAbortError(err))
      return new AppError('upstream_error', 'the request was cancelled', { cause: err })
    const message = err instanceof Error ? err.message : String(err)
    return new AppError('internal_error', `internal error: ${message}`, { cause: err })
  }
}

/** An AppError that also carries structured details (e.g. a pipeline's diagnostics). */
export class ControlFailure extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown>
  ) {
    super(code, message)
  }
}

/** The `code` of an error, or of its `cause` (fetch and undici wrap socket errors). */
export function errorCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } }
  return e?.code ?? e?.cause?.code
}

export function isAbortError(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR')
  )
}
