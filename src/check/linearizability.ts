/**
 * Linearizability checker for the key/value store: is there one order of the operations, consistent with their
 * real-time order, in which every answer is what a single register per key would have given?
 *
 * Keys are independent registers, so each key is checked on its own (linearizability is compositional;
 * Herlihy & Wing 1990). The modules:
 * - lin-model.ts: the register model compiled to integers, and which unknown ops can be dropped (`relevantOps`);
 * - lin-sweep.ts: the main decider. One pass over the key's events in time order, carrying every configuration
 *   the register can be in (value, which pending ops are linearized, which unknown ops may still take effect).
 *   Unknown ops (they may take effect at any time after their call, or never) are placed only right before an op
 *   that observes what they lead to, and leave the pool once nothing can observe what they write; a register
 *   that holds such a value is one "dead" value. Its cost follows the ops pending at once, not the length;
 * - lin-search.ts: a Wing & Gong search (1993) with the memoization of Lowe (2017), as done by Porcupine; fast
 *   when values repeat, where the sweep carries many configurations;
 * - lin-shrink.ts: `checkKey` chooses between them (each is exact), and a failing key is shrunk to a small
 *   fragment that fails on its own and still proves that the whole history fails (`Needs`, `shrink`): the prefix
 *   the sweep got through, then windows ending where it got stuck, then delta debugging;
 * - lin-explain.ts: the fragment explained in one sentence.
 *
 * A search that runs out of budget is "inconclusive": its own verdict, never a pass.
 */
import type { History, HistoryOp } from '../kv/history.ts'
import { explain } from './lin-explain.ts'
import { checkKey, shrink } from './lin-shrink.ts'

export { describeOp } from './lin-explain.ts'

/** The verdict of `checkLinearizability`. */
export interface LinearizabilityResult {
  /**
   * The outcome, one of three: linearizable ("ok"), not linearizable ("violation"), or undecided because the
   * search gave up ("inconclusive": neither a pass nor a failure; a caller must not count it as a pass).
   */
  verdict: 'ok' | 'violation' | 'inconclusive'
  /** verdict === 'ok'. */
  ok: boolean
  /** When the search gave up (state budget exhausted): ok is false and inconclusive is true. */
  inconclusive?: boolean
  /** When inconclusive: the key the search gave up on, and the states it had explored there. */
  gaveUp?: { key: string; states: number }
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
  /**
   * Most search states (configurations carried or explored, see lin-sweep.ts) for any one key before giving up
   * as inconclusive. Default 20,000,000.
   */
  maxStates?: number
}

const DEFAULT_MAX_STATES = 20_000_000

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
  let gaveUp: { key: string; states: number } | undefined
  for (const key of keys) {
    const ops = byKey.get(key) as HistoryOp[]
    const r = checkKey(ops, maxStates)
    stats.statesExplored += r.states
    if (r.verdict === 'ok') {
      witness[key] = r.order
    } else if (r.verdict === 'inconclusive') {
      gaveUp ??= { key, states: r.states }
    } else {
      const { ops: fragment, stuck } = shrink(r)
      const failure = { key, ops: fragment, explanation: explain(key, fragment, stuck) }
      return { verdict: 'violation', ok: false, failure, stats }
    }
  }
  if (gaveUp !== undefined) return { verdict: 'inconclusive', ok: false, inconclusive: true, gaveUp, stats }
  return { verdict: 'ok', ok: true, witness, stats }
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

