import type { KvOp } from './command.ts'
import type { KvResult } from './store.ts'

/**
 * One client operation as seen from outside the cluster: when it was called, when (and whether) it was
 * answered, and what the answer was. The simulator records these; `src/check/linearizability.ts` reads them.
 *
 * Times are virtual and only compared: A happened before B when `A.complete < B.invoke`; equal times mean
 * "concurrent".
 */
export interface HistoryOp {
  /** Unique within a history. */
  id: number
  client: string
  op: KvOp
  key: string
  /** For set and cas. */
  value?: string
  /** For cas: the value it swaps from; null means "key absent". */
  expected?: string | null
  /** Virtual time of the call. */
  invoke: number
  /** Virtual time of the answer; null when the outcome is unknown. Invariant: `complete >= invoke`. */
  complete: number | null
  /**
   * - ok: applied exactly once, between invoke and complete, and answered with `result`
   *   (a cas that did not swap is still ok: it was applied and observed the value).
   * - fail: certainly not applied (for example rejected before it reached the log).
   * - unknown: may have taken effect once, at any time after invoke, or never; `complete` is null.
   */
  outcome: 'ok' | 'fail' | 'unknown'
  /**
   * The answer; required for ok. An ok answer carrying `error` (malformed, stale request) is not an answer a
   * register gives: record such an op as fail if it certainly had no effect, else as unknown.
   */
  result?: KvResult
}

/** A recorded run: operations in any order. */
export type History = HistoryOp[]
