/**
 * Linearizability checker for the key/value store: is there one order of the operations, consistent with their
 * real-time order, in which every answer is what a single register per key would have given?
 *
 * Keys are independent registers, so each key is checked on its own (linearizability is compositional;
 * Herlihy & Wing 1990). Each key is a Wing & Gong search (1993) with the memoization of Lowe (2017), as done by
 * Porcupine: the operations are a doubly linked list of call and return events in time order; the search
 * linearizes a pending call whenever the register allows its answer, and backtracks when it meets the return of an
 * operation it has not linearized yet. A (set of linearized operations, register value) pair already explored is
 * not explored again.
 *
 * Operations with an unknown outcome are what makes the search explode (each may or may not have happened, at
 * any later time), so the search treats them as optional and prunes, each rule argued where it is applied:
 * irrelevant unknown writes are dropped (`relevantOps`); an unknown op is placed only where it changes the value,
 * and only right before an op that observes that value (`afterUnknown`); interchangeable unknown ops are placed
 * in invoke order (`Compiled.twin`); a state is skipped when one with fewer unknown ops placed was explored
 * (`StateCache`), and known ops are tried first so that those states come first.
 *
 * When a key fails, the failure is shrunk to a small fragment that fails on its own and still proves that the
 * whole history fails (`Needs`, `shrink`), and explained in one sentence (`explain`).
 */
import type { History, HistoryOp } from '../kv/history.ts'

/** The verdict of `checkLinearizability`. */
export interface LinearizabilityResult {
  ok: boolean
  /** When the search gave up (state budget exhausted): ok is false and inconclusive is true. */
  inconclusive?: boolean
  /**
   * When ok: a linearization order (op ids) per key. It holds every op with outcome ok; an unknown op appears
   * only if the order needs it to have taken effect; fail ops never appear.
   */
  witness?: Record<string, number[]>
  /**
   * When not ok: the key, and the smallest failing fragment found: the ops involved (a minimal-ish subset of that
   * key's history that is itself not linearizable), plus a human-readable explanation sentence.
   */
  failure?: { key: string; ops: HistoryOp[]; explanation: string }
  /** Search statistics: keys and ops in the history, and states explored by the main search (not the shrinking). */
  stats: { keys: number; ops: number; statesExplored: number }
}

/** Options of `checkLinearizability`. */
export interface LinearizabilityOptions {
  /** Most search states explored for any one key before giving up as inconclusive. Default 1,000,000. */
  maxStates?: number
}

const DEFAULT_MAX_STATES = 1_000_000
/** Effort bounds for shrinking a failing key to a small fragment. */
const SHRINK_MAX_STATES = 200_000
const SHRINK_MAX_ATTEMPTS = 1_000
/** Longest fragment an explanation lists op by op. */
const MAX_LISTED = 8

/**
 * Decides whether `history` is linearizable for a per-key register with set, get, delete and cas that starts
 * with every key absent. `fail` ops are ignored; `unknown` ops may take effect at any time after their invoke,
 * or never, and their answer is unconstrained.
 * @throws Error when the history is malformed (duplicate ids, an ok op without result or completion time,
 *   completion before invocation).
 */
