/**
 * The storage contract between a node's driver (the worker running the Ready loop) and its disk.
 * Types only; the implementations are `idb.ts` (durable) and `memory.ts` (volatile).
 */
import type { Entry, HardState, PersistedState, Snapshot } from '../raft/types.ts'

export { StorageCorruptError, StorageInvariantError, StorageQuotaError, StorageUnavailableError } from './errors.ts'

/** The durable part of one Ready, written in one transaction. */
export interface PersistBatch {
  hardState?: HardState
  entries: Entry[]
  snapshot?: Snapshot
}

/** What is on a disk, for the UI. Indexes are 0 when there is nothing of that kind. */
export interface DiskSummary {
  hardState: HardState | null
  /** Index of the first stored entry; snapshotIndex + 1 when the log is empty. */
  firstIndex: number
  /** Index of the last stored entry; snapshotIndex when the log is empty. */
  lastIndex: number
  entryCount: number
  snapshotIndex: number
  snapshotTerm: number
  /** Approximate size of the stored data, when cheap to know. */
  bytes?: number
}

/**
 * One node's disk. Operations run one at a time in call order, so a caller may fire several without
 * awaiting and still get them applied in sequence.
 */
export interface NodeDisk {
  /**
   * Read everything back for a restart. Verifies every checksum; throws StorageCorruptError if anything is off.
   * After that the disk refuses writes (with the same error) until it is wiped.
   */
  load(): Promise<PersistedState & { empty: boolean }>
  /**
   * Persist one Ready's durable part in one transaction: if snapshot, store it and delete entries <= snapshot.index
   * (later entries are kept only if the stored entry at snapshot.index has the snapshot's term, as in the paper's
   * InstallSnapshot rule; otherwise the whole log is dropped); if entries, delete stored entries with
   * index >= entries[0].index first (a suffix may be replaced), then put them; if hardState, put it.
   * Resolves once the transaction has committed. Throws StorageInvariantError (nothing written) if the result
   * would not be a valid disk, StorageQuotaError if the browser is out of space.
   */
  persist(batch: PersistBatch): Promise<void>
  /** Store a snapshot taken locally by log compaction and delete entries <= snapshot.index (one transaction). */
  compact(snapshot: Snapshot): Promise<void>
  /** Summary for the UI: what is on disk. Does not verify checksums. */
  describe(): Promise<DiskSummary>
  /** Delete this node's data entirely (the "wipe disk" action); the disk is empty afterwards and stays usable. */
  wipe(): Promise<void>
  /**
   * Release the disk, as a crash would: a write already running still commits or aborts as a whole; operations
   * not yet started, and later calls, reject with StorageUnavailableError.
   */
  close(): void
  readonly kind: 'durable' | 'volatile'
  /** The node this disk belongs to. */
  readonly node: string
}

/** The versioned settings of a cluster, kept in `raftlab/<cluster>`. The runtime defines the other fields. */
export type ClusterSettings = Record<string, unknown> & { version: number }

/** The settings database of one cluster. */
export interface ClusterDb {
  /** The stored settings, or null if none were saved yet. */
  load(): Promise<ClusterSettings | null>
  /** Replace the stored settings. They must be structured-cloneable plain data. */
  save(settings: ClusterSettings): Promise<void>
  /** Close and delete the settings database (node disks are not touched). */
  destroy(): Promise<void>
  close(): void
}

/** Options shared by the IndexedDB functions. */
export interface StorageOptions {
  /** The IndexedDB factory to use; defaults to `globalThis.indexedDB`. Tests pass a fresh fake one. */
  indexedDB?: IDBFactory
  /** Give up opening (or deleting) a database after this many milliseconds. Default 10000. */
  timeoutMs?: number
}

/** Options of `openNodeDisk`. */
export interface NodeDiskOptions extends StorageOptions {
  /** Durability hint for write transactions; browsers treat 'default' as they see fit. */
  durability?: 'default' | 'strict' | 'relaxed'
}
