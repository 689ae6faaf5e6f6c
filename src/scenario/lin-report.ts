import { checkLinearizability } from '../check/linearizability.ts'
import type { Violation } from '../check/safety.ts'
import type { HistoryOp } from '../kv/history.ts'

/**
 * The linearizability of a script's client history, reported like the safety checkers' violations: the runner
 * prints `VIOLATION Linearizability ...` as an event, `check` lists it, and a command that lets time pass stops
 * at it. Plain data, no IO: the scenario cluster feeds it and asks after every event.
 *
 * The history holds the requests of the script's clients (`read`, `write`, as the client protocol records them)
 * and the commands the script proposed straight into a leader's log (`propose`). No client waits for a proposal's
 * answer, so a proposal is an operation of unknown outcome: it may take effect at any time after it was proposed,
 * or never. That keeps the check honest for scripts that write by `propose` and read by `read`: a read that sees
 * a proposed value is explained by the proposal.
 *
 * Only an answer that observes the register (a get or a delete) can make a linearizable history fail (a blind
 * write can always take effect right before it returns), so the history is checked again only after such an
 * answer. The first violation is kept and reported once; the history is not checked after it.
 */

/** One operation of the script, and how a sentence names it. */
interface Tracked {
  /** The operation as the client protocol records it (updated in place when it completes), or a proposal's. */
  op: HistoryOp
  /** `client r1`, `entry 2 proposed at n1`. */
  name: string
  /** The node that answered it, once answered. */
  node?: string
}

/** Matches an operation as lin-explain.ts labels it: `#7 (c2) set "a" [t=3..5]`; group 1 the id, 2 what it did. */
const LABEL = /#(\d+) \([^)]*\) (.*?) \[t=\d+\.\.(?:\d+|\?)\]/g
const BARE_ID = /#(\d+)/g

export class ScriptHistory {
  readonly #ops: Tracked[] = []
  /** Answers that observe the register, checked so far. */
  #checked = 0
  #violation: Violation | null = null

  /** A request of a script client (`read`, `write`), named as the script prints it (`r1`, `w1`). */
  client(op: HistoryOp, client: string): void {
    this.#ops.push({ op, name: `client ${client}` })
  }

  /** A command proposed straight into `node`'s log at `index`, at virtual time `now`: its outcome stays unknown. */
  proposed(command: { op: 'set' | 'delete' | 'get'; key: string; value?: string }, node: string, index: number, now: number): void {
    if (command.op === 'get') return // a read nobody waits for observes nothing
    const op: HistoryOp = { id: 0, client: 'script', op: command.op, key: command.key, invoke: now, complete: null, outcome: 'unknown' }
    if (command.value !== undefined) op.value = command.value
    this.#ops.push({ op, name: `entry ${index} proposed at ${node}` })
  }

  /** The client protocol's operation `id` was answered by `node`. */
  answered(id: number, node: string | undefined): void {
    const t = this.#ops.find((x) => x.op.id === id && x.op.client !== 'script')
    if (t !== undefined) t.node = node
  }

  /** The violation found, once found. */
  get violation(): Violation | null {
    return this.#violation
  }

  /**
   * Checks the history again when an answer that observes the register came since the last check. Returns the
   * violation when this check found it (only once), else null.
   */
  check(now: number): Violation | null {
    if (this.#violation !== null) return null
    const observing = this.#ops.filter((t) => t.op.outcome === 'ok' && (t.op.op === 'get' || t.op.op === 'delete'))
    if (observing.length === this.#checked) return null
    this.#checked = observing.length
    // Script-local ids (a proposal has none of its own), in the order the script made the operations.
    const history = this.#ops.map((t, i): HistoryOp => ({ ...t.op, id: i + 1 }))
    const r = checkLinearizability(history)
    if (r.verdict !== 'violation' || r.failure === undefined) return null
    const nameOf = (id: string): string => this.#ops[Number(id) - 1]?.name ?? `#${id}`
    const message = r.failure.explanation.replace(LABEL, (_, id: string, what: string) => `${nameOf(id)} (${what})`).replace(BARE_ID, (_, id: string) => nameOf(id))
    // The answer that made the history fail: the latest observing answer.
    const last = observing.reduce((a, b) => ((b.op.complete ?? 0) >= (a.op.complete ?? 0) ? b : a))
    const v: Violation = { property: 'Linearizability', message, nodes: last.node !== undefined ? [last.node] : [], time: now }
    this.#violation = v
    return v
  }
}
