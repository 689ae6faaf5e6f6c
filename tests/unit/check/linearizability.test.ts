import { describe, it, expect } from 'vitest'
import { checkLinearizability } from '../../../src/check/linearizability.ts'
import type { History, HistoryOp } from '../../../src/kv/history.ts'
import { bruteForce, generateHistory, injectStaleRead, isValidWitness, prng } from './linearizability-gen.ts'

// Builders. Each op gets client `c<id>` unless given; `complete === null` makes the outcome unknown.
type Time = [number, number | null]

function done(op: Omit<HistoryOp, 'complete' | 'outcome'>, [invoke, complete]: Time, value: string | null, ok = true): HistoryOp {
  const full: HistoryOp = { ...op, invoke, complete, outcome: complete === null ? 'unknown' : 'ok' }
  if (complete !== null) full.result = { ok, value }
  return full
}
const set = (id: number, key: string, value: string, t: Time, client = `c${id}`): HistoryOp =>
  done({ id, client, op: 'set', key, value, invoke: 0 }, t, value)
const get = (id: number, key: string, value: string | null, t: Time, client = `c${id}`): HistoryOp =>
  done({ id, client, op: 'get', key, invoke: 0 }, t, value)
const del = (id: number, key: string, previous: string | null, t: Time, client = `c${id}`): HistoryOp =>
  done({ id, client, op: 'delete', key, invoke: 0 }, t, previous)
/** A cas that swapped (`seen` omitted) or did not (`seen` = the value it found). */
const cas = (id: number, key: string, expected: string | null, value: string, t: Time, seen?: string | null): HistoryOp =>
  seen === undefined
    ? done({ id, client: `c${id}`, op: 'cas', key, expected, value, invoke: 0 }, t, value, true)
    : done({ id, client: `c${id}`, op: 'cas', key, expected, value, invoke: 0 }, t, seen, false)
const failed = (op: HistoryOp): HistoryOp => ({ ...op, outcome: 'fail', result: undefined })

function expectLinearizable(history: History): void {
  const r = checkLinearizability(history)
  expect(r.failure?.explanation).toBeUndefined()
  expect(r.ok).toBe(true)
  for (const [key, order] of Object.entries(r.witness ?? {})) expect(isValidWitness(history, key, order)).toBe(true)
}

/** Checks the failure and returns it; the fragment must come from the key and fail on its own. */
function expectViolation(history: History, key: string) {
  const r = checkLinearizability(history)
  expect(r.ok).toBe(false)
  expect(r.inconclusive).toBeUndefined()
  const failure = r.failure
  if (failure === undefined) throw new Error('no failure reported')
  expect(failure.key).toBe(key)
  expect(failure.ops.length).toBeGreaterThan(0)
  for (const op of failure.ops) expect(history).toContain(op)
  expect(failure.ops.every((op) => op.key === key)).toBe(true)
  expect(checkLinearizability(failure.ops).ok).toBe(false)
  expect(bruteForce(failure.ops)).toBe(false)
  expect(failure.explanation.length).toBeGreaterThan(20)
  return failure
}

const ids = (ops: HistoryOp[]): number[] => ops.map((op) => op.id).sort((a, b) => a - b)