export function checkLinearizability(history: History, opts: LinearizabilityOptions = {}): LinearizabilityResult {
  const maxStates = opts.maxStates ?? DEFAULT_MAX_STATES
  validateHistory(history)
  const byKey = new Map<string, HistoryOp[]>()
  for (const op of history) {
    let list = byKey.get(op.key)
    if (list === undefined) byKey.set(op.key, (list = []))
    list.push(op)
  }
  const keys = [...byKey.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const stats = { keys: keys.length, ops: history.length, statesExplored: 0 }
  const witness: Record<string, number[]> = {}
  let inconclusive = false
  for (const key of keys) {
    const ops = byKey.get(key) as HistoryOp[]
    const r = searchKey(ops, maxStates)
    stats.statesExplored += r.states
    if (r.verdict === 'ok') {
      witness[key] = r.order
    } else if (r.verdict === 'inconclusive') {
      inconclusive = true
    } else {
      const { ops: fragment, stuck } = shrink(r)
      return { ok: false, failure: { key, ops: fragment, explanation: explain(key, fragment, stuck) }, stats }
    }
  }
  if (inconclusive) return { ok: false, inconclusive: true, stats }
  return { ok: true, witness, stats }
}

function validateHistory(history: History): void {
  const ids = new Set<number>()
  for (const op of history) {
    if (ids.has(op.id)) throw new Error(`linearizability: op id ${op.id} appears twice`)
    ids.add(op.id)
    if (!Number.isFinite(op.invoke)) throw new Error(`linearizability: op #${op.id} has no finite invoke time`)
    if (op.outcome !== 'ok') continue
    if (op.complete === null || !Number.isFinite(op.complete)) {
      throw new Error(`linearizability: op #${op.id} is ok but has no finite complete time`)
    }
    if (op.complete < op.invoke) throw new Error(`linearizability: op #${op.id} completes before it is invoked`)
    if (op.result === undefined) throw new Error(`linearizability: op #${op.id} is ok but has no result`)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The register model, compiled to integers: values are interned (null is 0), each op becomes a step function.

const SET = 0
const DELETE = 1
const GET = 2
const CAS = 3

/** How the answer constrains an op: FREE (unknown outcome), BOUND (must match), NEVER (no register answers so). */
const FREE = 0
const BOUND = 1
const NEVER = 2

const OP_CODES = { set: SET, delete: DELETE, get: GET, cas: CAS } as const

/** One key's operations in the form the search needs. */
interface Compiled {
  code: Int8Array
  constraint: Int8Array
  /** set, cas: the value written. */
  write: Int32Array
  /** cas: the expected value. */
  expected: Int32Array
  /** get, delete, cas that did not swap: the value the answer reports. */
  observed: Int32Array
  /** cas: whether the answer says it swapped. */
  swapped: Uint8Array
  /**
   * For an unknown op: the previous unknown op (in invoke order) with the same operation and arguments, or -1.
   * Twins are interchangeable once both are invoked, so the search takes them in order: the states for
   * "k of these happened" then number k + 1, not 2^k.
   */
  twin: Int32Array
}

class Interner {
  #ids = new Map<string, number>()
  id(v: string | null | undefined): number {
    if (v === null || v === undefined) return 0
    let id = this.#ids.get(v)
    if (id === undefined) this.#ids.set(v, (id = this.#ids.size + 1))
    return id
  }
}

/** The value an op's answer says it saw, for ops whose answer reveals the register (undefined otherwise). */
function observes(op: HistoryOp): string | null | undefined {
  if (op.outcome === 'unknown') return op.op === 'cas' ? (op.expected ?? null) : undefined
  if (op.outcome !== 'ok' || op.result === undefined || op.op === 'set') return undefined
  if (op.op === 'cas' && op.result.ok) return op.expected ?? null
  return op.result.value
}

/** The value the op may have left in the register (undefined when it writes nothing). */
function writes(op: HistoryOp): string | null | undefined {
  if (op.outcome === 'fail') return undefined
  if (op.op === 'delete') return null
  if (op.op === 'set') return op.value
  if (op.op === 'cas' && (op.outcome === 'unknown' || op.result?.ok === true)) return op.value
  return undefined
}

function mayWrite(op: HistoryOp, v: string | null): boolean {
  return writes(op) === v
}

/**
 * The ops of one key that the search must place, dropping those that cannot change the verdict:
 * - fail ops (never applied) and unknown gets (no effect, no answer);
 * - unknown writes (set, delete, cas) of a value no answer reports and no cas expects. If such a write took
 *   effect, only writes can follow it before the value is overwritten; without it those writes leave the same
 *   value, and unknown cas that did not swap in between can move to the end. And "never" is always allowed.
 *   So the history is linearizable with it iff without it.
 */
function relevantOps(ops: HistoryOp[]): HistoryOp[] {
  const seen = new Set<string | null>()
  for (const op of ops) {
    const v = observes(op)
    if (v !== undefined) seen.add(v)
  }
  return ops.filter((op) => {
    if (op.outcome === 'fail') return false
    if (op.outcome === 'ok') return true
    const w = writes(op)
    return w !== undefined && seen.has(w)
  })
}

function compile(ops: HistoryOp[]): Compiled {
  const n = ops.length
  const values = new Interner()
  const c: Compiled = {
    code: new Int8Array(n),
    constraint: new Int8Array(n),
    write: new Int32Array(n),
    expected: new Int32Array(n),
    observed: new Int32Array(n),
    swapped: new Uint8Array(n),
    twin: new Int32Array(n).fill(-1),
  }
  const lastTwin = new Map<string, number>()
  const byInvoke = ops.map((_, i) => i).sort((a, b) => ops[a].invoke - ops[b].invoke || a - b)
  for (const i of byInvoke) {
    const op = ops[i]
    if (op.outcome !== 'unknown') continue
    const id = `${op.op}\u0000${op.value ?? ''}\u0000${op.expected === undefined ? 'u' : op.expected === null ? 'n' : `s${op.expected}`}`
    c.twin[i] = lastTwin.get(id) ?? -1
    lastTwin.set(id, i)
  }
  for (let i = 0; i < n; i++) {
    const op = ops[i]
    const code = OP_CODES[op.op]
    c.code[i] = code
    c.write[i] = values.id(op.value)
    c.expected[i] = values.id(op.expected)
    if (op.outcome !== 'ok' || op.result === undefined) {
      c.constraint[i] = FREE
      continue
    }
    const r = op.result
    c.observed[i] = values.id(r.value)
    c.swapped[i] = r.ok ? 1 : 0
    let possible = r.error === undefined
    if (code === SET) possible &&= r.ok && r.value === (op.value ?? null)
    else if (code === GET || code === DELETE) possible &&= r.ok
    else if (r.ok) possible &&= r.value === (op.value ?? null)
    c.constraint[i] = possible ? BOUND : NEVER
  }
  return c
}

/** The register value after op `i` from `state`, or -1 when the op's answer is impossible from `state`. */
function step(c: Compiled, i: number, state: number): number {
  const constraint = c.constraint[i]
  if (constraint === NEVER) return -1
  switch (c.code[i]) {
    case SET:
      return c.write[i]
    case DELETE:
      return constraint === FREE || state === c.observed[i] ? 0 : -1
    case GET:
      return constraint === FREE || state === c.observed[i] ? state : -1
    default: {
      const swaps = state === c.expected[i]
      if (constraint === FREE) return swaps ? c.write[i] : state
      if (c.swapped[i] === 1) return swaps ? c.write[i] : -1
      return !swaps && state === c.observed[i] ? state : -1
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The search.

/**
 * Explored search states: (linearized set, register value) pairs, with subsumption; the value is encoded with
 * the `afterUnknown` flag, which is part of the state. A state that has the same known ops and value as an
 * explored one, and a superset of its unknown ops, is explored already: whatever can
 * follow it can follow the explored one (which leaves more unknown ops available, and unknown ops never block
 * others since they never return). Hash by the known ops and the value, so such states share a bucket.
 *
 * Flat typed arrays (one bitset of `words` 32-bit words per state): millions of states cost no objects.
 */
class StateCache {
  readonly #words: number
  readonly #known: Uint32Array
  #buckets = new Map<number, number>()
  #chain = new Int32Array(1024)
  #state = new Int32Array(1024)
  #bits: Uint32Array
  size = 0

  /** `known`: the bitset of the ops with a known outcome. */
  constructor(known: Uint32Array) {
    this.#words = known.length
    this.#known = known
    this.#bits = new Uint32Array(1024 * this.#words)
  }

  /** Adds the state; false if it was there already, or is subsumed by one that is. */
  add(hash: number, bits: Uint32Array, state: number): boolean {
    const w = this.#words
    const stored = this.#bits
    const known = this.#known
    const head = this.#buckets.get(hash)
    for (let slot = head ?? -1; slot !== -1; slot = this.#chain[slot]) {
      if (this.#state[slot] !== state) continue
      const base = slot * w
      let subsumed = true
      for (let k = 0; k < w; k++) {
        const old = stored[base + k]
        // old must be a subset of bits, and they may differ only in unknown ops.
        if ((old & ~bits[k]) !== 0 || ((old ^ bits[k]) & known[k]) !== 0) {
          subsumed = false
          break
        }
      }
      if (subsumed) return false
    }
    const slot = this.size++
    if (slot === this.#state.length) this.#grow()
    this.#chain[slot] = head ?? -1
    this.#state[slot] = state
    this.#bits.set(bits, slot * w)
    this.#buckets.set(hash, slot)
    return true
  }

  #grow(): void {
    const cap = this.#state.length * 2
    const chain = new Int32Array(cap)
    chain.set(this.#chain)
    this.#chain = chain
    const state = new Int32Array(cap)
    state.set(this.#state)
    this.#state = state
    const bits = new Uint32Array(cap * this.#words)
    bits.set(this.#bits)
    this.#bits = bits
  }
}

type KeyVerdict =
  | { verdict: 'ok'; order: number[]; states: number }
  | { verdict: 'inconclusive'; states: number }
  /**
   * `searched`: the ops the search placed; `tried`: those of them whose call it ever reached (a failing core);
   * `stuck`: the op at whose return the search got furthest.
   */
  | { verdict: 'fail'; searched: HistoryOp[]; tried: HistoryOp[]; stuck: HistoryOp; states: number }

/** A fixed pseudo-random 32-bit number per op position, for Zobrist hashing of the linearized set. */
function zobrist(n: number): Int32Array {
  const z = new Int32Array(n)
  let s = 0x2545f491
  for (let i = 0; i < n; i++) {
    // splitmix32
    s = (s + 0x9e3779b9) | 0
    let x = s
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
    z[i] = x ^ (x >>> 16)
  }
  return z
}

/** Checks one key's ops. */
function searchKey(keyOps: HistoryOp[], maxStates: number): KeyVerdict {
  const ops = relevantOps(keyOps)
  const n = ops.length
  if (n === 0) return { verdict: 'ok', order: [], states: 0 }
  const c = compile(ops)

  // Events: entry 0 is the list head; entries 1..2n are calls and returns in time order. At equal times calls
  // come first, so ops that touch at an instant count as concurrent (the lenient reading of a coarse clock).
  const order: number[] = []
  for (let i = 0; i < n; i++) order.push(i, i + n) // i: call of op i; i + n: its return
  const time = (ev: number): number => {
    const op = ops[ev < n ? ev : ev - n]
    if (ev < n) return op.invoke
    return op.outcome === 'ok' ? (op.complete as number) : Infinity
  }
  order.sort((a, b) => time(a) - time(b) || (a < n ? 0 : 1) - (b < n ? 0 : 1) || a - b)
  const size = 2 * n + 1
  const next = new Int32Array(size)
  const prev = new Int32Array(size)
  const opOf = new Int32Array(size)
  const isCall = new Uint8Array(size)
  const match = new Int32Array(size)
  const callEntry = new Int32Array(n)
  const returnEntry = new Int32Array(n)
  for (let k = 0; k < order.length; k++) {
    const e = k + 1
    const ev = order[k]
    const op = ev < n ? ev : ev - n
    opOf[e] = op
    isCall[e] = ev < n ? 1 : 0
    if (ev < n) callEntry[op] = e
    else returnEntry[op] = e
  }
  for (let i = 0; i < n; i++) match[callEntry[i]] = returnEntry[i]
  for (let e = 0; e < size; e++) {
    next[e] = e + 1 < size ? e + 1 : -1
    prev[e] = e - 1
  }

  // Invariant: the list holds exactly the events of ops not in `bits`, in time order.
  const lift = (e: number): void => {
    const r = match[e]
    next[prev[e]] = next[e]
    if (next[e] !== -1) prev[next[e]] = prev[e]
    next[prev[r]] = next[r]
    if (next[r] !== -1) prev[next[r]] = prev[r]
  }
  // The exact inverse of lift, valid when undone in reverse order.
  const unlift = (e: number): void => {
    const r = match[e]
    next[prev[r]] = r
    if (next[r] !== -1) prev[next[r]] = r
    next[prev[e]] = e
    if (next[e] !== -1) prev[next[e]] = e
  }

  const words = (n + 31) >>> 5
  const bits = new Uint32Array(words)
  const z = zobrist(n)
  const known = new Uint32Array(words)
  for (let i = 0; i < n; i++) {
    if (c.constraint[i] === FREE) z[i] = 0 // unknown ops stay out of the hash: see StateCache
    else known[i >>> 5] |= 1 << (i & 31)
  }
  const cache = new StateCache(known)
  const stackEntry = new Int32Array(n)
  const stackState = new Int32Array(n)
  let depth = 0
  /** Ops with a known outcome not linearized yet; unknown ops may stay out (they never happened). */
  let knownLeft = 0
  for (let i = 0; i < n; i++) if (c.constraint[i] !== FREE) knownLeft++
  let state = 0
  /**
   * Whether the last op placed has an unknown outcome. Then the next op must observe the value it wrote: an
   * unknown write followed by a blind write (or by nothing) can be taken out of any order, so orders with one
   * need not be searched. Part of the search state, so it goes into the cache with the value.
   */
  let afterUnknown = 0
  let hash = 0
  let furthestBlock = 0
  /**
   * Each state's candidates are scanned twice: known ops first (phase 0), then unknown ops (phase 1). Fewer unknown
   * ops placed explores states that subsume the ones with more, so this order lets the cache prune more.
   */
  let phase = 0

  let e = next[0]
  for (;;) {
    if (knownLeft === 0) {
      const linearized: number[] = []
      for (let d = 0; d < depth; d++) linearized.push(ops[opOf[stackEntry[d]]].id)
      return { verdict: 'ok', order: linearized, states: cache.size }
    }
    if (isCall[e] === 1) {
      const op = opOf[e]
      const free = c.constraint[op] === FREE
      if (free !== (phase === 1)) {
        e = next[e]
        continue
      }
      const code = c.code[op]
      const blind = code === SET || (free && code === DELETE)
      const after = afterUnknown === 1 && blind ? -1 : step(c, op, state)
      // An unknown op that leaves the value as it was is the same as one that never happened: skip it, or the
      // search would try it at every point and multiply the states by two per pending unknown op.
      const twin = c.twin[op]
      if (
        after !== -1 &&
        !(free && after === state) &&
        (twin === -1 || (bits[twin >>> 5] & (1 << (twin & 31))) !== 0)
      ) {
        bits[op >>> 5] |= 1 << (op & 31)
        const h = hash ^ z[op]
        const encoded = after * 2 + (free ? 1 : 0)
        if (cache.add((h ^ Math.imul(encoded + 1, 0x9e3779b1)) | 0, bits, encoded)) {
          if (cache.size > maxStates) return { verdict: 'inconclusive', states: cache.size }
          stackEntry[depth] = e
          stackState[depth] = state * 2 + afterUnknown
          depth++
          if (!free) knownLeft--
          state = after
          afterUnknown = free ? 1 : 0
          hash = h
          lift(e)
          e = next[0]
          phase = 0
          continue
        }
        bits[op >>> 5] &= ~(1 << (op & 31))
      }
      e = next[e]
    } else if (phase === 0) {
      e = next[0]
      phase = 1
    } else {
      // The return of an op not linearized yet: every later order violates real time. Undo the last choice.
      if (e > furthestBlock) furthestBlock = e
      if (depth === 0) {
        const searched = ops
        const tried = ops.filter((_, i) => callEntry[i] < furthestBlock)
        return { verdict: 'fail', searched, tried, stuck: ops[opOf[furthestBlock]], states: cache.size }
      }
      depth--
      const undone = stackEntry[depth]
      const op = opOf[undone]
      phase = c.constraint[op] === FREE ? 1 : 0
      if (phase === 0) knownLeft++
      state = stackState[depth] >> 1
      afterUnknown = stackState[depth] & 1
      hash ^= z[op]
      bits[op >>> 5] &= ~(1 << (op & 31))
      unlift(undone)
      e = next[undone]
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Shrinking a failing key to a small fragment.

/** How many certain writes back `Needs.of` looks for a blind set to stand for the writes an op cannot have seen. */
const REPRESENTATIVE_SCAN = 64

/** Of the shadowed writes that finished before `before`, a blind set if any, and the last to finish. */
function pickShadowed(shadowed: HistoryOp[], before: number): HistoryOp | undefined {
  let best: HistoryOp | undefined
  for (const s of shadowed) {
    if ((s.complete as number) >= before) continue
    if (
      best === undefined ||
      (s.op === 'set') > (best.op === 'set') ||
      ((s.op === 'set') === (best.op === 'set') && (s.complete as number) > (best.complete as number))
    ) {
      best = s
    }
  }
  return best
}

/**
 * Which ops must stay in a fragment with an op that observes a value.
 *
 * An op R that observes v needs every write R may have seen: each write of v that began before R took effect,
 * unless it is shadowed, that is, it finished before a certain write W began that itself finished before R began
 * (then W, or a later write, is what R saw). A fragment closed under this relation is a proof: restrict any
 * linearization of the whole history to it (moving unknown cas that no kept op relies on to the end) and every
 * op still sees what it saw, because the write it saw is in the fragment. So if the fragment fails, the history
 * fails. Without this rule the proof is void: dropping the write a read saw makes any history fail.
 *
 * "Before R took effect" is before R returned for a known op. An unknown cas matters only to the ops that rely on
 * its write, so it takes effect (if that matters) before the last of them does: its bound is passed in.
 *
 * So that the fragment also reads as an explanation, R keeps representatives of the writes it cannot have seen:
 * a shadowed write of v and a write W that shadows it (W alone when v is the initial absence), or, when every
 * write of v began after R returned, the first of them.
 */
class Needs {
  readonly #writersOf = new Map<string | null, HistoryOp[]>()
  /** Certain writes by completion time, and for each prefix of them the one that began last. */
  readonly #certain: HistoryOp[]
  readonly #lastBegun: HistoryOp[] = []
  /** Per value, the latest time an op observing it may take effect: a bound for unknown cas writing it. */
  readonly #latestObserver = new Map<string | null, number>()
  /** For each op, the ops that need it under the loosest bounds (removing it must remove them). */
  readonly dependents = new Map<HistoryOp, HistoryOp[]>()

  constructor(ops: HistoryOp[]) {
    for (const op of ops) {
      const w = writes(op)
      if (w === undefined) continue
      const list = this.#writersOf.get(w)
      if (list === undefined) this.#writersOf.set(w, [op])
      else list.push(op)
    }
    this.#certain = ops.filter((op) => op.outcome === 'ok' && writes(op) !== undefined)
    this.#certain.sort((a, b) => (a.complete as number) - (b.complete as number))
    for (const op of this.#certain) {
      const before = this.#lastBegun[this.#lastBegun.length - 1]
      this.#lastBegun.push(before !== undefined && before.invoke >= op.invoke ? before : op)
    }
    for (const op of ops) {
      const v = observes(op)
      if (v === undefined) continue
      const end = op.outcome === 'ok' ? (op.complete as number) : Infinity
      this.#latestObserver.set(v, Math.max(end, this.#latestObserver.get(v) ?? -Infinity))
    }
    for (const r of ops) {
      for (const w of this.of(r, this.loosestEnd(r))) {
        const list = this.dependents.get(w)
        if (list === undefined) this.dependents.set(w, [r])
        else list.push(r)
      }
    }
  }

  /** The latest an op may take effect as far as any op can tell. */
  loosestEnd(op: HistoryOp): number {
    if (op.outcome === 'ok') return op.complete as number
    return this.#latestObserver.get(writes(op) as string | null) ?? -Infinity
  }

  /** The ops `r` needs when it takes effect by `end`. */
  of(r: HistoryOp, end: number): HistoryOp[] {
    const v = observes(r)
    if (v === undefined) return []
    const certain = this.#certain
    let lo = 0
    let hi = certain.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((certain[mid].complete as number) < r.invoke) lo = mid + 1
      else hi = mid
    }
    const shadow = lo > 0 ? this.#lastBegun[lo - 1] : undefined
    const barrier = shadow === undefined ? -Infinity : shadow.invoke
    const needed: HistoryOp[] = []
    const shadowed: HistoryOp[] = []
    let firstLater: HistoryOp | undefined
    for (const w of this.#writersOf.get(v) ?? []) {
      if (w === r) continue
      if (w.invoke > end) {
        if (firstLater === undefined || w.invoke < firstLater.invoke) firstLater = w
      } else if (w.outcome === 'ok' && (w.complete as number) < barrier) {
        shadowed.push(w)
      } else {
        needed.push(w)
      }
    }
    if (shadow !== undefined && (shadowed.length > 0 || v === null)) {
      // The representatives: a write W that finished before R began, and a write of v that finished before W
      // began. Blind sets need nothing themselves, so prefer them: the fragment stays small.
      let w: HistoryOp = shadow
      let s = pickShadowed(shadowed, shadow.invoke)
      for (let i = lo - 1; i >= 0 && i >= lo - REPRESENTATIVE_SCAN; i--) {
        const c = certain[i]
        if (c.op !== 'set' || c === r || c.value === v) continue
        const cs = pickShadowed(shadowed, c.invoke)
        if (cs === undefined && v !== null) continue
        w = c
        s = cs
        break
      }
      needed.push(w)
      if (s !== undefined) needed.push(s)
    } else if (needed.length === 0 && v !== null && firstLater !== undefined && r.outcome === 'ok') {
      needed.push(firstLater)
    }
    return needed
  }

  /** The smallest closed set containing `seeds` (known ops), with bounds passed on to the unknown ops pulled in. */
  closure(seeds: HistoryOp[]): Set<HistoryOp> {
    const end = new Map<HistoryOp, number>()
    const queue: HistoryOp[] = []
    for (const op of seeds) {
      end.set(op, this.loosestEnd(op))
      queue.push(op)
    }
    while (queue.length > 0) {
      const r = queue.pop() as HistoryOp
      const bound = end.get(r) as number
      for (const w of this.of(r, bound)) {
        const wBound = w.outcome === 'ok' ? (w.complete as number) : bound
        const old = end.get(w)
        if (old !== undefined && old >= wBound) continue
        end.set(w, old === undefined ? wBound : Math.max(old, wBound))
        queue.push(w)
      }
    }
    return new Set(end.keys())
  }
}

/** Removes `drop` from `ops`, and with it (transitively) every op that needs a removed one. */
function removeClosed(ops: HistoryOp[], drop: Iterable<HistoryOp>, dependents: Map<HistoryOp, HistoryOp[]>): HistoryOp[] {
  const removed = new Set<HistoryOp>()
  const queue = [...drop]
  for (const op of queue) removed.add(op)
  while (queue.length > 0) {
    for (const r of dependents.get(queue.pop() as HistoryOp) ?? []) {
      if (removed.has(r)) continue
      removed.add(r)
      queue.push(r)
    }
  }
  return ops.filter((op) => !removed.has(op))
}

/**
 * Greedy shrinking in the manner of delta debugging: remove chunks of halving size while the rest still fails,
 * then single ops until none can go. Only closed removals (see `Needs`), within a bounded effort.
 */
function shrink(failed: KeyVerdict & { verdict: 'fail' }): { ops: HistoryOp[]; stuck: HistoryOp } {
  const { searched, tried } = failed
  let budget = SHRINK_MAX_STATES
  let attempts = 0
  let stuck = failed.stuck
  const fails = (candidate: HistoryOp[]): boolean => {
    if (candidate.length === 0 || budget <= 0 || attempts >= SHRINK_MAX_ATTEMPTS) return false
    attempts++
    const r = searchKey(candidate, budget)
    budget -= r.states
    if (r.verdict !== 'fail') return false
    stuck = r.stuck
    return true
  }

  const needs = new Needs(searched)
  const dependents = needs.dependents
  let current = searched
  // First try the ops the search reached, plus what they need: the search never got to the others, so they are
  // unlikely to matter. Unknown ops join only when needed: without an unknown op a failing history still fails
  // ("never" was an option for it).
  const keep = needs.closure(tried.filter((op) => op.outcome === 'ok'))
  if (keep.size < searched.length) {
    const cut = searched.filter((op) => keep.has(op))
    if (fails(cut)) current = cut
  }

  for (let chunk = current.length >> 1; chunk >= 1; chunk >>= 1) {
    let passRemoved = true
    while (passRemoved) {
      passRemoved = false
      for (let i = 0; i < current.length; ) {
        const candidate = removeClosed(current, current.slice(i, i + chunk), dependents)
        if (candidate.length < current.length && fails(candidate)) {
          current = candidate
          passRemoved = true
        } else {
          i += chunk
        }
      }
      // Repeat a pass only at the finest grain, where it buys 1-minimality.
      if (chunk > 1) break
    }
    if (budget <= 0 || attempts >= SHRINK_MAX_ATTEMPTS) break
  }
  return { ops: [...current].sort((a, b) => a.invoke - b.invoke || a.id - b.id), stuck }
}

// ---------------------------------------------------------------------------------------------------------------
// Explaining a fragment in one sentence.

function quote(v: string | null | undefined): string {
  if (v === null || v === undefined) return 'absent'
  return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)
}

function when(op: HistoryOp): string {
  return `t=${op.invoke}..${op.outcome === 'ok' ? op.complete : '?'}`
}

/** For example `#7 (c2) cas "a" -> "b" [t=3..5]: not swapped, saw "c"`. */
export function describeOp(op: HistoryOp): string {
  const r = op.result
  let answer: string
  if (op.outcome !== 'ok' || r === undefined) answer = `outcome ${op.outcome}`
  else if (r.error !== undefined) answer = `error ${JSON.stringify(r.error)}`
  else if (op.op === 'get') answer = `got ${quote(r.value)}`
  else if (op.op === 'delete') answer = `was ${quote(r.value)}`
  else if (op.op === 'cas') answer = r.ok ? 'swapped' : `not swapped, saw ${quote(r.value)}`
  else answer = r.ok ? 'ok' : 'not ok'
  return `${label(op)}: ${answer}`
}

/** The value an ok op leaves in the register. */
function leaves(op: HistoryOp): string | null {
  const r = op.result as { value: string | null }
  if (op.op === 'delete') return null
  return r.value
}

/** What an ok op did to the register, as a phrase: `written "a"`, `deleted it`, ... */
function did(op: HistoryOp): string {
  const after = quote(leaves(op))
  if (op.op === 'set') return `written ${after}`
  if (op.op === 'delete') return 'deleted it'
  if (op.op === 'get') return `read ${after}`
  return op.result?.ok ? `swapped in ${after}` : `seen ${after}`
}

/** `#7 (c2) cas "a" -> "b" [t=3..5]`: the op without its answer. */
function label(op: HistoryOp): string {
  let what: string
  if (op.op === 'set') what = `set ${quote(op.value)}`
  else if (op.op === 'cas') what = `cas ${quote(op.expected)} -> ${quote(op.value)}`
  else what = op.op
  return `#${op.id} (${op.client}) ${what} [${when(op)}]`
}

function ids(ops: HistoryOp[]): string {
  return ops.map((o) => `#${o.id}`).join(', ')
}

/**
 * One sentence saying why `fragment` (which fails on its own) cannot be linearized. `stuck`: the op at whose
 * return the search of the fragment got furthest.
 */
function explain(key: string, fragment: HistoryOp[], stuck: HistoryOp): string {
  const k = JSON.stringify(key)
  const known = fragment.filter((op) => op.outcome === 'ok' && op.result !== undefined)
  const sourcesOf = (v: string | null, except: HistoryOp): HistoryOp[] =>
    fragment.filter((w) => w !== except && mayWrite(w, v))

  for (const op of known) {
    if (compile([op]).constraint[0] === NEVER) {
      return `${describeOp(op)} on ${k} is an answer no register gives to that operation.`
    }
  }

  // A value nobody wrote. The fragment keeps every write an op may have seen, and a representative of those it
  // cannot have seen (see Needs), so if it holds no write of the value, the whole history holds none.
  for (const r of known) {
    const v = observes(r)
    if (v === undefined || v === null) continue
    if (sourcesOf(v, r).length === 0) {
      return `${label(r)} saw ${quote(v)} in ${k}, a value no operation wrote.`
    }
  }

  // A read from the future: every write of the value began after the read had finished.
  for (const r of known) {
    const v = observes(r)
    if (v === undefined || v === null) continue
    const sources = sourcesOf(v, r)
    if (sources.every((s) => s.invoke > (r.complete as number))) {
      return (
        `${label(r)} saw ${quote(v)} in ${k} before any write of it had begun ` +
        `(${sources.map(label).join('; ')}).`
      )
    }
  }

  // A stale read, or a read that goes back in time: after op O had fixed the register to another value, the
  // value came back although no write of it could follow O.
  for (const r of known) {
    const v = observes(r)
    if (v === undefined) continue
    const sources = sourcesOf(v, r)
    if (sources.some((s) => s.outcome !== 'ok')) continue
    for (const o of known) {
      if (o === r || (o.complete as number) >= r.invoke || leaves(o) === v) continue
      let tail: string
      if (sources.every((s) => (s.complete as number) < o.invoke)) {
        if (sources.length === 0) tail = 'and the key was absent only at the start'
        else if (sources.length === 1) tail = `and #${sources[0].id}, which wrote ${quote(v)}, had finished before #${o.id} began`
        else tail = `and the writes of ${quote(v)} here (${ids(sources)}) had finished before #${o.id} began`
      } else if (sources.length === 1 && sources[0] !== o && observes(o) === v) {
        // The fragment keeps every write r may have seen, so #s is the only one.
        tail = `after itself seeing ${quote(v)}, and #${sources[0].id} is the only write of ${quote(v)} #${r.id} may have seen`
      } else {
        continue
      }
      return `${label(r)} saw ${quote(v)} in ${k}, but ${label(o)} had ${did(o)} before it began, ${tail}.`
    }
  }

  // Too many successful cas from one value: each needs its own write of that value before it.
  const swapsFrom = new Map<string | null, HistoryOp[]>()
  for (const op of known) {
    if (op.op !== 'cas' || !op.result?.ok || op.value === op.expected) continue
    const e = op.expected ?? null
    const list = swapsFrom.get(e) ?? []
    list.push(op)
    swapsFrom.set(e, list)
  }
  for (const [e, swaps] of swapsFrom) {
    const writes = fragment.filter((w) => mayWrite(w, e))
    const available = writes.length + (e === null ? 1 : 0)
    if (swaps.length > available) {
      const origin = e === null ? `the initial absence${writes.length > 0 ? ` and ${ids(writes)}` : ''}` : ids(writes)
      const writesOfE = available === 1 ? `1 write of ${quote(e)}` : `${available} writes of ${quote(e)}`
      return (
        `${ids(swaps)} ${swaps.length === 2 ? 'both' : 'all'} swapped ${k} from ${quote(e)}, but only ${writesOfE} ` +
        `(${origin}) could have put it there.`
      )
    }
  }

  const head = `No order of these ${fragment.length} operations on ${k} agrees with both their real-time order and a single register`
  const tail = `every order breaks down before ${describeOp(stuck)} returns`
  if (fragment.length > MAX_LISTED) {
    const from = Math.min(...fragment.map((op) => op.invoke))
    const to = Math.max(...fragment.map((op) => (op.outcome === 'ok' ? (op.complete as number) : op.invoke)))
    return `${head} (t=${from}..${to}); ${tail}.`
  }
  return `${head}: ${fragment.map(describeOp).join('; ')}; ${tail}.`
}
