/**
 * @module The storage layer's one error type. Every message names the file (or folder) involved
 * and never contains a secret value.
 */
import { CodedError } from '../errors'

/** What went wrong in the store; stable, for callers that branch on it. */
export type StorageErrorCode =
  /** The file is not a SQLite database or fails its integrity check. */
  | 'DB_CORRUPT'
  /** The database was created by a newer llmnet (a higher schema version). */
  | 'DB_NEWER_SCHEMA'
  /** An applied migration's text changed since it ran (its sha256 differs). */
  | 'MIGRATION_EDITED'
  /** A pipeline name (or other unique name) is already taken. */
  | 'NAME_TAKEN'
  /** A name or value does not meet its rule (a pipeline name, a format). */
  | 'INVALID_INPUT'
  /** The named pipeline, version or record does not exist. */
  | 'NOT_FOUND'
  /** A save based on an older version than the current one. */
  | 'VERSION_CONFLICT'
  /** A setting's stored or given value fails its schema. */
  | 'SETTING_INVALID'
  /** Another process owns the data folder. */
  | 'DATA_DIR_LOCKED'
  /** The secret key is malformed (wrong length or encoding). */
  | 'SECRET_KEY_INVALID'
  /** The key file can be read by group or others. */
  | 'SECRET_KEY_INSECURE'
  /** A data folder or file is open to group or others and cannot be made private. */
  | 'DATA_DIR_INSECURE'
  /** A secret cannot be decrypted (another key, another encryptor, or a damaged value). */
  | 'SECRET_DECRYPT_FAILED'

/** A storage failure: `code` says which kind, `file` which file or folder. */
export class StorageError extends CodedError<StorageErrorCode> {
  override readonly name = 'StorageError'
  constructor(
    code: StorageErrorCode,
    message: string,
    readonly details: { file?: string; backup?: string; cause?: unknown } = {}
  ) {
    super(code, message, { cause: details.cause })
  }
}
