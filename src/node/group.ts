/**
 * Group commit: the writes a node makes inside one scheduling window, merged into one disk write (one IndexedDB
 * transaction) that is made durable before any of the window's messages leave the node.
 *
 * Merging must give the disk exactly what applying the writes one after the other would. A disk applies a write as
 * (see NodeDisk.persist): snapshot first, then entries (every stored entry from the first new index on is replaced),
 * then the hard state. Two writes merge when the second has no snapshot and its entries start inside or right after
 * the first's: the later entries replace the earlier ones from their first index, and the later hard state wins.
 * A write with a snapshot after another write, or entries that would leave a gap, do not merge: the shell writes
 * what it holds first (two transactions, still before any message of the window leaves). The node's own compaction
 * (a snapshot of entries it holds) does merge, as a snapshot the disk finds in its log (see mergeCompaction).
 */
import type { Snapshot } from '../raft/types.ts'
import type { DiskWrite } from './host.ts'

/** `next` applied after `prev`, as one write; null when they must be written one after the other. */
export function mergeWrites(prev: DiskWrite, next: DiskWrite): DiskWrite | null {
  if (next.snapshot) return null
  const out: DiskWrite = { entries: prev.entries }
  if (prev.snapshot) out.snapshot = prev.snapshot
  const hs = next.hardState ?? prev.hardState
  if (hs) out.hardState = hs
  if (next.entries.length > 0) {
    const from = next.entries[0].index
    if (prev.snapshot && from <= prev.snapshot.index) return null
    const old = prev.entries
    if (old.length === 0) {
      // The first write had no entries: the second's go to the disk as they are (after prev's snapshot, if any).
      out.entries = next.entries
    } else {
      const first = old[0].index
      const end = first + old.length
      if (from > end) return null // a gap: the disk would refuse it, and so must the merge
      // From `from` on, the second write's entries replace the first's (and, when from <= first, every stored
      // entry from `from` on, which the merged write's first index then says).
      out.entries = from <= first ? next.entries : old.slice(0, from - first).concat(next.entries)
    }
  }
  return out
}

/**
 * A local compaction to `snap` after `prev`, as one write (so a window that compacts still commits once). A disk
 * applies the snapshot first: the merged write keeps only prev's entries after the snapshot, which then replace the
 * stored ones from their first index on, as prev's would have. Null (written one after the other) when prev wrote
 * entries that all end at or inside the snapshot: the merged write could not say that they cut a longer stored log.
 */
export function mergeCompaction(prev: DiskWrite, snap: Snapshot): DiskWrite | null {
  if (prev.snapshot && prev.snapshot.index >= snap.index) return null
  const old = prev.entries
  if (old.length > 0 && old[old.length - 1].index <= snap.index) return null
  const out: DiskWrite = { entries: old.length > 0 && old[0].index <= snap.index ? old.slice(snap.index - old[0].index + 1) : old, snapshot: snap }
  if (prev.hardState) out.hardState = prev.hardState
  return out
}
