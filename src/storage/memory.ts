/**
 * The volatile disk: the same contract and the same rules (rules.ts) as the durable one, kept in the worker's
 * memory, so a crash or a reload loses it. Everything is copied on the way in and out: a caller mutating an
 * entry it persisted, or one it loaded, cannot change what is "on disk".
 */
import type { Entry, HardState, PersistedState, Snapshot } from '../raft/types.ts'
import { StorageUnavailableError } from './errors.ts'
import {
  checkBatch,
  checkLoaded,
  checkSnapshot,
  planCompact,
  planPersist,
  termsNeededForCompact,
  termsNeededForPersist,
} from './rules.ts'
import type { DiskBounds, WritePlan } from './rules.ts'
import type { DiskSummary, NodeDisk, PersistBatch } from './types.ts'
import { copyEntry, copyHardState, copySnapshot } from './validate.ts'

class MemoryDisk implements NodeDisk {
  readonly kind = 'volatile' as const
  readonly node: string
  #hardState: HardState | null = null
  #snapshot: Snapshot | null = null
  /** Invariant: contiguous, #log[i].index === snapshotIndex + 1 + i. */
  #log: Entry[] = []
  #closed = false

  constructor(node: string) {
    this.node = node
  }

  // Each operation runs synchronously when called and returns a settled promise, so call order is apply order,
  // as with the durable disk's queue.
  #run<T>(op: () => T): Promise<T> {
    try {
      if (this.#closed) throw new StorageUnavailableError(`the disk of ${this.node} is closed: it was closed by its owner`)
      return Promise.resolve(op())
    } catch (e) {
      return Promise.reject(e)
    }
  }

  #bounds(): DiskBounds {
    const s = this.#snapshot?.index ?? 0
    const st = this.#snapshot?.term ?? 0
    const last = this.#log[this.#log.length - 1]
    return { snapshotIndex: s, snapshotTerm: st, lastIndex: last?.index ?? s, lastTerm: last?.term ?? st, hardState: this.#hardState }
  }

  #terms(indexes: number[]): Map<number, number> {
    const first = (this.#snapshot?.index ?? 0) + 1
    return new Map(indexes.map((i) => [i, this.#log[i - first].term]))
  }

  #apply(p: WritePlan): void {
    // Plans come from checkBatch/checkSnapshot output, which are already private copies.
    if (p.snapshot) this.#snapshot = p.snapshot
    if (p.clearLog) this.#log = []
    else if (p.dropThrough > 0) this.#log = this.#log.filter((e) => e.index > p.dropThrough)
    if (p.dropFrom > 0) this.#log = this.#log.filter((e) => e.index < p.dropFrom)
    for (const e of p.entries) this.#log.push(e)
    if (p.hardState) this.#hardState = p.hardState
  }

  load(): Promise<PersistedState & { empty: boolean }> {
    return this.#run(() => {
      checkLoaded(this.node, this.#hardState, this.#snapshot, this.#log)
      const state: PersistedState & { empty: boolean } = {
        hardState: this.#hardState ? copyHardState(this.#hardState) : { term: 0, vote: null, commit: 0 },
        entries: this.#log.map(copyEntry),
        empty: this.#hardState === null && this.#snapshot === null && this.#log.length === 0,
      }
      if (this.#snapshot) state.snapshot = copySnapshot(this.#snapshot)
      return state
    })
  }

  persist(batch: PersistBatch): Promise<void> {
    return this.#run(() => {
      const clean = checkBatch(this.node, batch)
      const b = this.#bounds()
      this.#apply(planPersist(this.node, b, clean, this.#terms(termsNeededForPersist(b, clean))))
    })
  }

  compact(snapshot: Snapshot): Promise<void> {
    return this.#run(() => {
      const snap = checkSnapshot(this.node, snapshot)
      const b = this.#bounds()
      this.#apply(planCompact(this.node, b, snap, this.#terms(termsNeededForCompact(b, snap))))
    })
  }

  describe(): Promise<DiskSummary> {
    return this.#run(() => {
      const b = this.#bounds()
      return {
        hardState: this.#hardState ? copyHardState(this.#hardState) : null,
        firstIndex: b.snapshotIndex + 1,
        lastIndex: b.lastIndex,
        entryCount: this.#log.length,
        snapshotIndex: b.snapshotIndex,
        snapshotTerm: b.snapshotTerm,
      }
    })
  }

  wipe(): Promise<void> {
    return this.#run(() => {
      this.#hardState = null
      this.#snapshot = null
      this.#log = []
    })
  }

  close(): void {
    this.#closed = true
  }
}

/** A volatile disk for `node`: same interface as the durable one, gone when the worker's memory is. */
export function createMemoryDisk(node: string): NodeDisk {
  return new MemoryDisk(node)
}
