/**
 * Membership (thesis chapter 4, single-server changes; etcd's confchange): the configuration in force and where
 * it comes from, who votes, who may campaign, who a leader replicates to, and config entries: parsing one,
 * adopting the latest one appended (committed or not: thesis section 4.1), recomputing after a truncation or a
 * snapshot, and encoding a proposed change. It reads the log and changes nothing but the configuration; the state
 * machine (raft.ts) decides when a change may be proposed and brings its tracker in line afterwards.
 */
import type { RaftLog } from './log.ts'
import type { ReplicationTargets } from './tracker.ts'
import type { ConfChange, ConfState, Entry, NodeId } from './types.ts'

/** Parses the data of a `config` entry; null when malformed (a malformed entry changes nothing). */
export function parseConfEntry(data: string | undefined): (ConfState & { type?: string; node?: string }) | null {
  if (typeof data !== 'string') return null
  try {
    const v = JSON.parse(data) as unknown
    if (typeof v !== 'object' || v === null) return null
    const o = v as Record<string, unknown>
    const ok = (a: unknown): a is string[] => Array.isArray(a) && a.every((x) => typeof x === 'string')
    if (!ok(o.voters) || !ok(o.learners)) return null
    return {
      voters: o.voters,
      learners: o.learners,
      type: typeof o.type === 'string' ? o.type : undefined,
      node: typeof o.node === 'string' ? o.node : undefined,
    }
  } catch {
    return null
  }
}

/** Throws when a proposed change does not name a node. */
export function checkConfChange(c: ConfChange): void {
  if (!c || typeof c.node !== 'string' || c.node === '') throw new Error('a configuration change needs a node id')
}

/**
 * The data of the config entry that applies `c` to the configuration `current`: the change and the whole
 * configuration after it. Throws when the change makes no sense there (adding a member twice, removing a
 * non-member or the last voter).
 */
export function confChangeData(current: ConfState, c: ConfChange): string {
  const voters = [...current.voters]
  const learners = [...current.learners]
  const isV = voters.includes(c.node)
  const isL = learners.includes(c.node)
  switch (c.type) {
    case 'addLearner':
      if (isV) throw new Error(`${c.node} is already a voter`)
      if (isL) throw new Error(`${c.node} is already a learner`)
      learners.push(c.node)
      break
    case 'addVoter':
      if (isV) throw new Error(`${c.node} is already a voter`)
      if (isL) learners.splice(learners.indexOf(c.node), 1)
      voters.push(c.node)
      break
    case 'removeNode':
      if (!isV && !isL) throw new Error(`${c.node} is not a member of the cluster`)
      if (isV && voters.length === 1) throw new Error(`cannot remove ${c.node}: it is the last voter`)
      if (isV) voters.splice(voters.indexOf(c.node), 1)
      else learners.splice(learners.indexOf(c.node), 1)
      break
    default:
      throw new Error(`unknown configuration change type ${String((c as { type: unknown }).type)}`)
  }
  return JSON.stringify({ type: c.type, node: c.node, voters: voters.sort(), learners: learners.sort() })
}

/**
 * The configuration of one node: the latest one in its log, committed or not (thesis section 4.1), else the one
 * its log starts from. The methods that change it return whether the configuration in force changed, so that
 * the caller brings its progress tracker in line.
 */
export class Membership {
  voters: NodeId[] = []
  learners: NodeId[] = []
  /** Index of the config entry in force, 0 when the configuration comes from a snapshot or the initial peers. */
  index = 0
  private readonly initial: ConfState
  /**
   * A node constructed with no peers that holds the log from index 1: the cluster's configuration before the
   * first change in its log, as the leader told it (MsgApp.conf). Volatile; see base.
   */
  private boot: ConfState | null = null
  private readonly log: RaftLog

  /** `peers`: the initial voters (none for a node that joins an existing cluster). */
  constructor(peers: readonly NodeId[], log: RaftLog) {
    this.log = log
    this.initial = { voters: [...new Set(peers)].sort(), learners: [] }
    this.voters = this.initial.voters
  }

  isVoter(id: NodeId): boolean {
    return this.voters.includes(id)
  }

  isMember(id: NodeId): boolean {
    return this.voters.includes(id) || this.learners.includes(id)
  }

  /** The entry of the configuration in force is committed (or there is none in the log). */
  committed(): boolean {
    return this.log.committed >= this.index
  }

  /**
   * Can `self` become leader? Voters of its latest configuration campaign, and so does a voter whose removal
   * is in its log but not committed yet (thesis section 4.2.2: a removed leader that stepped down early "might still
   * time out and become leader again"). Without that exception a leader that crashes while removing itself from a
   * two-voter cluster blocks it forever: the survivor still needs its vote, and it refuses it (its log is longer)
   * but could never campaign to commit the removal itself. It counts votes in its latest configuration, without
   * itself, and steps down once the removal commits.
   */
  promotable(self: NodeId): boolean {
    if (this.isVoter(self)) return true
    return this.index > this.log.committed && this.at(this.index - 1).voters.includes(self)
  }

  private set(c: ConfState): void {
    this.voters = [...c.voters].sort()
    this.learners = [...c.learners].sort()
  }

