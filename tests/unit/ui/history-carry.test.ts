/**
 * The history window keeps its earliest call and drops overwritten carried writes without scanning the window or the
 * carried list per answer (hundreds of answers per step under load). These tests hold it to the plain rule it
 * implements, written out the slow way: for random streams of client events, both give the checker the same input
 * after every event.
 */
import { describe, it, expect } from 'vitest'
import { ClientHistory } from '../../../src/ui/history/history.ts'
import type { ClientOp, ClusterEvent } from '../../../src/cluster/loop.ts'
import type { HistoryOp } from '../../../src/kv/history.ts'
import { Prng } from '../../../src/world/prng.ts'

function writes(op: HistoryOp): boolean {
  if (op.outcome === 'fail') return false
  if (op.op === 'set' || op.op === 'delete') return true
  return op.op === 'cas' && (op.outcome === 'unknown' || op.result?.ok === true)
}

/** The window's rule written the slow way: every answer scans the window, the calls in flight and the carried list. */
class Reference {
  window: HistoryOp[] = []
  carried = new Map<string, { op: HistoryOp; done: number | null }[]>()
  pending = new Map<number, number>()
  inFlight = new Map<number, HistoryOp>()
  lossy = false
  /** Carried writes dropped as overwritten before the window. */
  overwritten = 0
  readonly size: number
  readonly maxCarried: number
  constructor(size: number, maxCarried: number) {
    this.size = size
    this.maxCarried = maxCarried
  }

  handle(e: ClusterEvent): void {
    if (e.type !== 'client') return
    const op = e.op
    if (op.status === 'pending') {
      this.pending.set(op.id, op.invoke)
      this.inFlight.set(op.id, this.hist(op, null, 'unknown'))
      return
    }
    this.pending.delete(op.id)
    this.inFlight.delete(op.id)
    const h = this.hist(op, op.complete, op.status)
    if (op.result) h.result = op.result
    this.window.push(h)
    while (this.window.length > this.size) this.carry(this.window.shift()!)
  }

  hist(op: ClientOp, complete: number | null, outcome: HistoryOp['outcome']): HistoryOp {
    const h: HistoryOp = { id: op.id, client: op.client, op: op.op, key: op.key, invoke: op.invoke, complete, outcome }
    if (op.value !== undefined) h.value = op.value
    if (op.op === 'cas') h.expected = op.expected ?? null
    return h
  }

  carry(h: HistoryOp): void {
    if (!writes(h)) return
    const c: HistoryOp = { id: h.id, client: h.client, op: h.op, key: h.key, invoke: h.invoke, complete: null, outcome: 'unknown' }
    if (h.value !== undefined) c.value = h.value
    if (h.op === 'cas') c.expected = h.expected ?? null
    let list = this.carried.get(h.key)
    if (!list) this.carried.set(h.key, (list = []))
    list.push({ op: c, done: h.outcome === 'ok' ? h.complete : null })
    let start = Infinity
    for (const x of this.window) start = Math.min(start, x.invoke)
    for (const inv of this.pending.values()) start = Math.min(start, inv)
    const all = list
    const kept = all.filter((w) => w.done === null || !all.some((b) => b !== w && b.op.op !== 'cas' && b.done !== null && b.op.invoke > w.done! && b.done < start))
    this.overwritten += all.length - kept.length
    while (kept.length > this.maxCarried) {
      kept.shift()
      this.lossy = true
    }
    this.carried.set(h.key, kept)
  }

  checkInput(): { history: HistoryOp[]; lossy: boolean; from: number } {
    const byId = new Map<number, HistoryOp>()
    for (const h of this.window) byId.set(h.id, h)
    for (const list of this.carried.values()) for (const c of list) if (!byId.has(c.op.id)) byId.set(c.op.id, c.op)
    for (const h of this.inFlight.values()) if (writes(h) && !byId.has(h.id)) byId.set(h.id, h)
    return { history: [...byId.values()], lossy: this.lossy, from: this.window.length > 0 ? Math.min(...this.window.map((h) => h.invoke)) : 0 }
  }
}

/** Clients issuing one operation at a time on a few keys, answered in random order after random delays. */
function* stream(seed: number, events: number, clients: number): Generator<ClusterEvent> {
  const rng = new Prng(seed)
  const ops: KvOpName[] = ['set', 'set', 'get', 'delete', 'cas']
  let now = 0
  let id = 0
  const open: ClientOp[] = []
  const start = (client: string) => {
    const op = ops[rng.int(ops.length)]
    const o: ClientOp = { id: ++id, client, seq: id, op, key: `k${rng.int(3)}`, read: 'log', invoke: now, complete: null, status: 'pending', attempts: 1 }
    if (op === 'set' || op === 'cas') o.value = `v${id}`
    if (op === 'cas') o.expected = rng.chance(0.5) ? null : `v${rng.int(id) + 1}`
    open.push(o)
    return { type: 'client' as const, at: now, op: { ...o } }
  }
  for (let c = 0; c < clients; c++) yield start(`c${c}`)
  for (let n = 0; n < events; n++) {
    now += rng.int(3)
    const o = open.splice(rng.int(open.length), 1)[0]
    const r = rng.next()
    const status: ClientOp['status'] = r < 0.75 ? 'ok' : r < 0.85 ? 'fail' : 'unknown'
    const done: ClientOp = { ...o, status, complete: status === 'unknown' ? null : now }
    if (status === 'ok') done.result = { ok: o.op !== 'cas' || rng.chance(0.5), value: o.value ?? null }
    yield { type: 'client', at: now, op: done }
    yield start(o.client)
  }
}
type KvOpName = ClientOp['op']

describe('the history window (fast bookkeeping)', () => {
  for (const [window, carried, clients] of [
    [5, 4, 3],
    [20, 8, 12],
    [50, 64, 40],
  ] as const) {
    it(`gives the checker what the slow rule gives, after every event (window ${window}, ${carried} carried, ${clients} clients)`, () => {
      for (let seed = 1; seed <= 2; seed++) {
        const fast = new ClientHistory({ laneOps: 10, window, carried })
        const slow = new Reference(window, carried)
        let carriedSeen = 0
        let n = 0
        for (const e of stream(seed, 600, clients)) {
          fast.handle(e)
          slow.handle(e)
          const a = fast.checkInput()
          const b = slow.checkInput()
          expect(a, `seed ${seed}, event ${n}`).toEqual(b)
          carriedSeen = Math.max(carriedSeen, fast.carriedCount())
          n++
        }
        // The streams exercise the rule: writes were carried, and some carried writes were found overwritten.
        expect(carriedSeen).toBeGreaterThan(0)
        expect(slow.overwritten).toBeGreaterThan(0)
      }
    })
  }
})
