import { describe, it, expect } from 'vitest'
import { checkLinearizability } from '../../../src/check/linearizability.ts'
import { searchKey } from '../../../src/check/lin-search.ts'
import { sweepKey } from '../../../src/check/lin-sweep.ts'
import type { History, HistoryOp } from '../../../src/kv/history.ts'
import { Simulator } from '../../../src/sim/simulator.ts'
import { BUSY_KV_SIM, bruteForce, generateHistory, injectStaleRead, isValidWitness, plantStaleRead, prng } from './linearizability-gen.ts'

/**
 * The sweep (lin-sweep.ts) against two independent deciders: the brute-force oracle on small histories, and the
 * depth-first search (lin-search.ts) on histories too long for the oracle. Histories come from the generator
 * (linearizable by construction, with unknown ops that took effect late or never, and values that repeat so that
 * unknown writes matter), then half of them get one answer corrupted.
 */

/** Changes the answer of one random ok op to another plausible value. */
function corrupt(h: History, rnd: () => number, values: string[]): void {
  const answered = h.filter((op) => op.outcome === 'ok' && op.op !== 'set')
  if (answered.length === 0) return
  const op = answered[Math.floor(rnd() * answered.length)]
  const r = op.result as { ok: boolean; value: string | null }
  const choices = [...values, null].filter((v) => v !== r.value)
  const value = choices[Math.floor(rnd() * choices.length)]
  // A cas may also flip between swapped and not swapped.
  if (op.op === 'cas' && rnd() < 0.3) op.result = { ok: !r.ok, value: r.ok ? value : (op.value as string) }
  else op.result = { ok: r.ok, value }
}

function smallHistory(seed: number): History {
  const rnd = prng(seed)
  const pool = 2 + Math.floor(rnd() * 2)
  const h = generateHistory({
    seed,
    ops: 3 + Math.floor(rnd() * 6),
    clients: 2 + Math.floor(rnd() * 3),
    keys: 1,
    unknownRate: 0.3,
    failRate: 0.05,
    valuePool: pool,
  })
  if (rnd() < 0.5) {
    corrupt(
      h,
      rnd,
      Array.from({ length: pool }, (_, i) => `v${i}`),
    )
  }
  return h
}

describe('the sweep agrees with brute force on small histories', () => {
  it('same verdict, valid witnesses, failing fragments (600 histories with unknown ops and concurrency)', () => {
    let linearizable = 0
    let withUnknown = 0
    for (let seed = 1; seed <= 600; seed++) {
      const h = smallHistory(seed)
      if (h.some((op) => op.outcome === 'unknown')) withUnknown++
      const expected = bruteForce(h)
      const r = checkLinearizability(h)
      if (r.verdict === 'inconclusive') throw new Error(`seed ${seed}: inconclusive`)
      if (r.ok !== expected) throw new Error(`seed ${seed}: verdict ${r.ok}, oracle ${expected}: ${JSON.stringify(h)}`)
      if (r.ok) {
        linearizable++
        expect(r.verdict).toBe('ok')
        for (const [key, order] of Object.entries(r.witness ?? {})) {
          if (!isValidWitness(h, key, order)) throw new Error(`seed ${seed}: bad witness ${order}: ${JSON.stringify(h)}`)
        }
      } else {
        expect(r.verdict).toBe('violation')
        const ops = r.failure?.ops ?? []
        for (const op of ops) expect(h).toContain(op)
        if (ops.length === 0 || bruteForce(ops)) throw new Error(`seed ${seed}: fragment linearizable: ${JSON.stringify(h)}`)
      }
    }
    expect(linearizable).toBeGreaterThan(200)
    expect(linearizable).toBeLessThan(500)
    expect(withUnknown).toBeGreaterThan(300)
  })
})

