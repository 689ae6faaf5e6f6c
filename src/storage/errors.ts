/**
 * The errors a disk can raise. Each sets a stable `name`, because class identity is lost when an error
 * crosses postMessage (comlink sends only name, message and stack): callers should test `err.name`.
 */

/** What was read back breaks a checksum or a structural rule. `detail` says exactly what, e.g. "log entry 7: checksum mismatch". */
export class StorageCorruptError extends Error {
  /** The node (or "settings of <cluster>") whose storage is corrupt. */
  readonly node: string
  readonly detail: string
  constructor(node: string, detail: string) {
    super(`storage of ${node} is corrupt: ${detail}`)
    this.name = 'StorageCorruptError'
    this.node = node
    this.detail = detail
  }
}

/**
 * A write was refused before it reached the disk because it would leave the disk in a state `load` rejects
 * (a gap in the log, a commit index past the log, ...). It means the caller (the Raft core or its driver)
 * has a bug; nothing was written.
 */
export class StorageInvariantError extends Error {
  readonly node: string
  readonly detail: string
  constructor(node: string, detail: string) {
    super(`refusing to write to the storage of ${node}: ${detail}`)
    this.name = 'StorageInvariantError'
    this.node = node
    this.detail = detail
  }
}

/** The browser refused a write for lack of space (a QuotaExceededError). The transaction was aborted: nothing of it was stored. */
export class StorageQuotaError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StorageQuotaError'
  }
}

/** IndexedDB is missing, blocked by another connection, failed to open, or the connection was closed. */
export class StorageUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StorageUnavailableError'
  }
}

/** True when `e` is (or wraps) a QuotaExceededError DOMException. */
export function isQuotaError(e: unknown): boolean {
  return errorName(e) === 'QuotaExceededError'
}

/** The `name` of an error-like value, or '' if it has none. */
export function errorName(e: unknown): string {
  return typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string'
    ? (e as { name: string }).name
    : ''
}

/** A short human-readable description of any thrown value, for error messages. */
export function describeError(e: unknown): string {
  if (e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e)) {
    const name = errorName(e)
    const message = String((e as { message: unknown }).message)
    return name && !message.startsWith(name) ? `${name}: ${message}` : message
  }
  return String(e)
}
