/**
 * The durable disk: one IndexedDB database per node, `raftlab/<cluster>/<node>` (layout in schema.ts: the
 * log is stored as segments, one record per persisted batch, see segments.ts).
 * Reloading the page is a real crash; reopening is a real recovery.
 *
 * Writes are planned against the disk's bounds (rules.ts), checked right before writing and committed in
 * one readwrite transaction over all three stores. The bounds and the last segment's extent (its entries too,
 * while it is small) are cached because this object is the only writer of its database (one worker per node);
 * they are re-read from disk after any failure. An append, the common case, reads nothing: it puts one segment
 * (a new one, or the small last one rewritten with the new entries) and commits.
 */
import { unwrap } from 'idb'
import type { IDBPDatabase, IDBPTransaction } from 'idb'
import type { Entry, HardState, PersistedState, Snapshot } from '../raft/types.ts'
import { sealHardState, sealSchema, sealSegment, sealSnapshot } from './checksum.ts'
import { StorageCorruptError, StorageUnavailableError } from './errors.ts'
import { getFactory, openDatabase, idbError } from './open.ts'
import { unsealHardState, unsealSchema, unsealSegment, unsealSnapshot } from './records.ts'
import {
  EMPTY_BOUNDS,
  checkBatch,
  checkLoaded,
  checkSnapshot,
  planCompact,
  planPersist,
  termsNeededForCompact,
  termsNeededForPersist,
} from './rules.ts'
import type { DiskBounds, WritePlan } from './rules.ts'
import { NODE_STORES, SCHEMA_VERSION, nodeDbName, upgradeNodeDb } from './schema.ts'
import type { NodeDbSchema } from './schema.ts'
import { MAX_SEGMENT_ENTRIES, MERGE_BELOW, segmentName, sliceSegment, toSegments } from './segments.ts'
import type { Segment } from './segments.ts'
import type { DiskSummary, NodeDisk, NodeDiskOptions, PersistBatch } from './types.ts'
import { copyEntry } from './validate.ts'

type Db = IDBPDatabase<NodeDbSchema>
type WriteTx = IDBPTransaction<NodeDbSchema, typeof NODE_STORES[number][], 'readwrite'>

/**
 * The last segment: where it starts, how many entries it holds and, while it is small enough to take more
 * (fewer than MERGE_BELOW entries), a private copy of them, so an append can rewrite it without reading it.
 */
interface Tail {
  first: number
  count: number
  entries: Entry[] | null
}

/** The Tail of `seg`, whose entries must not be visible to any caller (copy them first if they are). */
function tailOf(seg: Segment): Tail {
  return { first: seg.first, count: seg.entries.length, entries: seg.entries.length < MERGE_BELOW ? seg.entries : null }
}

const noop = (): void => {}

/**
 * Reads segments by entry index inside one transaction, verifying each and reading each at most once.
 * Only used before the transaction's first write, so it always sees the disk as the write found it.
 */
class SegmentReader {
  readonly #node: string
  readonly #tx: WriteTx
  readonly #seen: Segment[] = []

  constructor(node: string, tx: WriteTx) {
    this.#node = node
    this.#tx = tx
  }

  /** The stored segment holding entry `index`; StorageCorruptError if there is none or it is damaged. */
  async at(index: number): Promise<Segment> {
    const known = this.#seen.find((s) => s.first <= index && index <= s.last)
    if (known) return known
    const cursor = await this.#tx.objectStore('log').openCursor(IDBKeyRange.upperBound(index), 'prev')
    if (!cursor) throw new StorageCorruptError(this.#node, `log entry ${index} is missing`)
    const seg = unsealSegment(this.#node, cursor.key, cursor.value)
    if (seg.last < index) throw new StorageCorruptError(this.#node, `log entry ${index} is missing: ${segmentName(seg.first, seg.last)} ends before it`)
    this.#seen.push(seg)
    return seg
  }
}

/** One write, as planned against the disk and laid out over segments. */
type Layout = WritePlan & { wipe?: boolean; puts: Segment[]; tail: Tail | null | undefined }

class IdbNodeDisk implements NodeDisk {
  readonly kind = 'durable' as const
  readonly node: string
  #db: Db
  #durability: IDBTransactionDurability
  /** What is on disk, or null when unknown (before the first read, after a failure). */
  #bounds: DiskBounds | null = null
  /** The last segment, null when the log store is empty, undefined when unknown (then nothing is merged into it). */
  #tail: Tail | null | undefined = undefined
  /** Operations run one after another, so the cached bounds always describe the disk a write starts from. */
  #queue: Promise<unknown> = Promise.resolve()
  /** Why the connection is gone, once it is. */
  #closed: string | null = null
  /** What the last load found wrong; writes are refused until a wipe, so a damaged disk is not built upon. */
  #corrupt: StorageCorruptError | null = null

  constructor(node: string, db: Db, durability: IDBTransactionDurability) {
    this.node = node
    this.#db = db
    this.#durability = durability
    db.addEventListener('versionchange', () => {
      this.#closed ??= 'its database was deleted or upgraded by another tab'
    })
    db.addEventListener('close', () => {
      this.#closed ??= 'the browser closed its database (site data cleared?)'
    })
  }

  #run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(() => {
      if (this.#closed !== null) throw new StorageUnavailableError(`the disk of ${this.node} is closed: ${this.#closed}`)
      return op()
    })
    this.#queue = result.catch(noop)
    return result
  }

  #forget(): void {
    this.#bounds = null
    this.#tail = undefined
  }

