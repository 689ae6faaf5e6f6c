/** The register model of the linearizability checker, compiled to integers (see linearizability.ts). */
import type { HistoryOp } from '../kv/history.ts'

// ---------------------------------------------------------------------------------------------------------------
// The register model, compiled to integers: values are interned (null is 0), each op becomes a step function.

export const SET = 0
export const DELETE = 1
export const GET = 2
export const CAS = 3

/** How the answer constrains an op: FREE (unknown outcome), BOUND (must match), NEVER (no register answers so). */
export const FREE = 0
export const BOUND = 1
export const NEVER = 2

const OP_CODES = { set: SET, delete: DELETE, get: GET, cas: CAS } as const

/** One key's operations in the form the search needs. */
export interface Compiled {
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

export class Interner {
  #ids = new Map<string, number>()
  id(v: string | null | undefined): number {
    if (v === null || v === undefined) return 0
    let id = this.#ids.get(v)
    if (id === undefined) this.#ids.set(v, (id = this.#ids.size + 1))
    return id
  }
}

/** The value an op's answer says it saw, for ops whose answer reveals the register (undefined otherwise). */
export function observes(op: HistoryOp): string | null | undefined {
  if (op.outcome === 'unknown') return op.op === 'cas' ? (op.expected ?? null) : undefined
  if (op.outcome !== 'ok' || op.result === undefined || op.op === 'set') return undefined
  if (op.op === 'cas' && op.result.ok) return op.expected ?? null
  return op.result.value
}

/** The value the op may have left in the register (undefined when it writes nothing). */
export function writes(op: HistoryOp): string | null | undefined {
  if (op.outcome === 'fail') return undefined
  if (op.op === 'delete') return null
  if (op.op === 'set') return op.value
  if (op.op === 'cas' && (op.outcome === 'unknown' || op.result?.ok === true)) return op.value
  return undefined
}

export function mayWrite(op: HistoryOp, v: string | null): boolean {
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
export function relevantOps(ops: HistoryOp[]): HistoryOp[] {
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

export function compile(ops: HistoryOp[]): Compiled {
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
export function step(c: Compiled, i: number, state: number): number {
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

