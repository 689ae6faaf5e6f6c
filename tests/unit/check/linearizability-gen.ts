/**
 * Test helpers for the linearizability checker, shared by its tests and bench/linearizability.bench.ts:
 * - a generator of histories that are linearizable by construction: clients call a real register, each op takes
 *   effect at one random instant between its call and its answer, and the answer is what the register said;
 * - a brute-force oracle for tiny histories, and a witness validator.
 */
import type { KvOp } from '../../../src/kv/command.ts'
import type { History, HistoryOp } from '../../../src/kv/history.ts'
import type { KvResult } from '../../../src/kv/store.ts'
import { defaultNetworkConfig } from '../../../src/world/network.ts'
import type { SimOptions } from '../../../src/sim/types.ts'

/** A seeded PRNG (mulberry32) returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let s = seed | 0
  return () => {
    s = (s + 0x6d2b79f5) | 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface GenOptions {
  seed: number
  ops: number
  clients: number
  keys: number
  /** Share of ops whose answer is lost (outcome unknown); half of them take effect anyway. Default 0.03. */
  unknownRate?: number
  /** Share of ops rejected without effect (outcome fail). Default 0.02. */
  failRate?: number
  /** Draw written values from this many (`v0`..), as a student typing would; default: every write is unique. */
  valuePool?: number
}

interface Pending {
  op: HistoryOp
  fate: 'ok' | 'fail' | 'unknown'
  /** Whether it will take effect (always for ok, never for fail). */
  willApply: boolean
  applied: boolean
  result?: KvResult
}

/** A linearizable history of `ops` operations. Values are unique per write (`v<id>`) unless `valuePool` is set. */
export function generateHistory(o: GenOptions): History {
  const rnd = prng(o.seed)
  const unknownRate = o.unknownRate ?? 0.03
  const failRate = o.failRate ?? 0.02
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]
  const keys = Array.from({ length: o.keys }, (_, i) => `k${i}`)
  const register = new Map<string, string>()
  const written: string[] = []
  const history: History = []
  const clients: (Pending | null)[] = Array.from({ length: o.clients }, () => null)
  /** Unknown ops whose client gave up before they took effect, but which will still take effect. */
  const floating: Pending[] = []
  let time = 0
  let nextId = 1

  const applyOp = (p: Pending): void => {
    const { op } = p
    const current = register.get(op.key) ?? null
    let result: KvResult
    switch (op.op) {
      case 'set':
        register.set(op.key, op.value as string)
        result = { ok: true, value: op.value as string }
        break
      case 'get':
        result = { ok: true, value: current }
        break
      case 'delete':
        register.delete(op.key)
        result = { ok: true, value: current }
        break
      case 'cas':
        if (current === op.expected) {
          register.set(op.key, op.value as string)
          result = { ok: true, value: op.value as string }
        } else {
          result = { ok: false, value: current }
        }
        break
    }
    p.applied = true
    p.result = result
  }

  while (nextId <= o.ops || clients.some((c) => c !== null) || floating.length > 0) {
    // Ticks are coarse: several events may share one instant.
    if (rnd() < 0.6) time++
    if (floating.length > 0 && rnd() < 0.1) {
      applyOp(floating.splice(Math.floor(rnd() * floating.length), 1)[0])
      continue
    }
    const ci = Math.floor(rnd() * o.clients)
    const p = clients[ci]
    if (p === null) {
      if (nextId > o.ops) continue
      const id = nextId++
      const r = rnd()
      const kind: KvOp = r < 0.35 ? 'get' : r < 0.65 ? 'set' : r < 0.9 ? 'cas' : 'delete'
      const key = pick(keys)
      const op: HistoryOp = { id, client: `c${ci}`, op: kind, key, invoke: time, complete: null, outcome: 'ok' }
      if (kind === 'set' || kind === 'cas') op.value = o.valuePool ? `v${Math.floor(rnd() * o.valuePool)}` : `v${id}`
      if (kind === 'cas') {
        const e = rnd()
        op.expected = e < 0.6 ? (register.get(key) ?? null) : e < 0.8 || written.length === 0 ? null : pick(written)
      }
      if (op.value !== undefined) written.push(op.value)
      const f = rnd()
      const fate = f < unknownRate ? 'unknown' : f < unknownRate + failRate ? 'fail' : 'ok'
      const willApply = fate === 'ok' || (fate === 'unknown' && rnd() < 0.5)
      clients[ci] = { op, fate, willApply, applied: false }
      history.push(op)
      continue
    }
    if (p.willApply && !p.applied && (p.fate === 'ok' || rnd() < 0.5)) {
      applyOp(p)
      continue
    }
    // Answer (or give up on) the op.
    if (p.fate === 'ok') {
      p.op.complete = time
      p.op.result = p.result
    } else if (p.fate === 'fail') {
      p.op.outcome = 'fail'
      p.op.complete = time
    } else {
      p.op.outcome = 'unknown'
      if (p.willApply && !p.applied) floating.push(p)
    }
    clients[ci] = null
  }
  return history
}

/**
 * Makes one read stale: a get that started after a write W2 had finished, which itself started after a write W1
 * had finished, is changed to return W1's value. Values are unique, so nothing else can explain the read.
 * Returns the mutated op's id, or null when the history has no such triple.
 */
