import type {
  Entry,
  HardState,
  NodeId,
  Role,
  Snapshot,
  UnsafeSwitches,
} from '../raft/types.ts'
import type { LogView, Observation } from '../check/safety.ts'
import type { NetworkConfig } from '../world/network.ts'
import type { StorageMode } from '../node/protocol.ts'

export type { NodeFactory, RaftNode } from '../node/host.ts'

/**
 * A node's simulated disk: exactly what it has persisted. Survives crashes.
 * Invariant: `entries` are contiguous and start right after `snapshot.index` (or at 1).
 */
export interface Disk {
  hardState: HardState
  entries: Entry[]
  snapshot: Snapshot | undefined
}

/**
 * How client reads are served: as `get` commands through the log, by a ReadIndex round on the leader, or each
 * read either way at random (`mixed`).
 */
export type ReadMode = 'log' | 'readIndex' | 'mixed'

/**
 * Everything that shapes a run. Every field not given is drawn from the seed (see `resolveOptions`), and the
 * whole set prints as one line (`formatOptions`), so a printed run can be rebuilt from its seed alone.
 */
export interface SimOptions {
  seed: number
  /** Initial voters, named n1..nN. */
  nodes: number
  electionTick: number
  heartbeatTick: number
  /** Virtual milliseconds between two ticks of a node. */
  tickMs: number
  network: NetworkConfig
  /** Persisting a Ready takes a uniform [diskMinMs, diskMaxMs] ms; its messages and applies wait for it. */
  diskMinMs: number
  diskMaxMs: number
  /** Faults are considered every faultEveryMs, each with its own probability below. */
  faultEveryMs: number
  /** Probability of crashing one random running node. */
  crashRate: number
  /** Probability of restarting one random crashed node. */
  restartRate: number
  /** Probability of a new partition (a random split, an isolated node, or a one-way cut). */
  partitionRate: number
  /** Probability of healing every partition and cut. */
  healRate: number
  preVote: boolean
  checkQuorum: boolean
  unsafe: UnsafeSwitches
  /** Compact a node's log every this many applied entries; 0 = never. */
  snapshotEvery: number
  maxEntriesPerMsg: number
  maxInflightMsgs: number
  /** Snapshots larger than this many characters travel in several InstallSnapshot chunks. */
  snapshotChunkSize: number
  /** Random clients of the built-in workload (0 = none). */
  clients: number
  /** Keys the workload touches: k1..kN. */
  keys: number
  /** A client pauses a uniform [0, thinkMs] ms between two requests. */
  thinkMs: number
  /** A request not answered by then has an unknown outcome. */
  requestTimeoutMs: number
  /** A request accepted by a leader but not answered by then is sent again (same client and seq). */
  retryMs: number
  readMode: ReadMode
  /**
   * Probability, every faultEveryMs while faults run, of starting a membership change when none is under way:
   * add a node (learner, catch up, promote), remove a member (sometimes the leader), or replace a voter (add,
   * then remove). See `operator.ts`.
   */
  membershipRate: number
  /** Probability, every faultEveryMs while faults run, of asking the leader to hand over to a voter. */
  transferRate: number
  /**
   * A removed node keeps running for a uniform [0, lingerMs] ms after its removal commits, then stops for good
   * (0: it stops at once). Meanwhile it may not know it was removed, and campaign (thesis section 4.2.3).
   */
  lingerMs: number
  /**
   * Probability, every faultEveryMs while faults run, of starting a Figure 8 fault script (see figure8.ts) when
   * none is under way; random crashes, restarts and partitions pause while it runs.
   */
  figure8Rate: number
  /**
   * 'volatile': a node's disk is memory only, so a crash loses it and the node restarts empty (as the browser's
   * volatile storage does). Unset: 'durable'.
   */
  storage?: StorageMode
}

/** Counters of a run. */
export interface SimStats {
  events: number
  ticks: number
  /** Messages handed to a running recipient (duplicates count twice). */
  delivered: number
  /** Messages lost: by the network (any reason), by a filter, or to a node that was down. */
  dropped: number
  duplicated: number
  /** Readies taken, and those lost to a crash before their write completed. */
  readies: number
  readiesLost: number
  /** Entries in the highest applied prefix of any node, and how many of them were client commands. */
  committed: number
  committedCommands: number
  /** A node taking the leader role. */
  elections: number
  crashes: number
  restarts: number
  partitions: number
  snapshots: number
  /** Snapshots installed from a leader (a Ready carrying one). */
  snapshotsInstalled: number
  /** InstallSnapshot chunks delivered after the first of their snapshot (offset > 0). */
  snapshotChunks: number
  /** Nodes that joined the cluster empty and got their first state from a snapshot. */
  joinedBySnapshot: number
  /** Committed configuration entries (each counted once, when first applied). */
  confChanges: number
  /** Removed nodes that, while lingering, campaigned or led (seen only when an observer watches roles). */
  lingerCampaigns: number
  /** Figure 8 fault scripts started, and those that reached their last step. */
  figure8Started: number
  figure8Completed: number
}

/**
 * Hooks the simulator calls while it runs; checkers attach here. Every hook is optional. Observations come in the
 * cluster loop's deterministic order, role changes once per node and instant.
 */
export interface SimObserver {
  /** Everything the safety checkers see (src/check/safety.ts), fed by the node hosts' outputs. */
  observe?(o: Observation): void
  /** A node's role or term changed. `log` is its live log (read only). */
  onRole?(node: NodeId, role: Role, term: number, log: LogView): void
  /** The node's state machine was replaced by a received snapshot. */
  onRestore?(node: NodeId, snapshot: { index: number; term: number }): void
  onCrash?(node: NodeId): void
  /** The node's removal committed (it stops now, or after lingering). */
  onRemoved?(node: NodeId): void
  /** A node starts again from its disk (or for the first time, with an empty disk). */
  onRestart?(node: NodeId, disk: Disk): void
  /** After every instant, once the simulator's state is consistent again. */
  afterEvent?(): void
}