  /**
   * Leader: the nodes to replicate to. The members of the latest configuration and, while that configuration's
   * entry is not committed, those of the one before it too (`previous`: some were added for that reason): a voter
   * being removed keeps hearing from the leader until its removal commits (as in etcd, where a change takes effect
   * once committed). Cut off at once, it would time out and campaign (it still may: its removal is not committed,
   * see promotable), and while a laggard that still counts it as a voter catches up, its ever higher terms would
   * depose the leader again and again (thesis section 4.2.3, without CheckQuorum to ignore them), and the removal
   * might never commit. Replicating to a node outside the configuration changes no quorum: commit, elections,
   * check-quorum and reads count voters only.
   */
  replicationTargets(): ReplicationTargets {
    const targets = new Set<NodeId>([...this.voters, ...this.learners])
    let previous = false
    if (this.index > this.log.committed) {
      const prev = this.at(this.index - 1)
      for (const id of [...prev.voters, ...prev.learners]) {
        if (!targets.has(id)) {
          targets.add(id)
          previous = true
        }
      }
    }
    return { targets, previous }
  }

  /** Entries were appended: adopt the latest config entry among them. True when one was adopted. */
  afterAppend(ents: Entry[]): boolean {
    for (let i = ents.length - 1; i >= 0; i--) {
      const e = ents[i]
      if (e.kind !== 'config') continue
      const c = parseConfEntry(e.data)
      if (c) {
        this.index = e.index
        this.set(c)
        return true
      }
    }
    return false
  }

  /** The log was truncated or replaced: recompute the configuration from what is left. */
  recompute(): void {
    for (let i = this.log.lastIndex(); i > this.log.snapIndex; i--) {
      const e = this.log.entry(i)!
      if (e.kind !== 'config') continue
      const c = parseConfEntry(e.data)
      if (c) {
        this.index = i
        this.set(c)
        return
      }
    }
    this.index = 0
    this.set(this.base())
  }

  /** The configuration in force at `index` (for a snapshot taken there). */
  at(index: number): ConfState {
    for (let i = Math.min(index, this.log.lastIndex()); i > this.log.snapIndex; i--) {
      const e = this.log.entry(i)!
      if (e.kind !== 'config') continue
      const c = parseConfEntry(e.data)
      if (c) return c
    }
    return this.base()
  }

  /**
   * The configuration in force before the first change in the log: the snapshot's, else the initial peers'. A node
   * constructed with no peers (it joined later) whose log starts at index 1 has no such record: it uses what the
   * leader told it, else (after a restart) what the first change in its log implies, never its own empty start.
   * A snapshot that records no voters (written by a joining node before this was so) is not believed either.
   */
  private base(): ConfState {
    const s = this.log.snapshot
    if (s && s.voters.length > 0) return { voters: s.voters, learners: s.learners ?? [] }
    if (this.initial.voters.length > 0) return this.initial
    if (this.boot) return this.boot
    return this.beforeFirstChange() ?? this.initial
  }

  /**
   * The configuration before the first config entry in a log that starts at index 1: the cluster's initial one,
   * which has no learners (peers are voters), so one single-server change determines it.
   */
  private beforeFirstChange(): ConfState | null {
    if (this.log.snapIndex !== 0) return null
    for (let i = 1; i <= this.log.lastIndex(); i++) {
      const e = this.log.entry(i)!
      if (e.kind !== 'config') continue
      const c = parseConfEntry(e.data)
      if (!c || c.node === undefined) return null
      const voters = c.voters.filter((v) => v !== c.node)
      if (c.type === 'removeNode') voters.push(c.node)
      else if (c.type !== 'addLearner' && c.type !== 'addVoter') return null
      if (voters.length === 0) return null
      return { voters: voters.sort(), learners: [] }
    }
    return null
  }

  /** Whether a config entry lies in the log at or below `index` (above the snapshot). */
  private hasEntryUpTo(index: number): boolean {
    // index is the latest config entry (or 0): none in the log when it is compacted, and one when it is <= index.
    if (this.index <= this.log.snapIndex) return false
    if (this.index <= index) return true
    for (let i = Math.min(index, this.log.lastIndex()); i > this.log.snapIndex; i--) {
      if (this.log.entry(i)!.kind === 'config') return true
    }
    return false
  }

  /**
   * Leader: the configuration to send `to` with an append after `prevIndex`, when `to` is a joining node that
   * cannot tell it from its log (outside the configuration the log starts from, no change up to prevIndex; see
   * Message.conf); null otherwise.
   */
  confForJoiner(to: NodeId, prevIndex: number): ConfState | null {
    const base = this.base()
    if (!base.voters.includes(to) && !base.learners.includes(to) && !this.hasEntryUpTo(prevIndex)) {
      return { voters: [...base.voters], learners: [...base.learners] }
    }
    return null
  }

  /**
   * Follower: the leader's append after `prevIndex` (our log matches up to it) told us the configuration in
   * force there (`conf`). A node constructed with no peers, with no snapshot and no change up to prevIndex, takes
   * it as the configuration its log starts from. True when that changed the configuration in force.
   */
  adoptJoinConf(conf: ConfState, prevIndex: number): boolean {
    if (this.initial.voters.length === 0 && this.log.snapshot === null && !this.hasEntryUpTo(prevIndex)) {
      this.boot = { voters: [...conf.voters].sort(), learners: [...conf.learners].sort() }
      if (this.index === 0) {
        this.set(this.boot)
        return true
      }
    }
    return false
  }
}
