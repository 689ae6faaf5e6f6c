import { describe, it, expect } from 'vitest'
import { ClientHistory } from '../../../src/ui/history/history.ts'
import type { ClientOp, ClusterEvent } from '../../../src/cluster/loop.ts'

/** A client event as the loop emits it: `pending` when submitted, then its outcome. */
function ev(at: number, op: Partial<ClientOp> & Pick<ClientOp, 'id' | 'client' | 'op' | 'key' | 'invoke' | 'status'>): ClusterEvent {
  const full: ClientOp = { seq: op.id, read: 'log', complete: op.status === 'pending' ? null : at, attempts: 1, ...op }
  return { type: 'client', at, op: full }
}

describe('the history window never accuses a correct history', () => {
  it('a cas that needs an older set keeps that set carried (a cas does not overwrite blindly)', () => {
    const h = new ClientHistory({ laneOps: 1, window: 2 })
    h.handle(ev(0, { id: 1, client: 'a', op: 'set', key: 'k', value: 'v1', invoke: 0, status: 'pending' }))
    h.handle(ev(5, { id: 1, client: 'a', op: 'set', key: 'k', value: 'v1', invoke: 0, status: 'ok', result: { ok: true, value: 'v1' } }))
    h.handle(ev(10, { id: 2, client: 'a', op: 'cas', key: 'k', value: 'v2', expected: 'v1', invoke: 10, status: 'pending' }))
    h.handle(ev(15, { id: 2, client: 'a', op: 'cas', key: 'k', value: 'v2', expected: 'v1', invoke: 10, status: 'ok', result: { ok: true, value: 'v2' } }))
    // Two more operations push both out of the window: they are carried as writes that may have happened.
    for (const [id, t] of [[3, 20], [4, 30]] as const) {
      h.handle(ev(t, { id, client: 'b', op: 'get', key: 'other', invoke: t, status: 'pending' }))
      h.handle(ev(t + 2, { id, client: 'b', op: 'get', key: 'other', invoke: t, status: 'ok', result: { ok: true, value: null } }))
    }
    h.handle(ev(40, { id: 5, client: 'c', op: 'get', key: 'k', invoke: 40, status: 'pending' }))
    h.handle(ev(44, { id: 5, client: 'c', op: 'get', key: 'k', invoke: 40, status: 'ok', result: { ok: true, value: 'v2' } }))
    expect(h.check().kind).toBe('ok')
  })

  it('an operation seen twice (the lane starts from the history while the same answers stream in) is checked once', () => {
    const h = new ClientHistory({ laneOps: 1, window: 50 })
    const done = ev(5, { id: 1, client: 'a', op: 'set', key: 'k', value: 'v1', invoke: 0, status: 'ok', result: { ok: true, value: 'v1' } })
    h.handle(done)
    h.handle(ev(0, { id: 1, client: 'a', op: 'set', key: 'k', value: 'v1', invoke: 0, status: 'pending' }))
    h.handle(done)
    h.handle(ev(10, { id: 2, client: 'b', op: 'get', key: 'k', invoke: 8, status: 'ok', result: { ok: true, value: 'v1' } }))
    expect(h.check().kind).toBe('ok')
  })

  it('a read may see a write still in flight', () => {
    const h = new ClientHistory({ laneOps: 1, window: 50 })
    h.handle(ev(0, { id: 1, client: 'a', op: 'set', key: 'k', value: 'v1', invoke: 0, status: 'pending' }))
    h.handle(ev(3, { id: 2, client: 'b', op: 'get', key: 'k', invoke: 3, status: 'pending' }))
    h.handle(ev(6, { id: 2, client: 'b', op: 'get', key: 'k', invoke: 3, status: 'ok', result: { ok: true, value: 'v1' } }))
    expect(h.check().kind).toBe('ok')
  })

  it('still fails a read of a value nobody wrote', () => {
    const h = new ClientHistory({ laneOps: 1, window: 50 })
    h.handle(ev(0, { id: 1, client: 'a', op: 'set', key: 'k', value: 'v1', invoke: 0, status: 'pending' }))
    h.handle(ev(3, { id: 2, client: 'b', op: 'get', key: 'k', invoke: 3, status: 'pending' }))
    h.handle(ev(6, { id: 2, client: 'b', op: 'get', key: 'k', invoke: 3, status: 'ok', result: { ok: true, value: 'v9' } }))
    expect(h.check().kind).toBe('fail')
  })
})