describe('checkLinearizability: linearizable histories', () => {
  it('accepts the empty history', () => {
    const r = checkLinearizability([])
    expect(r).toEqual({ verdict: 'ok', ok: true, witness: {}, stats: { keys: 0, ops: 0, statesExplored: 0 } })
  })

  it('accepts a sequential history and returns its order as the witness', () => {
    const h = [set(1, 'x', 'a', [0, 1]), get(2, 'x', 'a', [2, 3]), del(3, 'x', 'a', [4, 5]), get(4, 'x', null, [6, 7])]
    const r = checkLinearizability(h)
    expect(r.ok).toBe(true)
    expect(r.witness).toEqual({ x: [1, 2, 3, 4] })
    expect(r.stats.keys).toBe(1)
    expect(r.stats.ops).toBe(4)
  })

  it('orders concurrent ops by what they observed, not by when they started', () => {
    // The read starts first, overlaps both writes, and sees the second one.
    const h = [get(3, 'x', 'b', [0, 10]), set(1, 'x', 'a', [1, 4]), set(2, 'x', 'b', [2, 5])]
    const r = checkLinearizability(h)
    expect(r.ok).toBe(true)
    expect(r.witness?.x).toEqual([1, 2, 3])
  })

  it('treats ops that touch at the same instant as concurrent', () => {
    // The set completes at t=5 and the read starts at t=5: the read may go first.
    expectLinearizable([set(1, 'x', 'a', [0, 5]), get(2, 'x', null, [5, 6])])
  })

  it('accepts a read of an unknown write that did happen, and places it in the witness', () => {
    const h = [set(1, 'x', 'a', [0, null]), get(2, 'x', 'a', [10, 11])]
    const r = checkLinearizability(h)
    expect(r.ok).toBe(true)
    expect(r.witness?.x).toEqual([1, 2])
  })

  it('accepts an unknown write that never happened, and leaves it out of the witness', () => {
    const h = [set(1, 'x', 'a', [0, null]), get(2, 'x', null, [10, 11]), get(3, 'x', null, [12, 13])]
    const r = checkLinearizability(h)
    expect(r.ok).toBe(true)
    expect(r.witness?.x).toEqual([2, 3])
  })

  it('accepts an unknown write that took effect long after its client gave up', () => {
    const h = [set(1, 'x', 'a', [0, null]), get(2, 'x', null, [10, 11]), get(3, 'x', 'a', [20, 21])]
    expectLinearizable(h)
  })

  it('uses two identical unknown writes when both are needed', () => {
    // "a" is seen, then overwritten by "b", then seen again: both unknown writes of "a" took effect.
    const h = [
      set(1, 'x', 'a', [0, null]),
      set(2, 'x', 'a', [1, null]),
      get(3, 'x', 'a', [4, 5]),
      set(4, 'x', 'b', [6, 7]),
      get(5, 'x', 'b', [8, 9]),
      get(6, 'x', 'a', [10, 11]),
    ]
    expectLinearizable(h)
    // Only the earlier of two identical unknown writes can explain an early read.
    expectLinearizable([set(1, 'z', 'a', [0, null]), set(2, 'z', 'a', [10, null]), get(3, 'z', 'a', [4, 5])])
    // The same with deletes: absent, present, absent again.
    expectLinearizable([
      del(1, 'y', null, [0, null]),
      del(2, 'y', null, [0, null]),
      set(3, 'y', 'a', [1, 2]),
      get(4, 'y', null, [3, 4]),
      set(5, 'y', 'b', [5, 6]),
      get(6, 'y', null, [7, 8]),
    ])
  })

  it('ignores fail ops entirely', () => {
    const h = [set(1, 'x', 'a', [0, 1]), failed(set(2, 'x', 'b', [2, 3])), get(3, 'x', 'a', [4, 5])]
    const r = checkLinearizability(h)
    expect(r.ok).toBe(true)
    expect(r.witness?.x).toEqual([1, 3])
  })

  it('accepts cas from absent (expected null), then a failed cas that saw the new value', () => {
    const h = [cas(1, 'x', null, 'a', [0, 1]), cas(2, 'x', null, 'b', [2, 3], 'a'), get(3, 'x', 'a', [4, 5])]
    expectLinearizable(h)
  })

  it('accepts delete returning the previous value and a cas chain through it', () => {
    const h = [
      set(1, 'x', 'a', [0, 1]),
      cas(2, 'x', 'a', 'b', [2, 6]),
      del(3, 'x', 'b', [3, 8]), // concurrent with the cas, saw its value
      cas(4, 'x', null, 'c', [9, 10]),
      get(5, 'x', 'c', [11, 12]),
    ]
    expectLinearizable(h)
  })

  it('accepts an unknown cas whose swap a later read observed', () => {
    const h = [set(1, 'x', 'a', [0, 1]), { ...cas(2, 'x', 'a', 'b', [2, null]) }, get(3, 'x', 'b', [30, 31])]
    expectLinearizable(h)
  })

  it('checks keys independently', () => {
    const h = [set(1, 'x', 'a', [0, 10]), set(2, 'y', 'b', [0, 10]), get(3, 'x', 'a', [11, 12]), get(4, 'y', 'b', [11, 12])]
    const r = checkLinearizability(h)
    expect(r.ok).toBe(true)
    expect(r.stats.keys).toBe(2)
    expect(r.witness).toEqual({ x: [1, 3], y: [2, 4] })
  })
})