  load(): Promise<PersistedState & { empty: boolean }> {
    return this.#run(async () => {
      try {
        const state = await this.#load()
        this.#corrupt = null
        return state
      } catch (e) {
        if (e instanceof StorageCorruptError) this.#corrupt = e
        throw e
      }
    })
  }

  /** Read and verify everything; sets the cached bounds only if all is well. */
  async #load(): Promise<PersistedState & { empty: boolean }> {
    let parts: [unknown, unknown, unknown, IDBValidKey[], unknown[]]
    try {
      const tx = this.#db.transaction(NODE_STORES, 'readonly')
      const meta = tx.objectStore('meta')
      const log = tx.objectStore('log')
      const [schema, hs, snap, keys, values] = await Promise.all([
        meta.get('schema'),
        meta.get('hardState'),
        tx.objectStore('snapshot').get('latest'),
        log.getAllKeys(),
        log.getAll(),
        tx.done,
      ])
      parts = [schema, hs, snap, keys, values]
    } catch (e) {
      throw idbError(this.node, e, null)
    }
    this.#forget()
    const [rawSchema, rawHs, rawSnap, keys, values] = parts
    if (rawSchema === undefined) throw new StorageCorruptError(this.node, 'the schema record is missing')
    const schema = unsealSchema(this.node, rawSchema)
    if (schema.version !== SCHEMA_VERSION) {
      throw new StorageCorruptError(this.node, `the schema record says version ${schema.version}, the database is version ${SCHEMA_VERSION}`)
    }
    if (schema.node !== this.node) throw new StorageCorruptError(this.node, `the database belongs to node ${schema.node}`)
    const hardState = rawHs === undefined ? null : unsealHardState(this.node, rawHs)
    const snapshot = rawSnap === undefined ? null : unsealSnapshot(this.node, rawSnap)
    if (keys.length !== values.length) throw new StorageCorruptError(this.node, "the log's keys and values differ in number")
    const segments: Segment[] = new Array(keys.length)
    let count = 0
    for (let i = 0; i < keys.length; i++) {
      const seg = unsealSegment(this.node, keys[i], values[i])
      const prev = segments[i - 1]
      // Each segment is contiguous inside; together they must tile the log (the start is checked below).
      if (prev && seg.first !== prev.last + 1) {
        throw new StorageCorruptError(this.node, `log is not contiguous: ${segmentName(prev.first, prev.last)} is followed by ${segmentName(seg.first, seg.last)}`)
      }
      segments[i] = seg
      count += seg.entries.length
    }
    const entries: Entry[] = new Array(count)
    let k = 0
    for (const seg of segments) for (const e of seg.entries) entries[k++] = e
    // The start of the log, terms along it and the commit index, named by entry, as for the volatile disk.
    const bounds = checkLoaded(this.node, hardState, snapshot, entries)
    const last = segments[segments.length - 1]
    this.#bounds = bounds
    // The loaded entries go to the caller, who may change them: the cached tail gets copies.
    this.#tail = last ? tailOf(last.entries.length < MERGE_BELOW ? { ...last, entries: last.entries.map(copyEntry) } : last) : null
    const state: PersistedState & { empty: boolean } = {
      hardState: hardState ?? { term: 0, vote: null, commit: 0 },
      entries,
      empty: hardState === null && snapshot === null && entries.length === 0,
    }
    if (snapshot) state.snapshot = snapshot
    return state
  }

  persist(batch: PersistBatch): Promise<void> {
    return this.#run(async () => {
      if (this.#corrupt) throw this.#corrupt
      const clean = checkBatch(this.node, batch)
      if (clean.entries.length === 0 && !clean.hardState && !clean.snapshot) return
      const bounds = await this.#readBounds()
      const need = termsNeededForPersist(bounds, clean)
      await this.#write(async (reader) => planPersist(this.node, bounds, clean, await this.#termsAt(reader, need)))
    })
  }

  compact(snapshot: Snapshot): Promise<void> {
    return this.#run(async () => {
      if (this.#corrupt) throw this.#corrupt
      const snap = checkSnapshot(this.node, snapshot)
      const bounds = await this.#readBounds()
      const need = termsNeededForCompact(bounds, snap)
      await this.#write(async (reader) => planCompact(this.node, bounds, snap, await this.#termsAt(reader, need)))
    })
  }

  describe(): Promise<DiskSummary> {
    return this.#run(async () => {
      try {
        const tx = this.#db.transaction(NODE_STORES, 'readonly')
        const log = tx.objectStore('log')
        const [hs, snap, firstCursor, lastCursor] = await Promise.all([
          tx.objectStore('meta').get('hardState'),
          tx.objectStore('snapshot').get('latest'),
          log.openKeyCursor(),
          log.openCursor(null, 'prev'),
          tx.done,
        ])
        // A summary for display: best effort, no verification (load is where corruption is reported). The
        // count assumes the segments tile the log, as they do on any disk that loads.
        const hardState = (hs?.value ?? null) as HardState | null
        const snapshotIndex = (snap?.value.index as number | undefined) ?? 0
        const snapshotTerm = (snap?.value.term as number | undefined) ?? 0
        const lastSeg = lastCursor?.value.value as Partial<Segment> | undefined
        const first = typeof firstCursor?.key === 'number' ? firstCursor.key : snapshotIndex + 1
        const last = typeof lastSeg?.last === 'number' ? lastSeg.last : typeof lastCursor?.key === 'number' ? lastCursor.key : snapshotIndex
        return {
          hardState: hardState ? { term: hardState.term, vote: hardState.vote, commit: hardState.commit } : null,
          firstIndex: first,
          lastIndex: last,
          entryCount: firstCursor ? Math.max(0, last - first + 1) : 0,
          snapshotIndex,
          snapshotTerm,
        }
      } catch (e) {
        throw idbError(this.node, e, null)
      }
    })
  }

  wipe(): Promise<void> {
    return this.#run(async () => {
      await this.#write(async () => ({ wipe: true, clearLog: true, dropThrough: 0, dropFrom: 0, entries: [], next: { ...EMPTY_BOUNDS } }))
      this.#corrupt = null
    })
  }

  close(): void {
    this.#closed ??= 'it was closed by its owner'
    // IndexedDB lets running transactions finish before the connection really closes.
    this.#db.close()
  }

  /** The bounds of what is on disk, reading (and verifying) the few records they come from if not cached. */
  async #readBounds(): Promise<DiskBounds> {
    if (this.#bounds) return this.#bounds
    let parts: [unknown, unknown, IDBValidKey | undefined, unknown]
    try {
      const tx = this.#db.transaction(NODE_STORES, 'readonly')
      const [hs, snap, lastCursor] = await Promise.all([
        tx.objectStore('meta').get('hardState'),
        tx.objectStore('snapshot').get('latest'),
        tx.objectStore('log').openCursor(null, 'prev'),
        tx.done,
      ])
      parts = [hs, snap, lastCursor?.key, lastCursor?.value]
    } catch (e) {
      throw idbError(this.node, e, null)
    }
    const [rawHs, rawSnap, lastKey, rawLast] = parts
    const hardState = rawHs === undefined ? null : unsealHardState(this.node, rawHs)
    const snap = rawSnap === undefined ? null : unsealSnapshot(this.node, rawSnap)
    const tail = lastKey === undefined ? null : unsealSegment(this.node, lastKey, rawLast)
    const s = snap?.index ?? 0
    const st = snap?.term ?? 0
    if (tail && tail.first <= s) {
      throw new StorageCorruptError(this.node, `${segmentName(tail.first, tail.last)} starts inside the snapshot at ${s}: it should have been deleted or cut`)
    }
    const lastEntry = tail?.entries[tail.entries.length - 1]
    this.#bounds = { snapshotIndex: s, snapshotTerm: st, lastIndex: lastEntry?.index ?? s, lastTerm: lastEntry?.term ?? st, hardState }
    this.#tail = tail ? tailOf(tail) : null
    return this.#bounds
  }

  /** The stored terms at `indexes`, read (and verified) inside the write transaction. */
  async #termsAt(reader: SegmentReader, indexes: number[]): Promise<Map<number, number>> {
    const terms = new Map<number, number>()
    for (const index of indexes) {
      const seg = await reader.at(index)
      terms.set(index, seg.entries[index - seg.first].term)
    }
    return terms
  }

  /**
   * Lay a plan out over segments: which segments to delete (key ranges), and which to put. A snapshot cuts the
   * segment holding its index (the part after it is put again under the next index); a replaced suffix cuts the
   * segment holding its first index (the part before it is put again under the same key); new entries are put
   * as new segments, merged into a small last segment when they simply extend it (from the cached copy: this
   * disk is its database's only writer). Reads happen here, before any write of the transaction.
   */
  async #layout(reader: SegmentReader, p: WritePlan & { wipe?: boolean }, before: DiskBounds | null): Promise<Layout> {
    const puts: Segment[] = []
    let tail = this.#tail
    if (p.clearLog) tail = null
    const cut = new Map<number, Segment>()
    if (!p.clearLog && before) {
      if (p.dropThrough > 0 && p.dropThrough < before.lastIndex) {
        const seg = await reader.at(p.dropThrough)
        if (seg.last > p.dropThrough) cut.set(seg.first, seg)
      }
      if (p.dropFrom > 0) {
        const seg = await reader.at(p.dropFrom)
        if (seg.first < p.dropFrom) cut.set(seg.first, seg)
      }
      if (p.dropThrough > 0 || p.dropFrom > 0) tail = undefined
    }
    const keepLo = p.dropThrough + 1
    const keepHi = p.dropFrom > 0 ? p.dropFrom - 1 : Infinity
    for (const seg of cut.values()) {
      const kept = sliceSegment(seg, keepLo, keepHi)
      if (kept) puts.push(kept)
    }

    let fresh: Entry[] = p.entries
    if (fresh.length > 0) {
      const t = tail
      if (t?.entries && t.first + t.count === fresh[0].index && t.count + fresh.length <= MAX_SEGMENT_ENTRIES) fresh = t.entries.concat(fresh)
      // The entries are the batch's private copies (checkBatch), so the new tail may keep them.
      const segs = toSegments(fresh)
      for (const seg of segs) puts.push(seg)
      tail = tailOf(segs[segs.length - 1])
    }
    return { ...p, puts, tail }
  }

  /**
   * Run one readwrite transaction: `plan` may read (only through the reader, so only requests of this
   * transaction are awaited) and returns what to write. The writes go through the raw stores: their requests
   * need no promises, and a failing one aborts the transaction, which `tx.done` reports. Nothing else is
   * awaited until the commit.
   */
  async #write(plan: (reader: SegmentReader) => Promise<WritePlan & { wipe?: boolean }>): Promise<void> {
    let tx: WriteTx
    const before = this.#bounds
    try {
      tx = this.#db.transaction(NODE_STORES, 'readwrite', { durability: this.#durability })
    } catch (e) {
      this.#forget()
      throw idbError(this.node, e, null)
    }
    const done = tx.done
    done.catch(noop) // observed below; this only stops an early throw from leaving it unhandled
    let p: Layout
    try {
      const reader = new SegmentReader(this.node, tx)
      p = await this.#layout(reader, await plan(reader), before)
      const meta = unwrap(tx.objectStore('meta'))
      const log = unwrap(tx.objectStore('log'))
      const snapStore = unwrap(tx.objectStore('snapshot'))
      if (p.wipe) {
        meta.clear()
        snapStore.clear()
        meta.put(sealSchema({ version: SCHEMA_VERSION, node: this.node }), 'schema')
      }
      if (p.snapshot) snapStore.put(sealSnapshot(p.snapshot), 'latest')
      if (p.clearLog) log.clear()
      else if (p.dropThrough > 0) log.delete(IDBKeyRange.upperBound(p.dropThrough))
      if (p.dropFrom > 0) log.delete(IDBKeyRange.lowerBound(p.dropFrom))
      for (const seg of p.puts) log.put(sealSegment(seg), seg.first)
      if (p.hardState) meta.put(sealHardState(p.hardState), 'hardState')
    } catch (e) {
      this.#forget()
      try {
        tx.abort()
      } catch {
        // Already aborting or finished.
      }
      await done.catch(noop)
      throw idbError(this.node, e, unwrap(tx).error)
    }
    try {
      await done
    } catch (e) {
      this.#forget()
      throw idbError(this.node, e, unwrap(tx).error)
    }
    this.#bounds = p.next
    this.#tail = p.tail
  }
}

/**
 * Open (creating or upgrading as needed) the durable disk of `node` in `cluster`.
 * Throws StorageUnavailableError if IndexedDB is missing, blocked or failing, StorageCorruptError if a
 * version-1 database holds malformed records.
 */
export async function openNodeDisk(cluster: string, node: string, opts?: NodeDiskOptions): Promise<NodeDisk> {
  const name = nodeDbName(cluster, node)
  const factory = getFactory(opts)
  const db = await openDatabase<NodeDbSchema>(factory, name, SCHEMA_VERSION, (d, old, tx) => upgradeNodeDb(node, d, old, tx), opts)
  return new IdbNodeDisk(node, db, opts?.durability ?? 'default')
}

// The catalog (list, delete, probe) lives in catalog.ts, so that the page can use it without the disk itself.
export { deleteNodeDisk, listClusters, listNodeDisks, deleteCluster, PROBE_DB_NAME, probeIndexedDb } from './catalog.ts'
