// Cutting entries into segments and cutting segments.
import { describe, it, expect } from 'vitest'
import { entries } from './helpers.ts'
import { MAX_SEGMENT_CHARS, MAX_SEGMENT_ENTRIES, segmentName, sliceSegment, toSegments } from '../../../src/storage/segments.ts'

const bounds = (segs: ReturnType<typeof toSegments>) => segs.map((s) => [s.first, s.last, s.entries.length])

describe('toSegments', () => {
  it('makes one segment of a contiguous batch, none of an empty one', () => {
    const list = entries(7, 300)
    const segs = toSegments(list)
    expect(segs).toEqual([{ first: 7, last: 300, entries: list }])
    expect(toSegments([])).toEqual([])
  })

  it('starts a new segment when the current one is full', () => {
    const n = 2 * MAX_SEGMENT_ENTRIES + 5
    const segs = toSegments(entries(1, n))
    expect(bounds(segs)).toEqual([
      [1, MAX_SEGMENT_ENTRIES, MAX_SEGMENT_ENTRIES],
      [MAX_SEGMENT_ENTRIES + 1, 2 * MAX_SEGMENT_ENTRIES, MAX_SEGMENT_ENTRIES],
      [2 * MAX_SEGMENT_ENTRIES + 1, n, 5],
    ])
    expect(segs.flatMap((s) => s.entries)).toEqual(entries(1, n))
  })

  it('starts a new segment at a gap (as an upgrade may meet)', () => {
    expect(bounds(toSegments([...entries(1, 3), ...entries(5, 6), ...entries(9, 9)]))).toEqual([[1, 3, 3], [5, 6, 2], [9, 9, 1]])
  })

  it('keeps the data of one segment under its character budget, but never splits an entry', () => {
    const big = 'x'.repeat(MAX_SEGMENT_CHARS / 2 - 10)
    const list = entries(1, 5).map((e) => ({ ...e, data: big }))
    expect(bounds(toSegments(list))).toEqual([[1, 2, 2], [3, 4, 2], [5, 5, 1]])
    const huge = [{ index: 1, term: 1, kind: 'command' as const, data: 'y'.repeat(MAX_SEGMENT_CHARS + 1) }, ...entries(2, 3)]
    expect(bounds(toSegments(huge))).toEqual([[1, 1, 1], [2, 3, 2]])
  })
})

describe('sliceSegment', () => {
  const seg = { first: 10, last: 19, entries: entries(10, 19) }

  it('keeps the part inside the range, clamped to the segment', () => {
    expect(sliceSegment(seg, 13, 15)).toEqual({ first: 13, last: 15, entries: entries(13, 15) })
    expect(sliceSegment(seg, 0, 12)).toEqual({ first: 10, last: 12, entries: entries(10, 12) })
    expect(sliceSegment(seg, 18, Infinity)).toEqual({ first: 18, last: 19, entries: entries(18, 19) })
    expect(sliceSegment(seg, 19, 19)).toEqual({ first: 19, last: 19, entries: entries(19, 19) })
  })

  it('is null when nothing is left', () => {
    expect(sliceSegment(seg, 20, 30)).toBeNull()
    expect(sliceSegment(seg, 1, 9)).toBeNull()
    expect(sliceSegment(seg, 15, 14)).toBeNull()
  })

  it('names segments for messages', () => {
    expect(segmentName(4, 8)).toBe('log segment 4..8')
    expect(segmentName(4, undefined)).toBe('log segment 4..?')
  })
})