describe('the sweep agrees with the depth-first search on longer histories', () => {
  it('same verdict on 300 histories of 20 to 60 ops (one key, repeated values, unknown ops)', () => {
    let failing = 0
    for (let seed = 1001; seed <= 1300; seed++) {
      const rnd = prng(seed)
      const pool = 2 + Math.floor(rnd() * 3)
      const h = generateHistory({
        seed,
        ops: 20 + Math.floor(rnd() * 40),
        clients: 2 + Math.floor(rnd() * 5),
        keys: 1,
        unknownRate: 0.1 + rnd() * 0.2,
        valuePool: pool,
      })
      if (rnd() < 0.5) corrupt(h, rnd, Array.from({ length: pool }, (_, i) => `v${i}`))
      const sweep = sweepKey(h, 1_000_000)
      const dfs = searchKey(h, 1_000_000)
      if (sweep === null) throw new Error(`seed ${seed}: more than 32 pending ops`)
      expect(sweep.verdict, `seed ${seed}: ${JSON.stringify(h)}`).toBe(dfs.verdict)
      if (sweep.verdict === 'ok') expect(isValidWitness(h, 'k0', sweep.order)).toBe(true)
      else failing++
    }
    expect(failing).toBeGreaterThan(30)
    expect(failing).toBeLessThan(270)
  })
})

describe('the sweep: unknown ops', () => {
  const op = (o: Partial<HistoryOp> & Pick<HistoryOp, 'id' | 'op' | 'invoke'>): HistoryOp => ({
    client: `c${o.id}`,
    key: 'x',
    complete: null,
    outcome: 'unknown',
    ...o,
  })
  const ok = (o: Partial<HistoryOp> & Pick<HistoryOp, 'id' | 'op' | 'invoke' | 'complete'>, value: string | null, swapped = true): HistoryOp =>
    op({ ...o, outcome: 'ok', result: { ok: swapped, value } })

  it('an unknown write may take effect long after a write that finished later than its call', () => {
    const h = [
      op({ id: 1, op: 'set', value: 'a', invoke: 0 }),
      ok({ id: 2, op: 'set', value: 'b', invoke: 1, complete: 2 }, 'b'),
      ok({ id: 3, op: 'get', invoke: 10, complete: 11 }, 'a'),
    ]
    expect(checkLinearizability(h).ok).toBe(true)
    expect(bruteForce(h)).toBe(true)
  })

  it('an unknown write that took effect for one read cannot take effect again for a later one', () => {
    const h = [
      op({ id: 1, op: 'set', value: 'a', invoke: 0 }),
      ok({ id: 2, op: 'get', invoke: 1, complete: 2 }, 'a'),
      ok({ id: 3, op: 'set', value: 'b', invoke: 3, complete: 4 }, 'b'),
      ok({ id: 4, op: 'get', invoke: 5, complete: 6 }, 'a'),
    ]
    expect(bruteForce(h)).toBe(false)
    const r = checkLinearizability(h)
    expect(r.verdict).toBe('violation')
    expect(r.failure?.ops.map((o) => o.id)).toContain(4)
  })

  it('chains unknown ops: a set, then a cas, to reach the value a read saw', () => {
    const h = [
      op({ id: 1, op: 'set', value: 'a', invoke: 0 }),
      op({ id: 2, op: 'cas', expected: 'a', value: 'b', invoke: 1 }),
      ok({ id: 3, op: 'set', value: 'c', invoke: 2, complete: 3 }, 'c'),
      ok({ id: 4, op: 'get', invoke: 4, complete: 5 }, 'b'),
    ]
    expect(bruteForce(h)).toBe(true)
    const r = checkLinearizability(h)
    expect(r.ok).toBe(true)
    expect(r.witness?.x).toEqual([3, 1, 2, 4])
    // Without the set of "a" the cas can never swap.
    const without = h.filter((o) => o.id !== 1)
    expect(bruteForce(without)).toBe(false)
    expect(checkLinearizability(without).verdict).toBe('violation')
  })

  it('counts identical unknown writes: two of them explain two returns of a value, not three', () => {
    const base = [
      op({ id: 1, op: 'set', value: 'a', invoke: 0 }),
      op({ id: 2, op: 'set', value: 'a', invoke: 0 }),
      ok({ id: 3, op: 'set', value: 'b', invoke: 1, complete: 2 }, 'b'),
      ok({ id: 4, op: 'get', invoke: 3, complete: 4 }, 'a'),
      ok({ id: 5, op: 'set', value: 'b', invoke: 5, complete: 6 }, 'b'),
      ok({ id: 6, op: 'get', invoke: 7, complete: 8 }, 'a'),
    ]
    expect(checkLinearizability(base).ok).toBe(true)
    const third = [
      ...base,
      ok({ id: 7, op: 'set', value: 'b', invoke: 9, complete: 10 }, 'b'),
      ok({ id: 8, op: 'get', invoke: 11, complete: 12 }, 'a'),
    ]
    expect(bruteForce(third)).toBe(false)
    expect(checkLinearizability(third).verdict).toBe('violation')
  })

  it('decides a key with more than 32 ops pending at once (falls back to the depth-first search)', () => {
    const h: History = [ok({ id: 1, op: 'set', value: 'a', invoke: 0, complete: 1 }, 'a')]
    for (let i = 2; i <= 41; i++) h.push(ok({ id: i, op: 'get', invoke: 2, complete: 100 }, 'a'))
    expect(sweepKey(h, 1000)).toBeNull()
    expect(checkLinearizability(h).ok).toBe(true)
    // The same after a stale read.
    const stale = [
      ok({ id: 101, op: 'set', value: 'b', invoke: 0, complete: 1 }, 'b'),
      ok({ id: 102, op: 'set', value: 'c', invoke: 2, complete: 3 }, 'c'),
      ok({ id: 103, op: 'get', invoke: 4, complete: 5 }, 'b'),
    ]
    const later = h.map((o) => ({ ...o, invoke: o.invoke + 10, complete: (o.complete as number) + 10 }))
    const r = checkLinearizability([...stale, ...later])
    expect(r.verdict).toBe('violation')
    expect(r.failure?.ops.map((o) => o.id)).toEqual([101, 102, 103])
  })
})