describe('checkLinearizability: violations', () => {
  it('catches a stale read after a completed write, with the three ops that prove it', () => {
    const h = [
      set(1, 'x', 'a', [0, 1]),
      set(2, 'x', 'b', [2, 3]),
      get(3, 'x', 'a', [4, 5]),
      get(4, 'y', null, [0, 9]), // another key: not in the fragment
    ]
    const f = expectViolation(h, 'x')
    expect(ids(f.ops)).toEqual([1, 2, 3])
    expect(f.explanation).toContain('#3')
    expect(f.explanation).toContain('"a"')
  })

  it('catches a lost write: a completed write, then reads of the initial absence', () => {
    const h = [get(1, 'x', null, [0, 1]), set(2, 'x', 'a', [2, 3]), get(3, 'x', null, [4, 5]), get(4, 'x', 'a', [0, 9])]
    const f = expectViolation(h, 'x')
    expect(ids(f.ops)).toEqual([2, 3])
    expect(f.explanation).toContain('absent')
  })

  it('catches two cas that both swapped from the same value', () => {
    const h = [set(1, 'k', 'a', [0, 1]), cas(2, 'k', 'a', 'b', [2, 5]), cas(3, 'k', 'a', 'c', [3, 6])]
    const f = expectViolation(h, 'k')
    expect(ids(f.ops)).toEqual([1, 2, 3])
    expect(f.explanation).toMatch(/#2, #3 both swapped "k" from "a", but only 1 write of "a"/)
  })

  it('catches two cas that both swapped from absent', () => {
    const h = [cas(1, 'k', null, 'b', [0, 5]), cas(2, 'k', null, 'c', [1, 6]), get(3, 'k', 'c', [7, 8])]
    const f = expectViolation(h, 'k')
    expect(ids(f.ops)).toEqual([1, 2])
  })

  it('catches a read of a value never written, and names the value', () => {
    const h = [set(1, 'x', 'a', [0, 1]), get(2, 'x', 'zz', [2, 3]), set(3, 'x', 'b', [4, 5])]
    const f = expectViolation(h, 'x')
    expect(ids(f.ops)).toEqual([2])
    expect(f.explanation).toContain('"zz"')
    expect(f.explanation).toContain('no operation wrote')
  })

  it('catches a read from the future: the write began after the read finished', () => {
    const h = [get(1, 'x', 'a', [0, 1]), set(2, 'x', 'a', [5, 6])]
    const f = expectViolation(h, 'x')
    expect(ids(f.ops)).toEqual([1, 2])
    expect(f.explanation).toContain('before any write of it had begun')
  })

  it('catches a read going back in time while a write is still in flight', () => {
    // b is written by a long write; one read sees b, a later read sees the older a again.
    const h = [set(1, 'x', 'a', [0, 1]), set(2, 'x', 'b', [2, 20]), get(3, 'x', 'b', [3, 4]), get(4, 'x', 'a', [5, 6])]
    const f = expectViolation(h, 'x')
    expect(ids(f.ops)).toEqual([1, 2, 3, 4]) // #2 stays: #3 saw its value
    expect(f.explanation).toMatch(/#4 .* saw "a" .* #3 .* had read "b"/)
  })

  it('catches a delete that reports a value the key no longer held', () => {
    const h = [set(1, 'x', 'a', [0, 1]), set(2, 'x', 'b', [2, 3]), del(3, 'x', 'a', [4, 5])]
    const f = expectViolation(h, 'x')
    expect(ids(f.ops)).toEqual([1, 2, 3])
  })

  it('catches an answer no register gives (a set that reports another value)', () => {
    const bad: HistoryOp = { ...set(1, 'x', 'a', [0, 1]), result: { ok: true, value: 'b' } }
    const f = expectViolation([bad, get(2, 'x', 'a', [2, 3])], 'x')
    expect(ids(f.ops)).toEqual([1])
    expect(f.explanation).toContain('no register gives')
  })

  it('does not let an unknown write excuse a read that finished before the write began', () => {
    const h = [get(1, 'x', 'a', [0, 1]), set(2, 'x', 'a', [2, null])]
    expectViolation(h, 'x')
  })

  it('reports the first failing key in key order and stops', () => {
    const h = [set(1, 'b', 'v', [0, 1]), get(2, 'b', 'w', [2, 3]), set(3, 'a', 'v', [0, 1]), get(4, 'a', 'w', [2, 3])]
    const r = checkLinearizability(h)
    expect(r.failure?.key).toBe('a')
    expect(r.stats.keys).toBe(2)
  })

  it('gives up as inconclusive when the state budget is too small', () => {
    const h = generateHistory({ seed: 7, ops: 300, clients: 5, keys: 1 })
    const r = checkLinearizability(h, { maxStates: 10 })
    expect(r).toMatchObject({ ok: false, inconclusive: true })
    expect(r.failure).toBeUndefined()
    expect(checkLinearizability(h).ok).toBe(true)
  })

  it('rejects malformed histories', () => {
    const a = set(1, 'x', 'a', [0, 1])
    expect(() => checkLinearizability([a, { ...a }])).toThrow(/id 1 appears twice/)
    expect(() => checkLinearizability([{ ...a, complete: null }])).toThrow(/no finite complete time/)
    expect(() => checkLinearizability([{ ...a, invoke: 2 }])).toThrow(/completes before it is invoked/)
    expect(() => checkLinearizability([{ ...a, result: undefined }])).toThrow(/has no result/)
  })
})

describe('checkLinearizability: agrees with brute force on small random histories', () => {
  /** A random history of a few ops on one or two keys, with random (mostly wrong) answers. */
  function randomSmallHistory(rnd: () => number): History {
    const values = ['a', 'b', null] as const
    const anyValue = () => values[Math.floor(rnd() * 3)]
    const someValue = () => (rnd() < 0.5 ? 'a' : 'b')
    const n = 2 + Math.floor(rnd() * 6)
    const h: History = []
    for (let id = 1; id <= n; id++) {
      const key = rnd() < 0.8 ? 'x' : 'y'
      const invoke = Math.floor(rnd() * 8)
      const t: Time = [invoke, rnd() < 0.2 ? null : invoke + Math.floor(rnd() * 4)]
      const r = rnd()
      let op: HistoryOp
      if (r < 0.3) op = set(id, key, someValue(), t)
      else if (r < 0.6) op = get(id, key, anyValue(), t)
      else if (r < 0.75) op = del(id, key, anyValue(), t)
      else op = rnd() < 0.5 ? cas(id, key, anyValue(), someValue(), t) : cas(id, key, anyValue(), someValue(), t, anyValue())
      h.push(rnd() < 0.1 ? failed(op) : op)
    }
    return h
  }

  it('gives the same verdict as the oracle, valid witnesses, and failing fragments (3000 histories)', () => {
    const rnd = prng(20240601)
    let linearizable = 0
    for (let i = 0; i < 3000; i++) {
      const h = randomSmallHistory(rnd)
      const expected = bruteForce(h)
      const r = checkLinearizability(h)
      if (r.ok !== expected) throw new Error(`verdict ${r.ok}, oracle ${expected}: ${JSON.stringify(h)}`)
      if (r.ok) {
        linearizable++
        for (const [key, order] of Object.entries(r.witness ?? {})) {
          if (!isValidWitness(h, key, order)) throw new Error(`bad witness ${order}: ${JSON.stringify(h)}`)
        }
      } else {
        const ops = r.failure?.ops ?? []
        if (ops.length === 0 || bruteForce(ops)) throw new Error(`fragment linearizable: ${JSON.stringify(h)}`)
      }
    }
    // Both verdicts are well represented, or the comparison proves little.
    expect(linearizable).toBeGreaterThan(300)
    expect(linearizable).toBeLessThan(2700)
  })
})

describe('checkLinearizability: generated histories', () => {
  it('accepts linearizable-by-construction histories (several seeds, with unknown and fail ops)', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const h = generateHistory({ seed, ops: 400, clients: 5, keys: 1 + (seed % 3), unknownRate: 0.05 })
      expect(h.some((op) => op.outcome === 'unknown')).toBe(true)
      expect(h.some((op) => op.outcome === 'fail')).toBe(true)
      const r = checkLinearizability(h)
      expect(r.ok, `seed ${seed}: ${r.failure?.explanation}`).toBe(true)
      for (const [key, order] of Object.entries(r.witness ?? {})) expect(isValidWitness(h, key, order)).toBe(true)
    }
  })

  it('catches one read mutated to a stale value, and shrinks to a handful of ops around it', () => {
    for (const seed of [11, 12, 13]) {
      const h = generateHistory({ seed, ops: 600, clients: 5, keys: 2 })
      const stale = injectStaleRead(h, seed)
      if (stale === null) throw new Error(`seed ${seed}: no stale read could be injected`)
      const r = checkLinearizability(h)
      expect(r.ok).toBe(false)
      expect(r.failure?.key).toBe(stale.key)
      const ops = r.failure?.ops ?? []
      expect(ops.map((op) => op.id)).toContain(stale.id)
      expect(ops.length).toBeLessThanOrEqual(4)
      expect(checkLinearizability(ops).ok).toBe(false)
    }
  })

  it('accepts histories where values repeat, as when students type them', () => {
    for (const seed of [31, 32, 33]) {
      const h = generateHistory({ seed, ops: 400, clients: 5, keys: 1, valuePool: 2 + (seed % 3) })
      const r = checkLinearizability(h)
      expect(r.ok, `seed ${seed}: ${r.failure?.explanation}`).toBe(true)
      expect(isValidWitness(h, 'k0', r.witness?.k0 ?? [])).toBe(true)
    }
  })

  it('with repeated values, a corrupted read still yields a failing fragment and a bounded explanation', () => {
    let caught = 0
    // With three values and five clients most corruptions are still explainable; some are not.
    for (let seed = 41; seed <= 60; seed++) {
      const h = generateHistory({ seed, ops: 400, clients: 5, keys: 1, valuePool: 3 })
      const rnd = prng(seed)
      const gets = h.filter((op) => op.op === 'get' && op.outcome === 'ok')
      const victim = gets[Math.floor(rnd() * gets.length)]
      const before = victim.result?.value
      victim.result = { ok: true, value: before === 'v0' ? 'v1' : 'v0' }
      const r = checkLinearizability(h)
      if (r.ok) continue // the new value may have been possible too
      caught++
      const ops = r.failure?.ops ?? []
      expect(ops.map((op) => op.id)).toContain(victim.id)
      expect(checkLinearizability(ops).ok).toBe(false)
      expect(r.failure?.explanation.length).toBeLessThan(800)
    }
    expect(caught).toBeGreaterThanOrEqual(3)
  })

  it('is deterministic: the same history gives the same result', () => {
    const h = generateHistory({ seed: 21, ops: 500, clients: 5, keys: 2 })
    injectStaleRead(h, 21)
    expect(JSON.stringify(checkLinearizability(h))).toBe(JSON.stringify(checkLinearizability(h)))
  })
})
