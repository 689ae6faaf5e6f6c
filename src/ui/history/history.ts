/**
 * The client history as the lane draws it, and the bounded window of it that the linearizability checker reads.
 * Fed by the scheduler's `client` events; plain data, no Svelte.
 *
 * The checker starts every key absent, so a window that simply forgot older operations could fail a correct
 * history (a read of a value written before the window). Instead, when an operation leaves the window, a write
 * is carried on as an operation of unknown outcome (it may have taken effect at any time after its call, or
 * not), and a read is dropped. Any linearization of the whole history is then one of the window too (the carried
 * writes take effect where they did, the dropped reads constrain nothing), so the window never fails a correct
 * history; it can only miss a violation that needs forgotten reads. A carried write that completed before
 * another carried write was called, which itself completed before every operation in the window was called, is
 * overwritten before the window starts and is dropped. If too many carried writes pile up on one key, the oldest
 * are dropped and a failure is then reported as inconclusive, never as a violation.
 */
import type { NodeId } from '../../raft/types.ts'
import type { ClientOp, ClusterEvent } from '../../browser/scheduler.ts'
import type { HistoryOp } from '../../kv/history.ts'
import { checkLinearizability, type LinearizabilityResult } from '../../check/linearizability.ts'

/** One operation as the lane draws it. */
export interface LaneOp {
  id: number
  client: string
  op: ClientOp['op']
  key: string
  value?: string
  expected?: string | null
  invoke: number
  /** When it was answered, or when the client gave up (unknown); null while pending. */
  end: number | null
  status: ClientOp['status']
  index?: number
  node?: NodeId
  result?: ClientOp['result']
  error?: string
}

export interface HistoryOptions {
  /** Operations the lane keeps (newest). */
  laneOps: number
  /** Completed operations in the checker's window. */
  window: number
  /** Carried writes kept per key before the window becomes lossy. */
  carried: number
}

export const DEFAULT_HISTORY: HistoryOptions = { laneOps: 600, window: 400, carried: 64 }

export type Verdict =
  | { kind: 'none' }
  | { kind: 'ok'; ops: number; from: number }
  | { kind: 'inconclusive'; ops: number; from: number }
  | { kind: 'fail'; ops: number; from: number; key: string; fragment: HistoryOp[]; explanation: string }
  | { kind: 'error'; message: string }

/** Does this op (as the checker sees it) leave a value in the register? */
function writes(op: HistoryOp): boolean {
  if (op.outcome === 'fail') return false
  if (op.op === 'set' || op.op === 'delete') return true
  return op.op === 'cas' && (op.outcome === 'unknown' || op.result?.ok === true)
}

interface Carried {
  op: HistoryOp
  /** The completion time it really had (null if its outcome was unknown): used to drop overwritten ones. */
  done: number | null
}

export class ClientHistory {
  readonly opts: HistoryOptions
  private lane: LaneOp[] = []
  private byId = new Map<number, LaneOp>()
  private window: HistoryOp[] = []
  /**
   * The window's operations whose call is earlier than that of every operation completed after them, oldest first:
   * its first is the window's earliest call (a sliding-window minimum, so that no answer scans the window).
   */
  private earliest: HistoryOp[] = []
  private carried = new Map<string, Carried[]>()
  /** Operations in flight -> their call time, in the order they were called (see `pendingInOrder`). */
  private pending = new Map<number, number>()
  /** True while calls arrived in time order: the first pending operation is then the earliest one. */
  private pendingInOrder = true
  private lastPendingInvoke = -Infinity
  /** Operations still in flight: they may take effect at any moment, so the checker must see them. */
  private inFlight = new Map<number, HistoryOp>()
  private lossy = false
  /** Bumped on every change, so that a view redraws and the checker reruns only when needed. */
  version = 0

  constructor(opts: Partial<HistoryOptions> = {}) {
    this.opts = { ...DEFAULT_HISTORY, ...opts }
  }

  handle(e: ClusterEvent): void {
    if (e.type !== 'client') return
    const op = e.op
    let l = this.byId.get(op.id)
    if (!l) {
      l = { id: op.id, client: op.client, op: op.op, key: op.key, invoke: op.invoke, end: null, status: op.status }
      if (op.value !== undefined) l.value = op.value
      if (op.op === 'cas') l.expected = op.expected ?? null
      this.byId.set(op.id, l)
      this.lane.push(l)
      if (this.lane.length > this.opts.laneOps) this.byId.delete(this.lane.shift()!.id)
    }
    l.status = op.status
    l.index = op.index
    l.node = op.node
    l.result = op.result
    l.error = op.error
    if (op.status === 'pending') {
      if (!this.pending.has(op.id)) {
        if (op.invoke < this.lastPendingInvoke) this.pendingInOrder = false
        this.lastPendingInvoke = op.invoke
      }
      this.pending.set(op.id, op.invoke)
      const h: HistoryOp = { id: op.id, client: op.client, op: op.op, key: op.key, invoke: op.invoke, complete: null, outcome: 'unknown' }
      if (op.value !== undefined) h.value = op.value
      if (op.op === 'cas') h.expected = op.expected ?? null
      this.inFlight.set(op.id, h)
    } else {
      l.end = op.complete ?? e.at
      this.pending.delete(op.id)
      if (this.pending.size === 0) {
        this.pendingInOrder = true
        this.lastPendingInvoke = -Infinity
      }
      this.inFlight.delete(op.id)
      this.complete(op)
    }
    this.version++
  }

