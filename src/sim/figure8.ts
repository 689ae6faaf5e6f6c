import type { NodeId, Status } from '../raft/types.ts'
import type { Prng } from '../world/prng.ts'

/**
 * A fault script that steers a random run into the shape of the Raft paper's Figure 8 (section 5.4.2), which
 * independent random faults almost never reach:
 *
 *   1. a leader L is cut off with a minority right after appending entries it has not committed;
 *   2. L crashes; the majority elects L2, which is isolated at once, persists an entry of its own term that
 *      reaches nobody, and crashes;
 *   3. the network heals and L restarts; someone (L3) wins a new term and replicates the old entries one at a
 *      time (replication is slowed to one entry per append and one append in flight for the script);
 *   4. L3 crashes as soon as it applies anything new, and L2 restarts.
 *
 * A correct leader commits the old entries only together with an entry of its own term, so when L3 applies
 * anything, a majority holds an entry newer than L2's and L2 cannot win. A leader that counts replicas of old
 * entries (`commitOldTermEntries`) commits them while its own entry is on a minority; L2 may then win and
 * overwrite them: Leader Completeness and State Machine Safety break. Each step has a deadline; a step that
 * does not happen in time ends the script (the network healed, crashed nodes left to the random faults).
 *
 * Draws only from its own stream, so it shifts nothing in the others.
 */
export interface Figure8Host {
  readonly now: number
  /** The voters of the committed configuration that are members and up. */
  upVoters(): NodeId[]
  leader(): NodeId | null
  status(id: NodeId): Status
  isUp(id: NodeId): boolean
  appliedIndex(id: NodeId): number
  /** Term of the last entry on the node's disk (0 for none). */
  diskLastTerm(id: NodeId): number
  crash(id: NodeId): void
  restart(id: NodeId): void
  partition(groups: NodeId[][]): void
  isolate(id: NodeId): void
  heal(): void
  /** One entry per append and one append in flight on every node (on), or the options' values again (off). */
  slowReplication(on: boolean): void
}

type Phase =
  /** Waiting for the leader to hold an entry beyond its commit. */
  | { kind: 'burst'; l: NodeId; term: number }
  /** L is cut off with a minority; it crashes at `at`. */
  | { kind: 'cut'; l: NodeId; term: number; at: number }
  /** Waiting for a leader of a higher term among the rest; then isolating it until its own entry is on its disk. */
  | { kind: 'second'; l: NodeId; term: number; l2: NodeId | null; term2: number }
  /** Healed, L restarted: waiting for a new leader L3 above term2. */
  | { kind: 'third'; l2: NodeId; term2: number }
  /** L3 leads; it crashes as soon as it applies past `applied`. */
  | { kind: 'apply'; l2: NodeId; l3: NodeId; term3: number; applied: number }
  /** L2 restarted, L3 down until `until`. */
  | { kind: 'rerun'; l3: NodeId; until: number }

export interface Figure8Stats {
  /** Scripts started, and scripts that reached their last step (L3 applied, then crashed, and L2 restarted). */
  started: number
  completed: number
}

export class Figure8Script {
  readonly stats: Figure8Stats = { started: 0, completed: 0 }
  readonly #host: Figure8Host
  readonly #rng: Prng
  readonly #electionMs: number
  readonly #roundMs: number
  #phase: Phase | null = null
  /** The current step must happen before this time. */
  #deadline = 0

  constructor(host: Figure8Host, rng: Prng, electionMs: number, roundMs: number) {
    this.#host = host
    this.#rng = rng
    this.#electionMs = electionMs
    this.#roundMs = roundMs
  }

  /** A script is under way (random faults pause meanwhile). */
  get active(): boolean {
    return this.#phase !== null
  }

  /** Starts a script when a leader with at least two other voters up exists. Returns whether it started. */
  start(): boolean {
    if (this.#phase !== null) return false
    const h = this.#host
    const l = h.leader()
    if (l === null || h.upVoters().length < 3 || !h.upVoters().includes(l)) return false
    this.stats.started++
    h.slowReplication(true)
    this.#phase = { kind: 'burst', l, term: h.status(l).term }
    this.#deadline = h.now + 3 * this.#electionMs
    return true
  }

  /** Ends the script at once: network healed, normal replication again. Crashed nodes stay down. */
  stop(): void {
    if (this.#phase === null) return
    this.#phase = null
    this.#host.heal()
    this.#host.slowReplication(false)
  }

  /** Call after every event while active: moves to the next step when its condition holds. */
  afterEvent(): void {
    const p = this.#phase
    if (p === null) return
    const h = this.#host
    if (h.now > this.#deadline) {
      this.stop()
      return
    }
    switch (p.kind) {
      case 'burst': {
        if (!h.isUp(p.l)) return this.stop()
        const s = h.status(p.l)
        if (s.role !== 'leader' || s.term !== p.term) return this.stop()
        if (s.lastIndex <= s.commit) return
        // Cut L off with a minority (L alone with 3 voters), right after it appended entries it has not committed.
        const others = this.#rng.shuffled(h.upVoters().filter((id) => id !== p.l))
        const minority = Math.floor((others.length + 1 - 1) / 2) - 1
        const group = [p.l, ...others.slice(0, Math.max(0, minority))]
        const rest = others.slice(Math.max(0, minority))
        h.partition([group, rest])
        this.#phase = { kind: 'cut', l: p.l, term: p.term, at: h.now + this.#roundMs }
        this.#deadline = h.now + 2 * this.#roundMs + 1
        return
      }
      case 'cut':
        if (h.now < p.at) return
        h.crash(p.l)
        this.#phase = { kind: 'second', l: p.l, term: p.term, l2: null, term2: 0 }
        this.#deadline = h.now + 8 * this.#electionMs
        return
      case 'second': {
        if (p.l2 === null) {
          const l2 = h.leader()
          if (l2 === null || l2 === p.l) return
          const t2 = h.status(l2).term
          if (t2 <= p.term) return
          // Its entry of term t2 must reach nobody: isolate it before its first Ready reaches its disk.
          h.isolate(l2)
          p.l2 = l2
          p.term2 = t2
          this.#deadline = h.now + 4 * this.#roundMs + this.#electionMs
          return
        }
        if (!h.isUp(p.l2)) return this.stop()
        if (h.diskLastTerm(p.l2) !== p.term2) return
        h.crash(p.l2)
        h.heal()
        h.restart(p.l)
        this.#phase = { kind: 'third', l2: p.l2, term2: p.term2 }
        this.#deadline = h.now + 8 * this.#electionMs
        return
      }
      case 'third': {
        const l3 = h.leader()
        if (l3 === null || l3 === p.l2) return
        const s = h.status(l3)
        if (s.term <= p.term2) return
        this.#phase = { kind: 'apply', l2: p.l2, l3, term3: s.term, applied: h.appliedIndex(l3) }
        this.#deadline = h.now + 4 * this.#electionMs
        return
      }
      case 'apply': {
        if (!h.isUp(p.l3)) return this.stop()
        if (h.appliedIndex(p.l3) <= p.applied) return
        h.crash(p.l3)
        h.restart(p.l2)
        this.#phase = { kind: 'rerun', l3: p.l3, until: h.now + 4 * this.#electionMs }
        this.#deadline = p.kind === 'apply' ? h.now + 5 * this.#electionMs : this.#deadline
        return
      }
      case 'rerun':
        if (h.now < p.until) return
        this.stats.completed++
        h.restart(p.l3)
        this.stop()
        return
    }
  }
}
