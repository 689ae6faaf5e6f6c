/** Shrinking a failing key to a small fragment that fails on its own (see linearizability.ts). */
import type { HistoryOp } from '../kv/history.ts'
import { observes, writes } from './lin-model.ts'
import { searchKey, type KeyVerdict } from './lin-search.ts'
import { sweepKey } from './lin-sweep.ts'

/** The first sweep's budget per op of the key (it needs about 10 when values are unique). */
const FIRST_SWEEP_STATES_PER_OP = 20
/** The depth-first search's budget per op of the key (it needs about 2 when it finds an order at once). */
const SEARCH_STATES_PER_OP = 50
/** Memory the depth-first search may fill with explored states: 32-bit words (256 MB). */
const SEARCH_WORDS = 64_000_000

/**
 * Checks one key. First the sweep (lin-sweep.ts) on a short leash: its cost grows with the ops pending at once,
 * not with the length of the history, and unknown ops leave it once nothing can observe them. When values repeat
 * they never leave, and the sweep carries many configurations that differ only in which unknown ops are left;
 * then the depth-first search (lin-search.ts) usually finds an order at once, on a leash too. Its states cost one
 * bit per op of the key, so its budget is also capped by their memory. Last, the sweep with the whole budget. Each is exact, so the
 * first verdict is the verdict. (With more than 32 ops pending at once the sweep cannot run: only the search.)
 */
export function checkKey(ops: HistoryOp[], maxStates: number): KeyVerdict {
  const leash = Math.min(maxStates, FIRST_SWEEP_STATES_PER_OP * Math.max(ops.length, 100))
  const first = sweepKey(ops, leash)
  if (first === null) return searchKey(ops, maxStates)
  if (first.verdict !== 'inconclusive' || leash === maxStates) return first
  const words = (ops.length + 31) >>> 5
  const search = searchKey(ops, Math.min(maxStates, SEARCH_STATES_PER_OP * Math.max(ops.length, 100), Math.floor(SEARCH_WORDS / words)))
  if (search.verdict !== 'inconclusive') return { ...search, states: search.states + first.states }
  const last = sweepKey(ops, maxStates) as KeyVerdict
  return { ...last, states: last.states + search.states + first.states }
}

/** Effort bounds for shrinking a failing key to a small fragment. */
const SHRINK_MAX_STATES = 5_000_000
const SHRINK_MAX_ATTEMPTS = 1_000

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
export function shrink(failed: KeyVerdict & { verdict: 'fail' }): { ops: HistoryOp[]; stuck: HistoryOp } {
  const { searched, tried } = failed
  let budget = SHRINK_MAX_STATES
  let attempts = 0
  let stuck = failed.stuck
  const fails = (candidate: HistoryOp[]): boolean => {
    if (candidate.length === 0 || budget <= 0 || attempts >= SHRINK_MAX_ATTEMPTS) return false
    attempts++
    const r = checkKey(candidate, budget)
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
  // Then windows of the time order that end where the search got stuck, doubling in length: the first whose
  // known ops, with what they need, still fail. Each check is a sweep of the window, so this costs about two
  // sweeps of the final window, and the delta debugging below starts from a few dozen ops.
  const end = stuck.outcome === 'ok' ? (stuck.complete as number) : stuck.invoke
  const before = current.filter((op) => op.invoke <= end).sort((a, b) => b.invoke - a.invoke || b.id - a.id)
  for (let w = 4; w < before.length; w *= 2) {
    const seeds = before.slice(0, w).filter((op) => op.outcome === 'ok')
    if (!seeds.includes(stuck) && stuck.outcome === 'ok') seeds.push(stuck)
    const span = needs.closure(seeds)
    if (span.size >= current.length) break
    const cut = searched.filter((op) => span.has(op))
    if (fails(cut)) {
      current = cut
      break
    }
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