  /** The newest operations (at most `laneOps`), oldest first. */
  ops(): readonly LaneOp[] {
    return this.lane
  }

  private complete(op: ClientOp): void {
    const h: HistoryOp = { id: op.id, client: op.client, op: op.op, key: op.key, invoke: op.invoke, complete: op.complete, outcome: op.status === 'pending' ? 'unknown' : op.status }
    if (op.value !== undefined) h.value = op.value
    if (op.op === 'cas') h.expected = op.expected ?? null
    if (op.result) h.result = op.result
    this.window.push(h)
    const e = this.earliest
    while (e.length > 0 && e[e.length - 1].invoke >= h.invoke) e.pop()
    e.push(h)
    while (this.window.length > this.opts.window) {
      const gone = this.window.shift()!
      if (e[0] === gone) e.shift()
      this.carry(gone)
    }
  }

  /** Earliest call among the window's operations and those still pending. */
  private windowStart(): number {
    let t = this.earliest.length > 0 ? this.earliest[0].invoke : Infinity
    if (this.pendingInOrder) {
      for (const inv of this.pending.values()) return Math.min(t, inv)
      return t
    }
    for (const inv of this.pending.values()) if (inv < t) t = inv
    return t
  }

  private carry(h: HistoryOp): void {
    if (!writes(h)) return
    const c: HistoryOp = { id: h.id, client: h.client, op: h.op, key: h.key, invoke: h.invoke, complete: null, outcome: 'unknown' }
    if (h.value !== undefined) c.value = h.value
    if (h.op === 'cas') c.expected = h.expected ?? null
    let list = this.carried.get(h.key)
    if (!list) this.carried.set(h.key, (list = []))
    list.push({ op: c, done: h.outcome === 'ok' ? h.complete : null })
    const start = this.windowStart()
    // w is overwritten before the window by b when w completed before b was called and b completed before `start`,
    // and b is a blind write (set, delete): a cas writes only when it finds the value it expects, which may be w's.
    // So w goes when the latest call among such writes b is after w completed (b is never w: w completed after its
    // call). One pass for the latest call, one to keep.
    let latest = -Infinity
    for (const b of list) if (b.op.op !== 'cas' && b.done !== null && b.done < start && b.op.invoke > latest) latest = b.op.invoke
    const kept = latest === -Infinity ? list : list.filter((w) => w.done === null || !(latest > w.done))
    while (kept.length > this.opts.carried) {
      kept.shift()
      this.lossy = true
    }
    this.carried.set(h.key, kept)
  }

  /** The window the checker reads: carried writes first, then the completed operations. */
  checkInput(): { history: HistoryOp[]; lossy: boolean; from: number } {
    // One entry per operation: what it completed with (window) over a carried summary of it, over it in flight. An
    // operation can be seen twice when the lane starts from the cluster's history while the same answers stream in.
    const byId = new Map<number, HistoryOp>()
    for (const h of this.window) byId.set(h.id, h)
    for (const list of this.carried.values()) for (const c of list) if (!byId.has(c.op.id)) byId.set(c.op.id, c.op)
    // Writes still in flight may already have taken effect (a read may see them before their answer comes).
    for (const h of this.inFlight.values()) if (writes(h) && !byId.has(h.id)) byId.set(h.id, h)
    const history = [...byId.values()]
    const from = this.earliest.length > 0 ? this.earliest[0].invoke : 0
    return { history, lossy: this.lossy, from }
  }

  /** How many carried writes there are (for tests: the window stays bounded). */
  carriedCount(): number {
    let n = 0
    for (const list of this.carried.values()) n += list.length
    return n
  }

  /** Run the checker over the window. Takes milliseconds to (rarely) a second: call it off the frame loop. */
  check(maxStates = 200_000): Verdict {
    const { history, lossy, from } = this.checkInput()
    const ops = this.window.length
    if (ops === 0) return { kind: 'none' }
    let r: LinearizabilityResult
    try {
      r = checkLinearizability(history, { maxStates })
    } catch (e) {
      return { kind: 'error', message: e instanceof Error ? e.message : String(e) }
    }
    if (r.ok) return { kind: 'ok', ops, from }
    if (r.inconclusive || !r.failure || lossy) return { kind: 'inconclusive', ops, from }
    return { kind: 'fail', ops, from, key: r.failure.key, fragment: r.failure.ops, explanation: r.failure.explanation }
  }
}

/**
 * Whether the effect of a write is in a node's key/value contents now: 'in' when the key holds the value it wrote
 * (or, for delete, the key is absent), 'not' otherwise; null for reads and when the contents are not known.
 * 'not' says only that the value is not there now: it was never applied, or a later write replaced it.
 */
export function inState(op: Pick<LaneOp, 'op' | 'key' | 'value'>, contents: readonly [string, string][] | undefined): 'in' | 'not' | null {
  if (!contents || op.op === 'get') return null
  const cur = contents.find(([k]) => k === op.key)
  if (op.op === 'delete') return cur === undefined ? 'in' : 'not'
  return cur !== undefined && cur[1] === op.value ? 'in' : 'not'
}
