import type { Entry, HardState, NodeId, Role } from '../raft/types.ts'

/**
 * Raft's safety properties (Figure 3 of the paper), checked incrementally after every event of a run.
 *
 * The checker sees a cluster only through `Observation`s (plain data, plus a read-only view of a leader's
 * log), so the simulator and the browser cluster can feed it alike, and tests can feed it by hand. It keeps
 * ONE global commit history (index -> term, kind, data): the entries nodes have applied. Every node's applied
 * entries must match it, in order, without gaps and without going backwards.
 *
 * Cost per observation is O(entries in it); a new leader costs O(committed entries above its snapshot).
 * Memory: the commit history, plus one record per (index, term) persisted above the committed prefix and per
 * entry that lost (a term other than the committed one at its index); records of committed entries are
 * dropped once they commit, since the history holds the same facts.
 */

/** The properties a checker can find broken. */
export type Property =
  /** At most one leader per term. */
  | 'ElectionSafety'
  /** A leader never overwrites or deletes entries in its log during its term. */
  | 'LeaderAppendOnly'
  /** Two logs with an entry of the same index and term hold the same entries up to that index. */
  | 'LogMatching'
  /** A leader of term T holds every entry committed in terms before T. */
  | 'LeaderCompleteness'
  /** No two nodes apply different entries at the same index. */
  | 'StateMachineSafety'
  /** A node applies entries one by one, in index order, and its state machine never goes backwards. */
  | 'ApplyOrder'
  /** What a node persisted never goes back: term and commit only grow; a vote is not changed within a term. */
  | 'Durability'
  /** After faults stop, the cluster elects a leader and commits again within the stated bounds. */
  | 'Liveness'
  /** The client history has a legal sequential order (checked by src/check/linearizability.ts). */
  | 'Linearizability'

/** One broken property: which, where (nodes, index, term), when, and the seed that replays it. */
export interface Violation {
  property: Property
  message: string
  nodes: NodeId[]
  index?: number
  term?: number
  /** Virtual time of the event after which it was found. */
  time?: number
  seed?: number
}

/** A violation raised as an exception (see `SafetyOptions.throwOnViolation`). */
export class ViolationError extends Error {
  readonly violation: Violation
  constructor(v: Violation) {
    super(formatViolation(v))
    this.name = 'ViolationError'
    this.violation = v
  }
}

/** A one-line description: `[seed 7] StateMachineSafety at index 4 term 2 (n1, n3): ...`. */
export function formatViolation(v: Violation): string {
  const where = [
    v.index !== undefined ? `index ${v.index}` : '',
    v.term !== undefined ? `term ${v.term}` : '',
    v.nodes.length > 0 ? `(${v.nodes.join(', ')})` : '',
    v.time !== undefined ? `at ${v.time} ms` : '',
  ]
    .filter((s) => s !== '')
    .join(' ')
  return `${v.seed !== undefined ? `[seed ${v.seed}] ` : ''}${v.property}${where ? ` ${where}` : ''}: ${v.message}`
}

/** The log inspection a checker needs; a RawNode is one. Read only. */
export interface LogView {
  firstIndex(): number
  lastIndex(): number
  /** Term of the entry at `index`; undefined when compacted away (except the snapshot index) or beyond the end. */
  term(index: number): number | undefined
}