export function injectStaleRead(history: History, seed: number): { id: number; key: string } | null {
  const rnd = prng(seed)
  const sets = history.filter((op) => op.op === 'set' && op.outcome === 'ok')
  const gets = history.filter((op) => op.op === 'get' && op.outcome === 'ok')
  const start = Math.floor(rnd() * gets.length)
  for (let k = 0; k < gets.length; k++) {
    const r = gets[(start + k) % gets.length]
    for (const w2 of sets) {
      if (w2.key !== r.key || (w2.complete as number) >= r.invoke) continue
      const w1 = sets.find((w) => w.key === r.key && (w.complete as number) < w2.invoke)
      if (w1 === undefined) continue
      r.result = { ok: true, value: w1.value as string }
      return { id: r.id, key: r.key }
    }
  }
  return null
}

/**
 * Makes the ok get nearest the middle of `h` that follows two ordered ok sets of its key stale: it returns the
 * older value. Values written by the simulator's clients are unique, so nothing else can explain the read.
 */
export function plantStaleRead(h: History): HistoryOp {
  const sets = h.filter((op) => op.op === 'set' && op.outcome === 'ok')
  const gets = h.filter((op) => op.op === 'get' && op.outcome === 'ok')
  for (let k = Math.floor(gets.length / 2); k < gets.length; k++) {
    const r = gets[k]
    const w2 = lastOf(sets, (w) => w.key === r.key && (w.complete as number) < r.invoke)
    if (w2 === undefined) continue
    const w1 = lastOf(sets, (w) => w.key === r.key && (w.complete as number) < w2.invoke)
    if (w1 === undefined || w1.value === r.result?.value) continue
    r.result = { ok: true, value: w1.value as string }
    return r
  }
  throw new Error('no stale read could be planted')
}

function lastOf(ops: HistoryOp[], pred: (op: HistoryOp) => boolean): HistoryOp | undefined {
  for (let i = ops.length - 1; i >= 0; i--) if (pred(ops[i])) return ops[i]
  return undefined
}

/**
 * Brute-force oracle: tries every subset of the unknown ops and every order of the rest that respects real time.
 * Exponential; for histories of a few ops.
 */
export function bruteForce(history: History): boolean {
  const byKey = new Map<string, HistoryOp[]>()
  for (const op of history) {
    if (op.outcome === 'fail') continue
    byKey.set(op.key, [...(byKey.get(op.key) ?? []), op])
  }
  for (const ops of byKey.values()) {
    const unknown = ops.filter((op) => op.outcome === 'unknown')
    const known = ops.filter((op) => op.outcome === 'ok')
    let any = false
    for (let mask = 0; mask < 1 << unknown.length && !any; mask++) {
      const chosen = [...known, ...unknown.filter((_, i) => mask & (1 << i))]
      any = orderExists(chosen, new Set(), null)
    }
    if (!any) return false
  }
  return true
}

function orderExists(ops: HistoryOp[], placed: Set<HistoryOp>, state: string | null): boolean {
  if (placed.size === ops.length) return true
  for (const op of ops) {
    if (placed.has(op)) continue
    // op may go next only if no op still to place finished before op began.
    if (ops.some((o) => !placed.has(o) && o !== op && o.complete !== null && o.outcome === 'ok' && o.complete < op.invoke)) continue
    const after = applyModel(op, state)
    if (after === undefined) continue
    placed.add(op)
    const found = orderExists(ops, placed, after)
    placed.delete(op)
    if (found) return true
  }
  return false
}

/** The register value after op, or undefined when its answer is impossible from `state`. */
function applyModel(op: HistoryOp, state: string | null): string | null | undefined {
  const r = op.outcome === 'ok' ? op.result : undefined
  if (r?.error !== undefined) return undefined
  switch (op.op) {
    case 'set':
      return r === undefined || (r.ok && r.value === op.value) ? (op.value as string) : undefined
    case 'get':
      return r === undefined || (r.ok && r.value === state) ? state : undefined
    case 'delete':
      return r === undefined || (r.ok && r.value === state) ? null : undefined
    case 'cas': {
      const swaps = state === op.expected
      const after = swaps ? (op.value as string) : state
      if (r === undefined) return after
      return r.ok === swaps && r.value === after ? after : undefined
    }
  }
}

/** Whether `order` (op ids) is a valid linearization of the key's ops: real time, the register, every ok op. */
export function isValidWitness(history: History, key: string, order: number[]): boolean {
  const byId = new Map(history.map((op) => [op.id, op]))
  const ops = order.map((id) => byId.get(id) as HistoryOp)
  if (ops.some((op) => op === undefined || op.key !== key || op.outcome === 'fail')) return false
  const mustHave = history.filter((op) => op.key === key && op.outcome === 'ok')
  if (!mustHave.every((op) => order.includes(op.id))) return false
  for (let i = 0; i < ops.length; i++) {
    for (let j = i + 1; j < ops.length; j++) {
      const later = ops[j].complete
      if (ops[j].outcome === 'ok' && later !== null && later < ops[i].invoke) return false
    }
  }
  let state: string | null = null
  for (const op of ops) {
    const after = applyModel(op, state)
    if (after === undefined) return false
    state = after
  }
  return true
}

/** A busy simulated cluster (16 clients, 8 keys, crashes and partitions): the source of long real histories. */
export const BUSY_KV_SIM: Partial<SimOptions> & { seed: number } = {
  seed: 3,
  nodes: 5,
  electionTick: 10,
  heartbeatTick: 1,
  tickMs: 10,
  network: defaultNetworkConfig({ latency: 1, jitter: 2, drop: 0.02 }),
  diskMinMs: 0,
  diskMaxMs: 1,
  faultEveryMs: 100,
  crashRate: 0.04,
  restartRate: 0.3,
  partitionRate: 0.03,
  healRate: 0.2,
  membershipRate: 0,
  transferRate: 0,
  snapshotEvery: 1000,
  clients: 16,
  keys: 8,
  thinkMs: 2,
  readMode: 'log',
}
