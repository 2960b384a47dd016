/**
 * @module How secret values are encrypted at rest. The headless {@link AesGcmEncryptor} uses a
 * 32-byte key (see `secret-key.ts`); the desktop app passes Electron's `safeStorage` in through
 * {@link safeStorageEncryptor}, so this module never imports Electron.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { StorageError } from './errors'

/** Encrypts and decrypts secret values; `kind` is stored beside each value. */
export interface Encryptor {
  /** Stored with each value, so a value is never handed to the wrong decryptor. */
  readonly kind: string
  /** Why this encryption is weaker than it looks (shown to the user), if it is. */
  readonly warning?: string
  encrypt(plain: string): Buffer
  /** Throws `SECRET_DECRYPT_FAILED` when the blob was not made with this key. */
  decrypt(blob: Buffer): string
}

/** Blob layout version 1: [1][12-byte IV][16-byte auth tag][ciphertext]. */
const BLOB_V1 = 1
const IV_BYTES = 12
const TAG_BYTES = 16

/** AES-256-GCM with a random IV per value and an authentication tag. */
export class AesGcmEncryptor implements Encryptor {
  readonly kind = 'aes-256-gcm'

  /**
   * @param key 32 bytes.
   * @param keySource where the key came from, for error messages (never the key itself).
   */
  constructor(
    private readonly key: Buffer,
    private readonly keySource = 'the secret key'
  ) {
    if (key.length !== 32) {
      throw new StorageError(
        'SECRET_KEY_INVALID',
        `${keySource} must be 32 bytes, not ${key.length}`
      )
    }
  }

  encrypt(plain: string): Buffer {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return Buffer.concat([Buffer.from([BLOB_V1]), iv, cipher.getAuthTag(), body])
  }

  decrypt(blob: Buffer): string {
    if (blob.length < 1 + IV_BYTES + TAG_BYTES || blob[0] !== BLOB_V1) {
      throw new StorageError(
        'SECRET_DECRYPT_FAILED',
        `the stored value is not an AES-256-GCM blob this llmnet knows (version ${blob[0]})`
      )
    }
    const iv = blob.subarray(1, 1 + IV_BYTES)
    const tag = blob.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES)
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv)
      decipher.setAuthTag(tag)
      const body = blob.subarray(1 + IV_BYTES + TAG_BYTES)
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
    } catch (err) {
      throw new StorageError(
        'SECRET_DECRYPT_FAILED',
        `the stored value does not decrypt with ${this.keySource}: it was encrypted with ` +
          'another key (or altered)',
        { cause: err }
      )
    }
  }
}

/** The part of Electron's `safeStorage` the store uses (pass `safeStorage` itself). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean
  encryptString(plain: string): Buffer
  decryptString(blob: Buffer): string
  /** Linux only: `basic_text` means values are only obfuscated with a hard-coded password. */
  getSelectedStorageBackend?(): string
}

/**
 * An {@link Encryptor} over Electron's `safeStorage` (OS keychain / DPAPI / libsecret). Call it
 * after the app is ready. Throws if the OS offers no encryption; sets `warning` on Linux's
 * `basic_text` fallback.
 */
export function safeStorageEncryptor(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform = process.platform
): Encryptor {
  if (!safeStorage.isEncryptionAvailable()) {
    throw new StorageError(
      'SECRET_KEY_INVALID',
      'the operating system offers no encryption to safeStorage; use the headless key ' +
        '(LLMNET_SECRET_KEY or LLMNET_SECRET_KEY_FILE) instead'
    )
  }
  const backend = platform === 'linux' ? safeStorage.getSelectedStorageBackend?.() : undefined
  const warning =
    backend === 'basic_text'
      ? 'no keyring was found (safeStorage backend basic_text): stored secrets are obfuscated ' +
        'with a fixed password, not encrypted. Install and unlock a Secret Service keyring ' +
        '(GNOME Keyring, KWallet) to protect them.'
      : undefined
  return {
    kind: 'electron-safe-storage',
    warning,
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (blob) => {
      try {
        return safeStorage.decryptString(blob)
      } catch (err) {
        throw new StorageError(
          'SECRET_DECRYPT_FAILED',
          'the stored value does not decrypt with this user’s keychain entry',
          { cause: err }
        )
      }
    }
  }
}