/** What happened at one node, as the host saw it. */
export type Observation =
  /**
   * The node's role or term changed. `log` is its current (in-memory) log; for a leader the checker keeps
   * it and re-reads it after every event until the node stops leading.
   */
  | { type: 'role'; node: NodeId; role: Role; term: number; log: LogView }
  /**
   * The node persisted a Ready: its stored log was truncated at `entries[0].index` (or replaced by
   * `snapshot`) and `entries` appended. `prevTerm` is the stored term at `entries[0].index - 1` (undefined
   * when unknown); `lastIndexBefore` the last stored index before the write. `role` is the Ready's soft
   * state, when it reported a change: a Ready can carry a step-down that no role observation reported yet.
   */
  | {
      type: 'persist'
      node: NodeId
      entries: readonly Entry[]
      prevTerm: number | undefined
      lastIndexBefore: number
      hardState?: HardState
      snapshot?: { index: number; term: number }
      role?: Role
    }
  /** The node applied one committed entry to its state machine. */
  | { type: 'apply'; node: NodeId; entry: Entry }
  /** The node replaced its state machine with a snapshot while running (InstallSnapshot). */
  | { type: 'restore'; node: NodeId; index: number; term: number }
  /**
   * The node started a new incarnation from disk; its state machine holds the snapshot (index 0: empty).
   * `lostDisk`: its disk held nothing (a new node, or one on volatile storage or with a wiped disk): anything it
   * persisted before is gone, so Durability compares its next writes with nothing; what the cluster loses with it
   * shows in the other properties. The simulator never loses a disk.
   */
  | { type: 'restart'; node: NodeId; index: number; term: number; lostDisk?: boolean }
  /** The node stopped; it lost everything it had not persisted. */
  | { type: 'crash'; node: NodeId }
  /**
   * The node sent messages only a leader sends (append, heartbeat, snapshot, timeout-now) in `term`: its
   * leadership of that term is visible to others, whether or not it reached its disk.
   */
  | { type: 'send'; node: NodeId; term: number }
  /**
   * The node's removal from the configuration committed: it is no longer part of the cluster, though it may
   * run a while longer before it stops (its observations are still checked).
   */
  | { type: 'removed'; node: NodeId }

export interface SafetyOptions {
  /** Printed with every violation. */
  seed?: number
  /** Throw a ViolationError on the first violation instead of collecting them. */
  throwOnViolation?: boolean
  /** Stop recording after this many (default 100); checking goes on. */
  maxViolations?: number
}

/** Counts that prove the checker was not vacuous: it saw leaders, commits, overlapping logs. */
export interface SafetyStats {
  /** Role observations of a node becoming leader. */
  elections: number
  /** Distinct terms that had a leader. */
  leaderTerms: number
  /** Highest index in the global commit history. */
  committed: number
  /** Entries applied, all nodes together, re-applies after restarts included. */
  applies: number
  /** Applies compared against an existing history entry (not the first node to apply it). */
  appliesCompared: number
  /** Persisted entries compared against an entry with the same index and term from another write. */
  logMatches: number
  /** History entries a new leader was required to hold. */
  completenessChecks: number
  /** Leader-log re-reads after events. */
  appendOnlyChecks: number
  /** Snapshots restored (restarts from a snapshot included). */
  restores: number
  crashes: number
}

interface LogRecord {
  term: number
  kind: Entry['kind']
  data: string | undefined
  /** Term of the entry before it in the log it was seen in; undefined when unknown. */
  prevTerm: number | undefined
  node: NodeId
}

interface NodeState {
  role: Role
  term: number
  /** Invariant: entries 1..applied of this incarnation were applied and match the history. */
  applied: number
  log: LogView | null
  /** Last persisted hard state; survives crashes, like the disk. */
  hard: HardState | null
}

/** What the checker remembers about a node while it leads, for Leader Append-Only. */
interface LeaderWatch {
  node: NodeId
  term: number
  /** Last index seen in its log, and the term there. */
  last: number
  lastTerm: number | undefined
  /** Highest index of an entry of its own term that it persisted. */
  own: number
}

/**
 * Checks Election Safety, Leader Append-Only, Log Matching, Leader Completeness, State Machine Safety, apply
 * order and durability of persisted state, incrementally, from a stream of observations.
 */
export class SafetyChecker {
  /** Violations found so far (at most `maxViolations`). */
  readonly violations: Violation[] = []
  /** Virtual time stamped on violations; the host sets it before each event. */
  now = 0

