import { RawNode } from '../../../src/raft/index.ts'
import type { ConfChange, Entry, Message, NodeId, PersistedState, RaftConfig, Ready, Snapshot, Status } from '../../../src/raft/types.ts'
import type { NodeFactory, RaftNode } from '../../../src/sim/types.ts'

/**
 * Test-only broken nodes: a real RawNode behind a wrapper that lies in one specific way, to break a property
 * that no unsafe switch breaks. Each wrapper is honest until its trigger, so runs get going normally first.
 */
class Wrapper implements RaftNode {
  protected readonly inner: RawNode
  constructor(config: RaftConfig, persisted?: PersistedState) {
    this.inner = new RawNode(config, persisted)
  }
  tick(): void {
    this.inner.tick()
  }
  step(m: Message): void {
    this.inner.step(m)
  }
  propose(data: string): { index: number; term: number } {
    return this.inner.propose(data)
  }
  proposeConfChange(c: ConfChange): { index: number; term: number } {
    return this.inner.proposeConfChange(c)
  }
  transferLeadership(to: NodeId): void {
    this.inner.transferLeadership(to)
  }
  readIndex(ctx: string): void {
    this.inner.readIndex(ctx)
  }
  campaign(): boolean {
    return this.inner.campaign()
  }
  hasReady(): boolean {
    return this.inner.hasReady()
  }
  ready(): Ready {
    return this.inner.ready()
  }
  advance(): void {
    this.inner.advance()
  }
  status(): Status {
    return this.inner.status()
  }
  compact(index: number, data: string): Snapshot {
    return this.inner.compact(index, data)
  }
  firstIndex(): number {
    return this.inner.firstIndex()
  }
  lastIndex(): number {
    return this.inner.lastIndex()
  }
  term(index: number): number | undefined {
    return this.inner.term(index)
  }
  entries(lo: number, hi: number): Entry[] {
    return this.inner.entries(lo, hi)
  }
}

/**
 * Breaks Leader Append-Only: once it has led for a while, a leader rewrites the last entry of its own term it
 * persisted (same index and term, other data) in front of its next write.
 */
class RewritingLeader extends Wrapper {
  #ownWritten: Entry | null = null
  #readies = 0
  override ready(): Ready {
    const rd = this.inner.ready()
    const st = this.inner.status()
    if (st.role !== 'leader') {
      this.#ownWritten = null
      this.#readies = 0
      return rd
    }
    this.#readies++
    const prev = this.#ownWritten
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1]
      if (last.term === st.term) this.#ownWritten = last
      if (this.#readies > 20 && prev !== null && prev.index === rd.entries[0].index - 1) {
        rd.entries = [{ ...prev, data: `${prev.data ?? ''}-forged` }, ...rd.entries]
      }
    }
    return rd
  }
}

/** Applies an entry twice: repeats the first committed entry of every tenth Ready that has any. */
class DoubleApplier extends Wrapper {
  #count = 0
  override ready(): Ready {
    const rd = this.inner.ready()
    if (rd.committedEntries.length > 0 && ++this.#count % 10 === 0) {
      rd.committedEntries = [rd.committedEntries[0], ...rd.committedEntries]
    }
    return rd
  }
}

/** A node that never takes in a log entry or a snapshot: it answers heartbeats, but never catches up. */
class DeafToAppends extends Wrapper {
  override step(m: Message): void {
    if ((m.type === 'MsgApp' && (m.entries?.length ?? 0) > 0) || m.type === 'MsgSnap') return
    this.inner.step(m)
  }
}

/** A node that campaigns every election timeout unless it leads, PreVote or not: leadership never settles. */
class Stormy extends Wrapper {
  #ticks = 0
  readonly #every: number
  constructor(config: RaftConfig, persisted?: PersistedState) {
    super(config, persisted)
    this.#every = config.electionTick
  }
  override tick(): void {
    this.inner.tick()
    if (++this.#ticks % this.#every === 0 && this.inner.status().role !== 'leader') this.inner.campaign()
  }
}

/** A node whose clock never moves: nobody ever campaigns, so no cluster ever elects a leader. */
class FrozenClock extends Wrapper {
  override tick(): void {}
}

/**
 * A joining node bootstrapped wrongly: given no peers (it should wait to be contacted), it starts as a cluster of
 * its own, elects itself and commits its own entries (the classic mistake of starting a new member with a
 * configuration that names only itself).
 */
export const selfBootstrap: NodeFactory = (c, p) => new Wrapper(c.peers.length === 0 ? { ...c, peers: [c.id] } : c, p)

export const rewritingLeader: NodeFactory = (c, p) => new RewritingLeader(c, p)
export const doubleApplier: NodeFactory = (c, p) => new DoubleApplier(c, p)
export const frozenClock: NodeFactory = (c, p) => new FrozenClock(c, p)
/** n2 never catches up (see DeafToAppends); the others are honest. */
export const deafN2: NodeFactory = (c, p) => (c.id === 'n2' ? new DeafToAppends(c, p) : new Wrapper(c, p))
/** n1 and n2 keep taking leadership from each other (see Stormy). */
export const stormyPair: NodeFactory = (c, p) => (c.id === 'n1' || c.id === 'n2' ? new Stormy(c, p) : new Wrapper(c, p))
export const honest: NodeFactory = (c, p) => new Wrapper(c, p)
