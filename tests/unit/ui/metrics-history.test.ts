import { describe, it, expect } from 'vitest'
import { ClientHistory, inState } from '../../../src/ui/history/history.ts'
import { checkLinearizability } from '../../../src/check/linearizability.ts'
import type { ClientOp, ClusterEvent } from '../../../src/browser/scheduler.ts'

let nextId = 0

/** Invoke and complete one operation: two client events, as the scheduler emits them. */
function run(h: ClientHistory, o: Partial<ClientOp> & Pick<ClientOp, 'client' | 'op' | 'key' | 'invoke'>, end: number, status: ClientOp['status'], extra: Partial<ClientOp> = {}): ClientOp {
  const op: ClientOp = { id: ++nextId, seq: nextId, read: 'log', complete: null, status: 'pending', attempts: 1, ...o }
  h.handle({ type: 'client', at: op.invoke, op: { ...op } } as ClusterEvent)
  const done: ClientOp = { ...op, ...extra, status, complete: status === 'unknown' ? null : end }
  h.handle({ type: 'client', at: end, op: done } as ClusterEvent)
  return done
}

describe('client history lane', () => {
  it('records each operation from invoke to its end, with outcome, index and node', () => {
    const h = new ClientHistory()
    run(h, { client: 'you1', op: 'set', key: 'x', value: '1', invoke: 10 }, 40, 'ok', { index: 7, node: 'n2', result: { ok: true, value: '1' } })
    run(h, { client: 'you1', op: 'set', key: 'y', value: '2', invoke: 50 }, 3050, 'unknown')
    const ops = h.ops()
    expect(ops.map((o) => [o.client, o.status, o.invoke, o.end, o.index, o.node])).toEqual([
      ['you1', 'ok', 10, 40, 7, 'n2'],
      ['you1', 'unknown', 50, 3050, undefined, undefined],
    ])
  })

  it('keeps at most laneOps operations', () => {
    const h = new ClientHistory({ laneOps: 10 })
    for (let i = 0; i < 50; i++) run(h, { client: 'c', op: 'get', key: 'k', invoke: i * 10 }, i * 10 + 5, 'ok', { result: { ok: true, value: null } })
    expect(h.ops().length).toBe(10)
    expect(h.ops()[0].invoke).toBe(400)
  })
})

describe('linearizability window', () => {
  it('a read of a value written before the window still checks: the write is carried as unknown', () => {
    const h = new ClientHistory({ window: 1 })
    run(h, { client: 'a', op: 'set', key: 'x', value: 'v1', invoke: 0 }, 10, 'ok', { result: { ok: true, value: 'v1' } })
    run(h, { client: 'b', op: 'get', key: 'x', invoke: 20 }, 30, 'ok', { result: { ok: true, value: 'v1' } })
    const { history } = h.checkInput()
    // Alone, the window's read would be a violation (the key starts absent)...
    expect(checkLinearizability(history.filter((o) => o.op === 'get')).ok).toBe(false)
    // ...with the carried write it is not.
    expect(h.check().kind).toBe('ok')
  })

  it('finds a violation and returns the failing fragment', () => {
    const h = new ClientHistory()
    run(h, { client: 'a', op: 'set', key: 'x', value: '1', invoke: 0 }, 10, 'ok', { result: { ok: true, value: '1' } })
    run(h, { client: 'a', op: 'set', key: 'x', value: '2', invoke: 20 }, 30, 'ok', { result: { ok: true, value: '2' } })
    const stale = run(h, { client: 'b', op: 'get', key: 'x', invoke: 40 }, 50, 'ok', { result: { ok: true, value: '1' } })
    run(h, { client: 'b', op: 'get', key: 'y', invoke: 60 }, 70, 'ok', { result: { ok: true, value: null } })
    const v = h.check()
    expect(v.kind).toBe('fail')
    if (v.kind !== 'fail') return
    expect(v.key).toBe('x')
    expect(v.fragment.map((o) => o.id)).toContain(stale.id)
    expect(v.fragment.every((o) => o.key === 'x')).toBe(true)
    expect(v.explanation.length).toBeGreaterThan(0)
  })

  it('an unknown write that never took effect is linearizable (the minority write)', () => {
    const h = new ClientHistory()
    run(h, { client: 'you1', op: 'set', key: 'm', value: 'lost', invoke: 0 }, 3000, 'unknown')
    run(h, { client: 'you2', op: 'get', key: 'm', invoke: 3100 }, 3120, 'ok', { result: { ok: true, value: null } })
    expect(h.check().kind).toBe('ok')
  })

  it('stays bounded over a long correct history and keeps accepting it', () => {
    const h = new ClientHistory({ window: 100, laneOps: 100 })
    const value = new Map<string, string | null>()
    let t = 0
    for (let i = 0; i < 3000; i++) {
      const key = `k${i % 3}`
      const c = `c${i % 4}`
      if (i % 3 === 0) {
        run(h, { client: c, op: 'get', key, invoke: t }, t + 5, 'ok', { result: { ok: true, value: value.get(key) ?? null } })
      } else if (i % 97 === 0) {
        run(h, { client: c, op: 'set', key, value: `u${i}`, invoke: t }, t + 3000, 'unknown') // never applied
      } else {
        value.set(key, `v${i}`)
        run(h, { client: c, op: 'set', key, value: `v${i}`, invoke: t }, t + 5, 'ok', { result: { ok: true, value: `v${i}` } })
      }
      t += 10
    }
    expect(h.checkInput().history.length).toBeLessThanOrEqual(100 + 3 * 64)
    // Overwritten writes are dropped: only the last write before the window and the unknown ones stay.
    expect(h.carriedCount()).toBeLessThan(40)
    expect(h.check().kind).toBe('ok')
  })
})

describe('in the final state', () => {
  it('says whether a write’s value is there now', () => {
    const kv: [string, string][] = [['x', '1']]
    expect(inState({ op: 'set', key: 'x', value: '1' }, kv)).toBe('in')
    expect(inState({ op: 'set', key: 'x', value: '2' }, kv)).toBe('not')
    expect(inState({ op: 'set', key: 'm', value: 'lost' }, kv)).toBe('not')
    expect(inState({ op: 'delete', key: 'm' }, kv)).toBe('in')
    expect(inState({ op: 'get', key: 'x' }, kv)).toBeNull()
    expect(inState({ op: 'set', key: 'x', value: '1' }, undefined)).toBeNull()
  })
})
