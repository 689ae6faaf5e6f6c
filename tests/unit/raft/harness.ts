import { RawNode } from '../../../src/raft/index.ts'
import type { Entry, HardState, Message, NodeId, PersistedState, RaftConfig, Ready, ReadFailure, ReadState, Snapshot } from '../../../src/raft/index.ts'

/** A small seeded PRNG for tests (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** What a node has on its (simulated) disk. */
export interface Disk {
  hardState: HardState
  entries: Entry[]
  snapshot?: Snapshot
}

export interface TestNode {
  id: NodeId
  raw: RawNode
  disk: Disk
  applied: Entry[]
  readStates: ReadState[]
  /** ReadIndex requests the node reported it can no longer answer (it stopped leading). */
  readFailures: ReadFailure[]
  /** Snapshots handed to this node in a Ready (installed from the leader), in order. */
  snapshots: Snapshot[]
  config: RaftConfig
}

/**
 * A synchronous in-memory cluster for unit tests, in the style of etcd's raft tests: every Ready is persisted,
 * sent and applied at once; messages wait in a queue until delivered, and filters can drop them.
 */
export class Cluster {
  nodes = new Map<NodeId, TestNode>()
  queue: Message[] = []
  /** Return false to drop a message. */
  filter: (m: Message) => boolean = () => true
  sent: Message[] = []

  constructor(ids: NodeId[], opts: Partial<RaftConfig> = {}, seed = 1) {
    for (const id of ids) this.add(id, ids, opts, seed)
  }

  add(id: NodeId, peers: NodeId[], opts: Partial<RaftConfig> = {}, seed = 1): TestNode {
    const config: RaftConfig = { id, peers, electionTick: 10, heartbeatTick: 1, random: seeded(seed * 31 + id.charCodeAt(id.length - 1)), ...opts }
    const n: TestNode = {
      id,
      raw: new RawNode(config),
      disk: { hardState: { term: 0, vote: null, commit: 0 }, entries: [] },
      applied: [],
      readStates: [],
      readFailures: [],
      snapshots: [],
      config,
    }
    this.nodes.set(id, n)
    return n
  }

  /** Add (or replace) a node that starts from `disk`, as if restarted from it: the way to build divergent logs. */
  load(id: NodeId, peers: NodeId[], disk: PersistedState, opts: Partial<RaftConfig> = {}, seed = 1): TestNode {
    const n = this.add(id, peers, opts, seed)
    n.disk = { hardState: { ...disk.hardState }, entries: disk.entries.map((e) => ({ ...e })), snapshot: disk.snapshot }
    n.raw = new RawNode(n.config, { hardState: { ...disk.hardState }, entries: disk.entries.map((e) => ({ ...e })), snapshot: disk.snapshot })
    this.flush()
    return n
  }

  node(id: NodeId): TestNode {
    const n = this.nodes.get(id)
    if (!n) throw new Error(`no node ${id}`)
    return n
  }

  /** Process every pending Ready of every node (persist, queue messages, apply). */
  flush(): void {
    let again = true
    while (again) {
      again = false
      for (const n of this.nodes.values()) {
        while (n.raw.hasReady()) {
          again = true
          const rd = n.raw.ready()
          if (rd.snapshot) {
            n.snapshots.push(rd.snapshot)
            n.disk.snapshot = rd.snapshot
            n.disk.entries = n.disk.entries.filter((e) => e.index > rd.snapshot!.index)
            n.applied = n.applied.filter((e) => e.index <= rd.snapshot!.index)
          }
          if (rd.entries.length > 0) {
            const first = rd.entries[0].index
            n.disk.entries = n.disk.entries.filter((e) => e.index < first).concat(rd.entries)
          }
          if (rd.hardState) n.disk.hardState = rd.hardState
          for (const m of rd.messages) {
            this.sent.push(m)
            this.queue.push(m)
          }
          for (const e of rd.committedEntries) n.applied.push(e)
          if (rd.readStates) n.readStates.push(...rd.readStates)
          if (rd.readFailures) n.readFailures.push(...rd.readFailures)
          n.raw.advance()
        }
      }
    }
  }

  /** Deliver the message at the head of the queue (if the filter lets it through) and process what it causes. */
  deliverOne(): Message | undefined {
    this.flush()
    const m = this.queue.shift()
    if (!m) return undefined
    const to = this.nodes.get(m.to)
    if (to && this.filter(m)) to.raw.step(m)
    this.flush()
    return m
  }

