/**
 * The sweep: one key's history decided in one pass over its events in time order, carrying the set of every
 * configuration the register can be in (just-in-time linearization, as in Lowe 2017 and Knossos' "linear"
 * checker). A quiescent point is the special case where no known op is pending and the set is small; the sweep
 * needs no such point, it carries what is pending along.
 *
 * A configuration is:
 * - the register value (or DEAD, below);
 * - which pending known ops (those called and not yet returned) are linearized already: a 32-bit mask over slots;
 * - the pool: the unknown ops called so far that may still take effect, as a multiset of kinds (identical unknown
 *   ops are interchangeable once both are called, so only their number matters).
 *
 * Events:
 * - the call of a known op gives it a slot (nothing else changes: it may take effect at any later point);
 * - the call of an unknown op adds its kind to every pool;
 * - the return of known op r keeps the configurations in which r is linearized: those that had it already, and
 *   those reached by linearizing pending ops, in any order, ending with r. Ops linearized after r in the same
 *   step could as well be linearized at a later step, so they are left to it.
 * If no configuration is left, the history up to this return has no linearization: the key fails here.
 *
 * Unknown ops are placed lazily: only right before a known op that observes the value they lead to (a run of
 * unknown ops before a blind set, or at the end, can be dropped; before an observer, it can be cut down to at
 * most one set or delete followed by a simple path of swapping cas; see `chains`). So the search never tries
 * an unknown op at every point.
 *
 * What keeps the pool small is expiry. Let V be the set of values that no known op returning later observes
 * and that no pooled unknown cas swaps out of towards a value outside V (a least fixpoint: `deadline`). Once
 * the sweep is past the last observer of the values in V:
 * - an unknown op writing a value in V is dropped from the pool: in any continuation that applies it, take out
 *   of each stretch where the register holds a value of V every unknown op that writes V or does not swap;
 *   only blind known sets happen in such a stretch (any other known op would observe a value of V) and the
 *   write that ends it is blind too, so every known op still sees what it saw;
 * - a register holding a value of V is recorded as DEAD: by the same argument, which value of V it is cannot
 *   change the verdict, and no op can observe DEAD.
 * Both are exact: the sweep says linearizable iff some order exists. It does not look at the clock: only the
 * order of the events matters (equal times: calls first, so ops that touch at an instant are concurrent).
 */
import type { HistoryOp } from '../kv/history.ts'
import { CAS, DELETE, FREE, GET, NEVER, compile, relevantOps } from './lin-model.ts'
import type { KeyVerdict } from './lin-search.ts'

/** The value of a register that holds a value nobody observes any more. */
const DEAD = -1

/** A step of the linearization, newest first: an op index (>= 0), or -(kind + 1) for an unknown op of a kind. */
interface Trail {
  prev: Trail | null
  item: number
}

interface Conf {
  v: number
  lin: number
  /** Kinds and counts, [kind, count, kind, count, ...], sorted by kind; counts > 0. */
  pool: number[]
  trail: Trail | null
}

