/** Explaining a failing fragment in one sentence (see linearizability.ts). */
import type { HistoryOp } from '../kv/history.ts'
import { NEVER, compile, mayWrite, observes } from './lin-model.ts'

/** Longest fragment an explanation lists op by op. */
const MAX_LISTED = 8

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
export function explain(key: string, fragment: HistoryOp[], stuck: HistoryOp): string {
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