  /** Messages sent so far (delivered or not) that match. */
  count(pred: (m: Message) => boolean): number {
    return this.sent.filter(pred).length
  }

  /** Deliver queued messages (and the ones they cause) until none is left. */
  stabilize(maxRounds = 10_000): void {
    this.flush()
    let rounds = 0
    while (this.queue.length > 0) {
      if (++rounds > maxRounds) throw new Error('cluster did not stabilize')
      const m = this.queue.shift()!
      const to = this.nodes.get(m.to)
      if (to && this.filter(m)) to.raw.step(m)
      this.flush()
    }
  }

  tick(id: NodeId, n = 1): void {
    for (let i = 0; i < n; i++) this.node(id).raw.tick()
    this.flush()
  }

  /** Make `id` campaign and let the election finish. */
  elect(id: NodeId): void {
    this.node(id).raw.campaign()
    this.stabilize()
  }

  leader(): TestNode | undefined {
    return [...this.nodes.values()].find((n) => n.raw.status().role === 'leader')
  }

  propose(id: NodeId, data: string): { index: number; term: number } {
    const r = this.node(id).raw.propose(data)
    this.stabilize()
    return r
  }

  /** Crash: drop the node's memory, keep its disk; restart from the disk. */
  restart(id: NodeId, opts: Partial<RaftConfig> = {}): TestNode {
    const n = this.node(id)
    const persisted: PersistedState = { hardState: n.disk.hardState, entries: n.disk.entries.map((e) => ({ ...e })), snapshot: n.disk.snapshot }
    n.config = { ...n.config, ...opts }
    n.raw = new RawNode(n.config, persisted)
    n.applied = []
    n.readStates = []
    n.readFailures = []
    n.snapshots = []
    this.flush()
    return n
  }

  /** Tick every node once per round (delivering everything after each round) until `pred` holds. */
  tickUntil(pred: () => boolean, maxRounds = 500, ids: NodeId[] = [...this.nodes.keys()]): number {
    for (let round = 1; round <= maxRounds; round++) {
      for (const id of ids) this.node(id).raw.tick()
      this.stabilize()
      if (pred()) return round
    }
    throw new Error(`condition not reached within ${maxRounds} rounds of ticks`)
  }

  /** The caller side of RawNode.compact: snapshot at `index` and keep it on the node's disk. */
  compact(id: NodeId, index: number, data: string): Snapshot {
    const n = this.node(id)
    const s = n.raw.compact(index, data)
    n.disk.snapshot = s
    n.disk.entries = n.disk.entries.filter((e) => e.index > s.index)
    return s
  }

  /** Cut `id` off (both ways) until `heal()`. */
  isolate(...ids: NodeId[]): void {
    const cut = new Set(ids)
    this.filter = (m) => cut.has(m.from) === cut.has(m.to)
  }

  partition(a: NodeId[], b: NodeId[]): void {
    const A = new Set(a)
    const B = new Set(b)
    this.filter = (m) => !((A.has(m.from) && B.has(m.to)) || (B.has(m.from) && A.has(m.to)))
  }

  heal(): void {
    this.filter = () => true
  }

  logOf(id: NodeId): Array<[number, number, string]> {
    const raw = this.node(id).raw
    return raw.entries(raw.firstIndex(), raw.lastIndex() + 1).map((e) => [e.index, e.term, e.kind === 'command' ? e.data ?? '' : e.kind])
  }
}

/** Entries for a hand-built log: terms[i] is the term of index i+1 (commands named after index and term). */
export function log(...terms: number[]): Entry[] {
  return terms.map((term, i) => ({ index: i + 1, term, kind: 'command' as const, data: `${i + 1}@${term}` }))
}

/** A persisted state with the given log, term and vote. */
export function disk(entries: Entry[], term: number, vote: NodeId | null = null, commit = 0): PersistedState {
  return { hardState: { term, vote, commit }, entries }
}

/** A lone RawNode for message-level tests (no cluster around it). */
export function newRaw(id: NodeId, peers: NodeId[], opts: Partial<RaftConfig> = {}, persisted?: PersistedState): RawNode {
  const config: RaftConfig = { id, peers, electionTick: 10, heartbeatTick: 1, random: seeded(7 + id.charCodeAt(id.length - 1)), ...opts }
  return new RawNode(config, persisted)
}

/** Take the pending Ready of a lone node (an empty one when there is none) and acknowledge it. */
export function drain(raw: RawNode): Ready {
  if (!raw.hasReady()) return { entries: [], committedEntries: [], messages: [] }
  const rd = raw.ready()
  raw.advance()
  return rd
}
