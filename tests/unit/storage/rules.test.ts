// The pure write planner: which stored terms a write needs, and what it decides to delete.
import { describe, it, expect } from 'vitest'
import { entries, hs, snap } from './helpers.ts'
import { EMPTY_BOUNDS, planCompact, planPersist, termsNeededForCompact, termsNeededForPersist } from '../../../src/storage/rules.ts'
import type { DiskBounds } from '../../../src/storage/rules.ts'

// A disk with snapshot 2 (term 1) and entries 3..10, the last of term 3.
const b: DiskBounds = { snapshotIndex: 2, snapshotTerm: 1, lastIndex: 10, lastTerm: 3, hardState: hs(3, null, 4) }

describe('terms a write needs from disk', () => {
  it('none for appends at the end or right after the snapshot', () => {
    expect(termsNeededForPersist(b, { entries: entries(11, 12, 3) })).toEqual([])
    expect(termsNeededForPersist(b, { entries: entries(3, 3, 4) })).toEqual([])
    expect(termsNeededForPersist(EMPTY_BOUNDS, { entries: entries(1, 2) })).toEqual([])
  })

  it('the entry before a replaced suffix, and the entry at a snapshot inside the log', () => {
    expect(termsNeededForPersist(b, { entries: entries(6, 6, 4) })).toEqual([5])
    expect(termsNeededForPersist(b, { entries: [], snapshot: snap(7, 2) })).toEqual([7])
    expect(termsNeededForPersist(b, { entries: entries(9, 9, 4), snapshot: snap(7, 2) })).toEqual([7, 8])
    expect(termsNeededForPersist(b, { entries: [], snapshot: snap(12, 3) })).toEqual([])
    expect(termsNeededForCompact(b, snap(7, 2))).toEqual([7])
    expect(termsNeededForCompact(b, snap(10, 3))).toEqual([])
  })
})

describe('write plans', () => {
  it('replacing a suffix deletes from its first index and moves the end', () => {
    const p = planPersist('n1', b, { entries: entries(6, 7, 4) }, new Map([[5, 2]]))
    expect(p).toMatchObject({ clearLog: false, dropThrough: 0, dropFrom: 6 })
    expect(p.next).toEqual({ ...b, lastIndex: 7, lastTerm: 4 })
  })

  it('an append deletes nothing', () => {
    expect(planPersist('n1', b, { entries: entries(11, 11, 3) }, new Map())).toMatchObject({ clearLog: false, dropThrough: 0, dropFrom: 0 })
  })

  it('a matching snapshot keeps the tail; a mismatching one clears the log', () => {
    const keep = planPersist('n1', b, { entries: [], snapshot: snap(7, 2) }, new Map([[7, 2]]))
    expect(keep).toMatchObject({ clearLog: false, dropThrough: 7 })
    expect(keep.next).toEqual({ ...b, snapshotIndex: 7, snapshotTerm: 2 })
    const clear = planPersist('n1', b, { entries: [], snapshot: snap(7, 3) }, new Map([[7, 2]]))
    expect(clear).toMatchObject({ clearLog: true, dropThrough: 0 })
    expect(clear.next).toEqual({ ...b, snapshotIndex: 7, snapshotTerm: 3, lastIndex: 7, lastTerm: 3 })
  })

  it('a compaction keeps the end of the log', () => {
    const p = planCompact('n1', b, snap(10, 3), new Map())
    expect(p).toMatchObject({ dropThrough: 10, clearLog: false, entries: [] })
    expect(p.next).toEqual({ ...b, snapshotIndex: 10, snapshotTerm: 3 })
  })

  it('a term the caller did not look up is a programming error, not a storage one', () => {
    expect(() => planPersist('n1', b, { entries: entries(6, 6, 4) }, new Map())).toThrow('term of entry 5 was not looked up')
  })
})
