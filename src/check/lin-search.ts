/**
 * The depth-first search of one key (Wing & Gong with Lowe's memoization), kept as the fallback of the sweep in
 * lin-sweep.ts for keys with more than 32 operations pending at once (see linearizability.ts).
 */
import type { HistoryOp } from '../kv/history.ts'
import { DELETE, FREE, SET, compile, relevantOps, step } from './lin-model.ts'

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

export type KeyVerdict =
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
export function searchKey(keyOps: HistoryOp[], maxStates: number): KeyVerdict {
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

