/**
 * Opening and deleting databases on a chosen IDBFactory, with clear errors. idb's `openDB` always uses the
 * global `indexedDB`; we open on the factory ourselves and hand the request to idb's `wrap`, so tests can
 * give every case a fresh fake factory. (idb recognises requests through the global IDB* classes: under
 * Node, load `fake-indexeddb/auto` first.)
 */
import { wrap } from 'idb'
import type { IDBPDatabase, IDBPTransaction, StoreNames } from 'idb'
import {
  StorageCorruptError,
  StorageInvariantError,
  StorageQuotaError,
  StorageUnavailableError,
  describeError,
  errorName,
  isQuotaError,
} from './errors.ts'
import type { StorageOptions } from './types.ts'

/** Default for StorageOptions.timeoutMs. */
export const DEFAULT_TIMEOUT_MS = 10_000

/** The factory to use, or StorageUnavailableError if this environment has no IndexedDB. */
export function getFactory(opts?: StorageOptions): IDBFactory {
  const factory = opts?.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
  if (!factory) {
    throw new StorageUnavailableError('IndexedDB is not available here (it can be missing in some private-browsing modes); use volatile storage instead')
  }
  return factory
}

/** Called inside the versionchange transaction; may return a promise that awaits only that transaction's requests. */
export type Upgrade<S> = (db: IDBPDatabase<S>, oldVersion: number, tx: IDBPTransaction<S, StoreNames<S>[], 'versionchange'>) => Promise<void> | undefined

/**
 * Open `name` at `version` (or at its current version when `version` is undefined). Rejects with
 * StorageUnavailableError when the open fails, is blocked by another connection, or times out; with the
 * upgrade's own error when the upgrade throws (the versionchange transaction is then aborted, leaving the
 * database as it was). The returned connection closes itself when another one wants to delete or upgrade the
 * database, so this tab never blocks a wipe done elsewhere.
 */
export function openDatabase<S>(
  factory: IDBFactory,
  name: string,
  version: number | undefined,
  upgrade: Upgrade<S> | undefined,
  opts?: StorageOptions,
): Promise<IDBPDatabase<S>> {
  const timeoutMs = opts?.timeoutMs ?? DEFAULT_TIMEOUT_MS
  return new Promise((resolve, reject) => {
    let request: IDBOpenDBRequest
    try {
      request = version === undefined ? factory.open(name) : factory.open(name, version)
    } catch (e) {
      reject(new StorageUnavailableError(`cannot open IndexedDB database "${name}": ${describeError(e)}`, { cause: e }))
      return
    }
    let settled = false
    let upgradeError: unknown = undefined
    const timer = setTimeout(() => {
      settle(new StorageUnavailableError(`opening IndexedDB database "${name}" did not finish within ${timeoutMs} ms`))
    }, timeoutMs)
    const settle = (err: Error | null, db?: IDBPDatabase<S>): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (err) reject(err)
      else resolve(db as IDBPDatabase<S>)
    }
    request.onupgradeneeded = (event) => {
      const rawTx = request.transaction
      if (!rawTx || !upgrade) return
      const abort = (e: unknown): void => {
        upgradeError = e
        try {
          rawTx.abort()
        } catch {
          // Already finished: the error event of the request reports it.
        }
      }
      try {
        const db = wrap(request.result) as unknown as IDBPDatabase<S>
        const tx = wrap(rawTx) as unknown as IDBPTransaction<S, StoreNames<S>[], 'versionchange'>
        // An aborted upgrade is reported through the open request; idb's done promise must not go unhandled.
        tx.done.catch(() => {})
        upgrade(db, event.oldVersion, tx)?.catch(abort)
      } catch (e) {
        abort(e)
      }
    }
    request.onblocked = () => {
      // The request stays queued; if it succeeds later, onsuccess closes the connection nobody awaits.
      settle(new StorageUnavailableError(
        `IndexedDB database "${name}" is held open by another tab or worker running an older version of Raft Lab; close it and reload`,
      ))
    }
    request.onerror = (event) => {
      event.preventDefault()
      if (upgradeError instanceof StorageCorruptError || upgradeError instanceof StorageUnavailableError) settle(upgradeError)
      else if (upgradeError !== undefined) settle(new StorageUnavailableError(`upgrading "${name}" failed: ${describeError(upgradeError)}`, { cause: upgradeError }))
      else settle(openError(name, request.error))
    }
    request.onsuccess = () => {
      const raw = request.result
      if (settled) {
        raw.close()
        return
      }
      raw.addEventListener('versionchange', () => raw.close())
      settle(null, wrap(raw) as unknown as IDBPDatabase<S>)
    }
  })
}

function openError(name: string, e: DOMException | null): StorageUnavailableError {
  if (errorName(e) === 'VersionError') {
    return new StorageUnavailableError(`IndexedDB database "${name}" was written by a newer version of Raft Lab; reload to get it`, { cause: e })
  }
  return new StorageUnavailableError(`cannot open IndexedDB database "${name}": ${e ? describeError(e) : 'unknown error'}`, { cause: e })
}

/**
 * Delete a database. A 'blocked' event means another connection has not closed yet; ours close on
 * versionchange, so we keep waiting (the deletion happens once they do) until the timeout.
 */
export function deleteDatabase(factory: IDBFactory, name: string, opts?: StorageOptions): Promise<void> {
  const timeoutMs = opts?.timeoutMs ?? DEFAULT_TIMEOUT_MS
  return new Promise((resolve, reject) => {
    let request: IDBOpenDBRequest
    try {
      request = factory.deleteDatabase(name)
    } catch (e) {
      reject(new StorageUnavailableError(`cannot delete IndexedDB database "${name}": ${describeError(e)}`, { cause: e }))
      return
    }
    let blocked = false
    const timer = setTimeout(() => {
      reject(new StorageUnavailableError(blocked
        ? `deleting IndexedDB database "${name}" is blocked by another tab; it completes once that tab is closed`
        : `deleting IndexedDB database "${name}" did not finish within ${timeoutMs} ms`))
    }, timeoutMs)
    request.onblocked = () => {
      blocked = true
    }
    request.onerror = (event) => {
      event.preventDefault()
      clearTimeout(timer)
      reject(new StorageUnavailableError(`cannot delete IndexedDB database "${name}": ${describeError(request.error)}`, { cause: request.error }))
    }
    request.onsuccess = () => {
      clearTimeout(timer)
      resolve()
    }
  })
}

/**
 * The error to report for a failed IndexedDB operation. `txError` is the transaction's own error (set when
 * it aborted on its own, e.g. out of quota at commit), `e` what our code caught. Our own errors pass through.
 */
export function idbError(node: string, e: unknown, txError: unknown): Error {
  if (isQuotaError(txError) || isQuotaError(e)) {
    return new StorageQuotaError(
      `${node}: the browser has no more storage space for this site (QuotaExceededError); the write was rolled back`,
      { cause: isQuotaError(e) ? e : txError },
    )
  }
  if (e instanceof StorageCorruptError || e instanceof StorageInvariantError || e instanceof StorageUnavailableError) return e
  const name = errorName(e)
  if (name === 'InvalidStateError' || name === 'TransactionInactiveError' || name === 'UnknownError' || name === 'AbortError' || name === 'NotFoundError') {
    const why = errorName(txError) && errorName(txError) !== 'AbortError' ? describeError(txError) : describeError(e)
    return new StorageUnavailableError(`${node}: IndexedDB failed (${why})`, { cause: e })
  }
  return e instanceof Error ? e : new Error(describeError(e))
}