/** The verdict of `sweepKey`: a `KeyVerdict`, or null when more than 32 ops of the key are pending at once. */
export function sweepKey(keyOps: HistoryOp[], maxStates: number): KeyVerdict | null {
  const ops = relevantOps(keyOps)
  const n = ops.length
  if (n === 0) return { verdict: 'ok', order: [], states: 0 }
  const c = compile(ops)

  // Events, in time order; at equal times calls first. ev = i: call of op i; ev = i + n: return of op i.
  const events: number[] = []
  for (let i = 0; i < n; i++) {
    events.push(i)
    if (c.constraint[i] !== FREE) events.push(i + n)
  }
  const time = (ev: number): number => (ev < n ? ops[ev].invoke : (ops[ev - n].complete as number))
  events.sort((a, b) => time(a) - time(b) || (a < n ? 0 : 1) - (b < n ? 0 : 1) || a - b)
  const retPos = new Int32Array(n).fill(-1)
  const callPos = new Int32Array(n)
  for (let p = 0; p < events.length; p++) {
    const ev = events[p]
    if (ev < n) callPos[ev] = p
    else retPos[ev - n] = p
  }

  // What each known op needs to find in the register (-1: nothing, it is blind).
  let maxValue = 0
  for (let i = 0; i < n; i++) maxValue = Math.max(maxValue, c.write[i], c.expected[i], c.observed[i])
  const need = new Int32Array(n).fill(-1)
  /** Known ops that leave the register as they found it: get, and cas that did not swap. */
  const readOnly = new Uint8Array(n)
  /** Known ops whose answer no register gives. */
  const never = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    if (c.constraint[i] === NEVER) never[i] = 1
    else if (c.constraint[i] !== FREE) {
      const code = c.code[i]
      if (code === GET || code === DELETE) need[i] = c.observed[i]
      else if (code === CAS) need[i] = c.swapped[i] === 1 ? c.expected[i] : c.observed[i]
      if (code === GET || (code === CAS && c.swapped[i] === 0)) readOnly[i] = 1
      // A cas that did not swap although it saw what it expected.
      if (code === CAS && c.swapped[i] === 0 && c.observed[i] === c.expected[i]) never[i] = 1
    }
  }

  // Kinds of unknown ops: the same operation with the same arguments. A cas that writes what it expects does
  // nothing and is left out.
  const kindOf = new Int32Array(n).fill(-1)
  const kindIds = new Map<string, number>()
  const kindCode: number[] = []
  const kindWrite: number[] = []
  const kindExpected: number[] = []
  const kindOps: number[][] = []
  for (let i = 0; i < n; i++) {
    if (c.constraint[i] !== FREE) continue
    const code = c.code[i]
    const write = code === DELETE ? 0 : c.write[i]
    if (code === GET || (code === CAS && c.expected[i] === write)) continue
    const id = `${code},${write},${code === CAS ? c.expected[i] : -1}`
    let k = kindIds.get(id)
    if (k === undefined) {
      k = kindCode.length
      kindIds.set(id, k)
      kindCode.push(code)
      kindWrite.push(write)
      kindExpected.push(code === CAS ? c.expected[i] : -1)
      kindOps.push([])
    }
    kindOf[i] = k
    kindOps[k].push(i)
  }
  for (const list of kindOps) list.sort((a, b) => callPos[a] - callPos[b])

  // deadline[v]: the last event position at which some op may still observe v (-1: none). Least fixpoint of:
  // a known observer's return, and the deadline of what an unknown cas from v writes.
  const deadline = new Int32Array(maxValue + 1).fill(-1)
  for (let i = 0; i < n; i++) if (need[i] >= 0 && never[i] === 0) deadline[need[i]] = Math.max(deadline[need[i]], retPos[i])
  for (let changed = true; changed; ) {
    changed = false
    for (let k = 0; k < kindCode.length; k++) {
      if (kindCode[k] !== CAS) continue
      const e = kindExpected[k]
      const d = deadline[kindWrite[k]]
      if (d > deadline[e]) {
        deadline[e] = d
        changed = true
      }
    }
  }
  // After position p: kinds to drop, values that die.
  const expiring = new Map<number, number[]>()
  for (let k = 0; k < kindCode.length; k++) {
    const d = deadline[kindWrite[k]]
    if (d < 0) continue
    const list = expiring.get(d)
    if (list === undefined) expiring.set(d, [k])
    else list.push(k)
  }
  const diesAt = new Map<number, number[]>()
  for (let v = 0; v <= maxValue; v++) {
    const d = deadline[v]
    if (d < 0) continue
    const list = diesAt.get(d)
    if (list === undefined) diesAt.set(d, [v])
    else list.push(v)
  }
  const dead = new Uint8Array(maxValue + 1)
  const canon = (v: number): number => (v === DEAD || dead[v] === 1 ? DEAD : v)
  for (let v = 0; v <= maxValue; v++) if (deadline[v] < 0) dead[v] = 1

  let states = 0
  const slotOf = new Int32Array(n).fill(-1)
  /** The pending known ops. */
  const open: number[] = []
  let freeSlots = 0xffffffff | 0
  const EMPTY: number[] = []
  /** Value and mask as one number (exact: values are below 2^20). */
  const groupKey = (v: number, lin: number): number => (v + 1) * 4294967296 + (lin >>> 0)
  /** A configuration as a key: a number when the pool is empty (the common case), else a string. */
  const stateKey = (v: number, lin: number, pool: number[]): number | string =>
    pool.length === 0 ? groupKey(v, lin) : `${groupKey(v, lin)}|${pool.join(',')}`
  type Confs = Map<number, Conf[]>
  let confs: Confs = new Map()
  const initial: Conf = { v: canon(0), lin: 0, pool: EMPTY, trail: null }
  confs.set(groupKey(initial.v, 0), [initial])

  /** The pool with one `kind` taken out (it holds at least one). */
  const take = (pool: number[], kind: number): number[] => {
    const out: number[] = []
    for (let j = 0; j < pool.length; j += 2) {
      if (pool[j] !== kind) out.push(pool[j], pool[j + 1])
      else if (pool[j + 1] > 1) out.push(kind, pool[j + 1] - 1)
    }
    return out
  }

  /**
   * The ways unknown ops from `pool` can turn `from` into `to` (from !== to) right before an op that observes
   * `to`: at most one set or delete, then a simple path of swapping cas. Each: the pool left and the kinds used.
   */
  const chains = (from: number, to: number, pool: number[]): [number[], number[]][] => {
    const found: [number[], number[]][] = []
    const visited: number[] = [from]
    const used: number[] = []
    const walk = (at: number, p: number[]): void => {
      if (at === to) {
        found.push([p, used.slice()])
        return
      }
      for (let j = 0; j < p.length; j += 2) {
        const k = p[j]
        if (kindCode[k] !== CAS || kindExpected[k] !== at) continue
        const w = kindWrite[k]
        if (visited.includes(w)) continue
        visited.push(w)
        used.push(k)
        walk(w, take(p, k))
        used.pop()
        visited.pop()
      }
    }
    walk(from, pool)
    for (let j = 0; j < pool.length; j += 2) {
      const k = pool[j]
      if (kindCode[k] === CAS) continue
      const w = kindWrite[k]
      if (w === from) continue
      visited.length = 0
      visited.push(from, w)
      used.push(k)
      walk(w, take(pool, k))
      used.pop()
    }
    return found
  }

  /** Whether some unknown op in `pool` writes `x` (the last op of any chain to `x` does). */
  const writesInPool = (pool: number[], x: number): boolean => {
    for (let j = 0; j < pool.length; j += 2) if (kindWrite[pool[j]] === x) return true
    return false
  }

  /** Whether pool `a` holds at least as many of every kind as pool `b`. */
  const covers = (a: number[], b: number[]): boolean => {
    let i = 0
    for (let j = 0; j < b.length; j += 2) {
      while (i < a.length && a[i] < b[j]) i += 2
      if (i >= a.length || a[i] !== b[j] || a[i + 1] < b[j + 1]) return false
    }
    return true
  }

  /**
   * Keeps `conf` unless one with the same value and mask and a pool at least as large is there (whatever can
   * follow `conf` can follow that one: it has more unknown ops left, and an unknown op never has to happen), and
   * drops those that `conf` covers in the same way.
   */
  const insert = (into: Confs, conf: Conf): void => {
    const key = groupKey(conf.v, conf.lin)
    const group = into.get(key)
    if (group === undefined) {
      into.set(key, [conf])
      return
    }
    for (let j = 0; j < group.length; j++) if (covers(group[j].pool, conf.pool)) return
    let kept = 0
    for (let j = 0; j < group.length; j++) if (!covers(conf.pool, group[j].pool)) group[kept++] = group[j]
    group.length = kept
    group.push(conf)
  }
  const count = (groups: Confs): number => {
    let size = 0
    for (const group of groups.values()) size += group.length
    return size
  }

  /** The value a known op leaves when it found `x` (its need). */
  const afterOp = (o: number, x: number): number => {
    const code = c.code[o]
    if (code === DELETE) return 0
    if (code === CAS && c.swapped[o] === 1) return c.write[o]
    return x
  }

  // The step at the return of known op `stepR`: configurations reached, and states explored in this step.
  let stepR = -1
  let stepNext: Confs = new Map()
  let stepVisited = new Set<number | string>()

  /** Linearizes pending op `o` after the unknown ops `used`, then goes on unless `o` is the returning op. */
  const place = (o: number, lin: number, after: number, left: number[], used: number[], trail: Trail | null): void => {
    let t = trail
    for (let j = 0; j < used.length; j++) t = { prev: t, item: -(used[j] + 1) }
    t = { prev: t, item: o }
    const nv = canon(after)
    if (o === stepR) {
      insert(stepNext, { v: nv, lin, pool: left, trail: t })
      return
    }
    const nlin = lin | (1 << slotOf[o])
    const key = stateKey(nv, nlin, left)
    if (stepVisited.has(key)) return
    stepVisited.add(key)
    states++
    explore(nv, nlin, left, t)
  }

  /** Linearizes pending ops not in `lin`, one at a time, in every order, until `stepR` is linearized. */
  const explore = (v: number, lin: number, pool: number[], trail: Trail | null): void => {
    // A pending read that can go now goes now, and nothing else is tried from here: placing it later gains
    // nothing, as it leaves the register as it was. (If it is r, the step is done: ops that would go between
    // here and r can go after r, in a later step.)
    for (let j = 0; j < open.length; j++) {
      const o = open[j]
      if (readOnly[o] === 1 && need[o] === v && (lin & (1 << slotOf[o])) === 0 && never[o] === 0) {
        place(o, lin, v, pool, EMPTY, trail)
        return
      }
    }
    for (let j = 0; j < open.length; j++) {
      const o = open[j]
      if ((lin & (1 << slotOf[o])) !== 0 || never[o] === 1) continue
      const x = need[o]
      if (x < 0) place(o, lin, c.write[o], pool, EMPTY, trail)
      else if (x === v) place(o, lin, afterOp(o, x), pool, EMPTY, trail)
      else if (pool.length > 0 && writesInPool(pool, x)) {
        for (const [left, used] of chains(v, x, pool)) place(o, lin, afterOp(o, x), left, used, trail)
      }
    }
  }

  for (let p = 0; p < events.length; p++) {
    const ev = events[p]
    if (ev < n) {
      const i = ev
      if (c.constraint[i] !== FREE) {
        if (freeSlots === 0) return null
        const s = 31 - Math.clz32(freeSlots & -freeSlots)
        freeSlots &= ~(1 << s)
        slotOf[i] = s
        open.push(i)
      } else if (kindOf[i] >= 0 && deadline[kindWrite[kindOf[i]]] > p) {
        const k = kindOf[i]
        const next: Confs = new Map()
        for (const group of confs.values()) {
          for (const conf of group) {
            const pool: number[] = []
            let added = false
            for (let j = 0; j < conf.pool.length; j += 2) {
              if (!added && conf.pool[j] > k) {
                pool.push(k, 1)
                added = true
              }
              if (conf.pool[j] === k) {
                pool.push(k, conf.pool[j + 1] + 1)
                added = true
              } else pool.push(conf.pool[j], conf.pool[j + 1])
            }
            if (!added) pool.push(k, 1)
            insert(next, { v: conf.v, lin: conf.lin, pool, trail: conf.trail })
          }
        }
        confs = next
      }
    } else {
      const r = ev - n
      const rBit = 1 << slotOf[r]
      stepR = r
      stepNext = new Map()
      stepVisited = new Set()
      for (const group of confs.values()) {
        for (const conf of group) {
          if ((conf.lin & rBit) !== 0) {
            insert(stepNext, { v: conf.v, lin: conf.lin & ~rBit, pool: conf.pool, trail: conf.trail })
            continue
          }
          const key = stateKey(conf.v, conf.lin, conf.pool)
          if (stepVisited.has(key)) continue
          stepVisited.add(key)
          states++
          explore(conf.v, conf.lin, conf.pool, conf.trail)
          if (states > maxStates) return { verdict: 'inconclusive', states }
        }
      }
      freeSlots |= rBit
      open.splice(open.indexOf(r), 1)
      if (stepNext.size === 0) {
        const tried = ops.filter((_, i) => callPos[i] < p)
        return { verdict: 'fail', searched: ops, tried, stuck: ops[r], states }
      }
      confs = stepNext
    }
    states += count(confs)
    if (states > maxStates) return { verdict: 'inconclusive', states }

    // Expiry after position p.
    const kinds = expiring.get(p)
    const dies = diesAt.get(p)
    if (kinds !== undefined || dies !== undefined) {
      if (dies !== undefined) for (const v of dies) dead[v] = 1
      const next: Confs = new Map()
      for (const group of confs.values()) {
        for (const conf of group) {
          let pool = conf.pool
          if (kinds !== undefined && pool.length > 0) {
            pool = []
            for (let j = 0; j < conf.pool.length; j += 2) {
              if (!kinds.includes(conf.pool[j])) pool.push(conf.pool[j], conf.pool[j + 1])
            }
          }
          insert(next, { v: canon(conf.v), lin: conf.lin, pool, trail: conf.trail })
        }
      }
      confs = next
    }
  }

  // A witness: any configuration left, its trail in order, each unknown kind mapped to its earliest calls.
  const first = (confs.values().next().value as Conf[])[0]
  const items: number[] = []
  for (let t = first.trail; t !== null; t = t.prev) items.push(t.item)
  items.reverse()
  const nextOfKind = new Int32Array(kindCode.length)
  const order = items.map((item) => ops[item >= 0 ? item : kindOps[-item - 1][nextOfKind[-item - 1]++]].id)
  return { verdict: 'ok', order, states }
}