  readonly #seed: number | undefined
  readonly #throw: boolean
  readonly #max: number
  readonly #nodes = new Map<NodeId, NodeState>()
  /** Leader per term: counted once its leadership was durable or visible. */
  readonly #leaders = new Map<number, NodeId>()
  /**
   * Leaderships won in memory only: node -> term. A node that is the only voter of its configuration wins by
   * its own vote before that vote reaches its disk; if it crashes then, it restarts at the old term and may
   * vote for someone else in that term. Such a leadership never existed for the cluster (nobody saw it, it
   * committed nothing), so it counts for Election Safety only once its term and vote are persisted or it sends
   * a leader's message.
   */
  readonly #pendingLead = new Map<NodeId, number>()
  readonly #watch = new Map<NodeId, LeaderWatch>()
  /** Commit history, 1-based; index 0 unused. Invariant: dense from 1 to #hTerm.length - 1. */
  readonly #hTerm: number[] = [0]
  readonly #hKind: Entry['kind'][] = ['noop']
  readonly #hData: (string | undefined)[] = [undefined]
  readonly #hNode: NodeId[] = ['']
  /**
   * Every (index, term) persisted by any node: index -> records (usually one). Below the committed prefix only
   * the entries that lost remain: an entry of the committed term there is checked against the history instead.
   */
  readonly #logs = new Map<number, LogRecord[]>()
  readonly #stats: SafetyStats = {
    elections: 0,
    leaderTerms: 0,
    committed: 0,
    applies: 0,
    appliesCompared: 0,
    logMatches: 0,
    completenessChecks: 0,
    appendOnlyChecks: 0,
    restores: 0,
    crashes: 0,
  }

  constructor(options: SafetyOptions = {}) {
    this.#seed = options.seed
    this.#throw = options.throwOnViolation ?? false
    this.#max = options.maxViolations ?? 100
  }

  /** Counters for asserting that the checks had something to check. */
  stats(): SafetyStats {
    return { ...this.#stats }
  }

  /** Indexes with log records held, and records in all (the part of the checker's memory pruning bounds). */
  get recordCount(): { indexes: number; records: number } {
    let records = 0
    for (const recs of this.#logs.values()) records += recs.length
    return { indexes: this.#logs.size, records }
  }

  /** Highest index in the global commit history (0 when nothing was applied yet). */
  get committed(): number {
    return this.#hTerm.length - 1
  }

  /** The committed entry at `index` as first applied, or undefined beyond the history. */
  committedEntry(index: number): { term: number; kind: Entry['kind']; data: string | undefined; node: NodeId } | undefined {
    if (!(index >= 1 && index < this.#hTerm.length)) return undefined
    return { term: this.#hTerm[index], kind: this.#hKind[index], data: this.#hData[index], node: this.#hNode[index] }
  }

  /** The leader of `term`, if one was seen. */
  leaderOf(term: number): NodeId | undefined {
    return this.#leaders.get(term)
  }

  /** True when no violation was found. */
  get ok(): boolean {
    return this.violations.length === 0
  }

  /** Feeds one observation. */
  observe(o: Observation): void {
    switch (o.type) {
      case 'role':
        return this.#onRole(o.node, o.role, o.term, o.log)
      case 'persist':
        return this.#onPersist(o.node, o.entries, o.prevTerm, o.lastIndexBefore, o.hardState, o.snapshot, o.role)
      case 'apply':
        return this.#onApply(o.node, o.entry)
      case 'restore':
        return this.#onRestore(o.node, o.index, o.term, false)
      case 'restart':
        if (o.lostDisk === true) this.#state(o.node).hard = null
        return this.#onRestore(o.node, o.index, o.term, true)
      case 'removed':
        return // a removed node still running is checked like any other
      case 'send':
        if (this.#pendingLead.get(o.node) === o.term) this.#claimLeadership(o.node, o.term)
        return
      case 'crash': {
        this.#stats.crashes++
        this.#pendingLead.delete(o.node)
        const s = this.#state(o.node)
        s.role = 'follower'
        s.log = null
        this.#watch.delete(o.node)
        return
      }
    }
  }

  /**
   * Re-reads the log of every current leader: since the last look it may only have grown, and the entry
   * that was last must still be there with the same term. O(leaders) per call; call after every event.
   */
  afterEvent(): void {
    if (this.#watch.size === 0) return
    for (const w of this.#watch.values()) {
      const log = this.#nodes.get(w.node)?.log
      if (!log) continue
      this.#stats.appendOnlyChecks++
      const last = log.lastIndex()
      if (last < w.last) {
        this.#report('LeaderAppendOnly', [w.node], `leader of term ${w.term} deleted entries: its last index went from ${w.last} to ${last}`, w.last, w.term)
      } else if (w.lastTerm !== undefined) {
        const t = log.term(w.last)
        if (t !== undefined && t !== w.lastTerm) {
          this.#report('LeaderAppendOnly', [w.node], `leader of term ${w.term} overwrote entry ${w.last}: term ${w.lastTerm} became ${t}`, w.last, w.term)
        }
      }
      w.last = last
      w.lastTerm = log.term(last)
    }
  }

  #state(node: NodeId): NodeState {
    let s = this.#nodes.get(node)
    if (s === undefined) {
      s = { role: 'follower', term: 0, applied: 0, log: null, hard: null }
      this.#nodes.set(node, s)
    }
    return s
  }

  #onRole(node: NodeId, role: Role, term: number, log: LogView): void {
    const s = this.#state(node)
    const wasLeader = s.role === 'leader' && s.term === term
    s.role = role
    s.term = term
    s.log = log
    if (role !== 'leader') {
      this.#watch.delete(node)
      if (this.#pendingLead.get(node) !== term) this.#pendingLead.delete(node)
      return
    }
    if (wasLeader) return
    this.#stats.elections++

    // Election Safety, for leaderships that are durable (term and own vote persisted) or visible (a leader's
    // message sent); one held only in memory waits for either.
    const hard = s.hard
    if (hard !== null && hard.term === term && hard.vote === node) this.#claimLeadership(node, term)
    else this.#pendingLead.set(node, term)

    // Leader Completeness: every entry committed in an earlier term is in the new leader's log. Entries at or
    // below its snapshot are covered by the snapshot, which only ever holds committed state.
    const from = Math.max(1, log.firstIndex())
    for (let i = from; i < this.#hTerm.length; i++) {
      const want = this.#hTerm[i]
      if (want >= term) continue
      this.#stats.completenessChecks++
      const got = log.term(i)
      if (got !== want) {
        this.#report(
          'LeaderCompleteness',
          [node, this.#hNode[i]],
          `leader of term ${term} lacks entry ${i} (term ${want}, applied by ${this.#hNode[i]}): ` +
            (got === undefined ? 'its log ends at ' + log.lastIndex() : `it holds term ${got} there`),
          i,
          want,
        )
        break // one report per election; the rest usually follows from the first
      }
    }

    const last = log.lastIndex()
    this.#watch.set(node, { node, term, last, lastTerm: log.term(last), own: 0 })
  }

  /** `node`'s leadership of `term` became durable or visible: at most one node may have that. */
  #claimLeadership(node: NodeId, term: number): void {
    this.#pendingLead.delete(node)
    const other = this.#leaders.get(term)
    if (other === undefined) {
      this.#leaders.set(term, node)
      this.#stats.leaderTerms++
    } else if (other !== node) {
      this.#report('ElectionSafety', [other, node], `two leaders in term ${term}: ${other} and ${node}`, undefined, term)
    }
  }

  #onPersist(
    node: NodeId,
    entries: readonly Entry[],
    prevTerm: number | undefined,
    lastIndexBefore: number,
    hard: HardState | undefined,
    snapshot: { index: number; term: number } | undefined,
    role: Role | undefined,
  ): void {
    const s = this.#state(node)
    const watched = this.#watch.get(node)
    if (watched !== undefined && ((role !== undefined && role !== 'leader') || (hard !== undefined && hard.term > watched.term))) {
      // The write is the first sign that it stepped down: what it truncates now, it truncates as a follower.
      this.#watch.delete(node)
    }
    if (hard !== undefined) {
      this.#checkHardState(node, s, hard)
      const pending = this.#pendingLead.get(node)
      if (pending !== undefined) {
        if (hard.term === pending && hard.vote === node) this.#claimLeadership(node, pending)
        else if (hard.term > pending) this.#pendingLead.delete(node)
      }
    }
    if (snapshot !== undefined) this.#checkCommittedTerm(node, snapshot.index, snapshot.term, 'a persisted snapshot')
    if (entries.length === 0) return

    // Leader Append-Only, on what reaches the disk: while leading term T, a node never rewrites an entry of
    // term T it already persisted. (Entries of earlier terms taken in as a follower may still be replaced
    // by the first Ready after the election, which was assembled before it.)
    const w = this.#watch.get(node)
    if (w !== undefined) {
      const first = entries[0].index
      if (first <= w.own) {
        this.#report(
          'LeaderAppendOnly',
          [node],
          `leader of term ${w.term} rewrote its own persisted entries from index ${first} (it had persisted up to ${w.own}, last ${lastIndexBefore})`,
          first,
          w.term,
        )
      }
      for (const e of entries) if (e.term === w.term && e.index > w.own) w.own = e.index
    }

    // Log Matching, by induction on the index: if every (index, term) has one content and one term before it,
    // two logs that share an (index, term) share the entry before it too, and so on down to index 1.
    let prev = prevTerm
    let expectIndex = entries[0].index
    for (const e of entries) {
      if (e.index !== expectIndex) {
        this.#report('LogMatching', [node], `persisted entries are not contiguous: expected index ${expectIndex}, got ${e.index}`, e.index, e.term)
      }
      expectIndex = e.index + 1
      if (prev !== undefined && e.term < prev) {
        this.#report('LogMatching', [node], `entry ${e.index} has term ${e.term} below the term ${prev} of the entry before it`, e.index, e.term)
      }
      this.#matchRecord(node, e, prev)
      prev = e.term
    }
  }

  #matchRecord(node: NodeId, e: Entry, prevTerm: number | undefined): void {
    const h = this.#hTerm
    if (e.index < h.length && e.term === h[e.index]) {
      // A committed (index, term): its records were pruned; the history says what the entry and the one
      // before it are.
      this.#stats.logMatches++
      this.#matchCommitted(node, e.index, e.kind, e.data, prevTerm)
      return
    }
    let recs = this.#logs.get(e.index)
    if (recs === undefined) {
      recs = []
      this.#logs.set(e.index, recs)
    }
    for (const r of recs) {
      if (r.term !== e.term) continue
      this.#stats.logMatches++
      if (r.kind !== e.kind || r.data !== e.data) {
        this.#report(
          'LogMatching',
          [r.node, node],
          `entry ${e.index} of term ${e.term} differs: ${describe(r.kind, r.data)} on ${r.node}, ${describe(e.kind, e.data)} on ${node}`,
          e.index,
          e.term,
        )
      } else if (r.prevTerm !== undefined && prevTerm !== undefined && r.prevTerm !== prevTerm) {
        this.#report(
          'LogMatching',
          [r.node, node],
          `logs agree on entry ${e.index} term ${e.term} but not before it: entry ${e.index - 1} has term ${r.prevTerm} on ${r.node} and ${prevTerm} on ${node}`,
          e.index - 1,
          e.term,
        )
      } else if (r.prevTerm === undefined && prevTerm !== undefined) {
        r.prevTerm = prevTerm
      }
      return
    }
    recs.push({ term: e.term, kind: e.kind, data: e.data, prevTerm, node })
  }

  #onApply(node: NodeId, e: Entry): void {
    const s = this.#state(node)
    this.#stats.applies++
    if (e.index !== s.applied + 1) {
      this.#report(
        'ApplyOrder',
        [node],
        e.index <= s.applied
          ? `applied entry ${e.index} again (already applied up to ${s.applied})`
          : `skipped entries: applied ${e.index} after ${s.applied}`,
        e.index,
        e.term,
      )
    }
    s.applied = e.index
    const h = this.#hTerm
    if (e.index < h.length) {
      this.#stats.appliesCompared++
      if (h[e.index] !== e.term || this.#hKind[e.index] !== e.kind || this.#hData[e.index] !== e.data) {
        this.#report(
          'StateMachineSafety',
          [this.#hNode[e.index], node],
          `entry ${e.index}: ${this.#hNode[e.index]} applied term ${h[e.index]} ${describe(this.#hKind[e.index], this.#hData[e.index])}, ` +
            `${node} applied term ${e.term} ${describe(e.kind, e.data)}`,
          e.index,
          e.term,
        )
      }
    } else if (e.index === h.length) {
      h.push(e.term)
      this.#hKind.push(e.kind)
      this.#hData.push(e.data)
      this.#hNode.push(node)
      this.#stats.committed = e.index
      this.#prune(e.index)
    } else {
      // A gap in the history means this node applied past entries nobody applied: ApplyOrder was reported.
      // Keep the history dense by not recording it.
    }
  }

  /** A persisted entry of the committed term at a committed index must be the committed entry, after the committed one. */
  #matchCommitted(node: NodeId, index: number, kind: Entry['kind'], data: string | undefined, prevTerm: number | undefined): void {
    const term = this.#hTerm[index]
    const by = this.#hNode[index]
    if (kind !== this.#hKind[index] || data !== this.#hData[index]) {
      this.#report(
        'LogMatching',
        [by, node],
        `entry ${index} of term ${term} differs: ${describe(this.#hKind[index], this.#hData[index])} committed (applied by ${by}), ${describe(kind, data)} on ${node}`,
        index,
        term,
      )
    } else if (prevTerm !== undefined && prevTerm !== this.#hTerm[index - 1]) {
      this.#report(
        'LogMatching',
        [by, node],
        `${node} holds committed entry ${index} term ${term} after entry ${index - 1} of term ${prevTerm}, but the committed entry ${index - 1} has term ${this.#hTerm[index - 1]}`,
        index - 1,
        term,
      )
    }
  }

  /**
   * Index `index` just entered the commit history: its records of the committed term are checked against it
   * one last time and dropped; records of other terms (entries that lost) stay, to keep checking one another.
   */
  #prune(index: number): void {
    const recs = this.#logs.get(index)
    if (recs === undefined) return
    const term = this.#hTerm[index]
    let kept = 0
    for (const r of recs) {
      if (r.term === term) this.#matchCommitted(r.node, index, r.kind, r.data, r.prevTerm)
      else recs[kept++] = r
    }
    if (kept === 0) this.#logs.delete(index)
    else recs.length = kept
  }

  #onRestore(node: NodeId, index: number, term: number, restart: boolean): void {
    const s = this.#state(node)
    this.#stats.restores += index > 0 ? 1 : 0
    if (restart) {
      s.role = 'follower'
      s.log = null
      this.#watch.delete(node)
      this.#pendingLead.delete(node)
    } else if (index < s.applied) {
      this.#report('ApplyOrder', [node], `state machine went back from ${s.applied} to a snapshot at ${index}`, index, term)
    }
    s.applied = index
    if (index > 0) this.#checkCommittedTerm(node, index, term, restart ? 'the snapshot it restarted from' : 'a restored snapshot')
  }

  /** A snapshot holds committed state only: its (index, term) must agree with the history. */
  #checkCommittedTerm(node: NodeId, index: number, term: number, what: string): void {
    if (index < this.#hTerm.length && this.#hTerm[index] !== term) {
      this.#report(
        'StateMachineSafety',
        [node, this.#hNode[index]],
        `${what} ends at entry ${index} of term ${term}, but ${this.#hNode[index]} applied term ${this.#hTerm[index]} there`,
        index,
        term,
      )
    }
  }

  #checkHardState(node: NodeId, s: NodeState, hs: HardState): void {
    const old = s.hard
    s.hard = { term: hs.term, vote: hs.vote, commit: hs.commit }
    if (old === null) return
    if (hs.term < old.term) {
      this.#report('Durability', [node], `persisted term went back from ${old.term} to ${hs.term}`, undefined, hs.term)
    } else if (hs.term === old.term && old.vote !== null && hs.vote !== old.vote) {
      this.#report('Durability', [node], `vote in term ${hs.term} changed from ${old.vote} to ${hs.vote ?? 'none'}`, undefined, hs.term)
    }
    if (hs.commit < old.commit) {
      this.#report('Durability', [node], `persisted commit went back from ${old.commit} to ${hs.commit}`, hs.commit, hs.term)
    }
  }

  #report(property: Property, nodes: NodeId[], message: string, index?: number, term?: number): void {
    const v: Violation = { property, message, nodes: [...new Set(nodes)], time: this.now }
    if (index !== undefined) v.index = index
    if (term !== undefined) v.term = term
    if (this.#seed !== undefined) v.seed = this.#seed
    if (this.#throw) throw new ViolationError(v)
    if (this.violations.length < this.#max) this.violations.push(v)
  }
}

function describe(kind: Entry['kind'], data: string | undefined): string {
  if (kind !== 'command') return kind
  const d = data ?? ''
  return JSON.stringify(d.length > 60 ? `${d.slice(0, 60)}...` : d)
}
