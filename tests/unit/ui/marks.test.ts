import { describe, it, expect } from 'vitest'
import { Marks, MARKS_PER_KIND, type Mark, type MarkKind } from '../../../src/ui/state/marks.ts'

/** The scrubber draws a mark a quarter of a percent of the run wide, from its time on. */
const MARK_WIDTH = 0.0025

/** Every event lies under a kept mark of its kind, as the scrubber draws it over a run of length `end`. */
function covered(marks: readonly Mark[], k: MarkKind, events: number[], end: number): boolean {
  const ts = marks.filter((m) => m.k === k).map((m) => m.t)
  let j = 0
  for (const t of events) {
    while (j + 1 < ts.length && ts[j + 1] <= t) j++
    if (!(ts[j] <= t && t <= ts[j] + MARK_WIDTH * end)) return false
  }
  return true
}

describe('the scrubber marks', () => {
  it('keep at most 800 per kind over a long loaded run, every event under its mark, the start included', () => {
    const m = new Marks()
    const commits: number[] = []
    const elections: number[] = []
    let end = 0
    // Three virtual hours: a commit every 7 ms, an election every 9 s.
    for (let t = 3; t < 3 * 3600_000; t += 7) {
      m.add({ t, k: 'commit' })
      commits.push(t)
      if (t % 9000 < 7) {
        m.add({ t, k: 'election', node: 'n1' })
        elections.push(t)
      }
      end = t
      if (t % 1800_000 < 7) {
        // Every half hour the screen is true so far.
        expect(m.count('commit')).toBeLessThanOrEqual(MARKS_PER_KIND)
        expect(covered(m.all, 'commit', commits, end)).toBe(true)
        expect(covered(m.all, 'election', elections, end)).toBe(true)
      }
    }
    expect(m.count('commit')).toBeLessThanOrEqual(MARKS_PER_KIND)
    expect(m.count('commit')).toBeGreaterThan(MARKS_PER_KIND / 2)
    expect(m.count('election')).toBeLessThanOrEqual(MARKS_PER_KIND)
    expect(m.all.length).toBe(m.count('commit') + m.count('election'))
    expect(covered(m.all, 'commit', commits, end)).toBe(true)
    expect(covered(m.all, 'election', elections, end)).toBe(true)
    expect(m.all[0].t).toBe(3)
    expect(m.width('commit')).toBeLessThanOrEqual((2 * end) / MARKS_PER_KIND)
  })

  it('keep rare marks exactly while they are few, and a second commit in the same 250 ms is one mark', () => {
    const m = new Marks()
    expect(m.add({ t: 10, k: 'crash', node: 'n2' })).toBe(true)
    expect(m.add({ t: 10, k: 'crash', node: 'n3' })).toBe(true)
    expect(m.add({ t: 11, k: 'partition' })).toBe(true)
    expect(m.add({ t: 100, k: 'commit' })).toBe(true)
    expect(m.add({ t: 240, k: 'commit' })).toBe(false)
    expect(m.add({ t: 260, k: 'commit' })).toBe(true)
    expect(m.all.map((x) => [x.t, x.k])).toEqual([
      [10, 'crash'],
      [10, 'crash'],
      [11, 'partition'],
      [100, 'commit'],
      [260, 'commit'],
    ])
  })

  it('drop the marks after a time (the run continued from an earlier moment), and clear', () => {
    const m = new Marks(4)
    for (let t = 0; t < 100; t += 10) m.add({ t, k: 'election' })
    expect(m.count('election')).toBeLessThanOrEqual(4)
    m.truncate(45)
    expect(m.all.every((x) => x.t <= 45)).toBe(true)
    expect(m.all.length).toBeGreaterThan(0)
    m.add({ t: 200, k: 'election' })
    expect(m.all[m.all.length - 1].t).toBe(200)
    m.clear()
    expect(m.all).toEqual([])
  })
})