describe('the sweep on long histories (reduced sizes of the bench cases)', () => {
  it('decides a 5,000-op single-key history with 15% unknown outcomes, with a valid witness', () => {
    const h = generateHistory({ seed: 1, ops: 5_000, clients: 5, keys: 1, unknownRate: 0.15 })
    expect(h.filter((op) => op.outcome === 'unknown').length).toBeGreaterThan(500)
    const r = checkLinearizability(h)
    expect(r.verdict).toBe('ok')
    expect(isValidWitness(h, 'k0', r.witness?.k0 ?? [])).toBe(true)
  })

  it('finds a stale read planted in the middle of a generated history and shrinks it to at most 10 ops', () => {
    const h = generateHistory({ seed: 5, ops: 5_000, clients: 5, keys: 1, unknownRate: 0.15 })
    const stale = injectStaleRead(h, 5)
    if (stale === null) throw new Error('no stale read could be planted')
    const r = checkLinearizability(h)
    expect(r.verdict).toBe('violation')
    const ops = r.failure?.ops ?? []
    expect(ops.map((op) => op.id)).toContain(stale.id)
    expect(ops.length).toBeLessThanOrEqual(10)
    expect(bruteForce(ops)).toBe(false)
  })

  it('finds a stale read planted in the middle of a simulator history and shrinks it to at most 10 ops', () => {
    const sim = new Simulator(BUSY_KV_SIM)
    sim.runUntil(2_500)
    sim.workload.stop()
    sim.runUntil(5_000)
    const h = sim.workload.history
    expect(h.length).toBeGreaterThan(2_000)
    expect(checkLinearizability(h).ok).toBe(true)
    const planted = plantStaleRead(h)
    const r = checkLinearizability(h)
    expect(r.verdict).toBe('violation')
    const ops = r.failure?.ops ?? []
    expect(ops.map((op) => op.id)).toContain(planted.id)
    expect(ops.length).toBeLessThanOrEqual(10)
    expect(bruteForce(ops)).toBe(false)
  })
})
