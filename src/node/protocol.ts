/**
 * The wire format between the cluster loop and one node's host (a Web Worker in the browser, an in-process
 * object in the simulator and Node tests). Types only, plain structured-cloneable data.
 */
import type { BasicStatus, ConfChange, Entry, FullRaftParams, HardState, Message, NodeId, Role, Snapshot, Status } from '../raft/types.ts'
import type { KvCommand } from '../kv/command.ts'
import type { KvResult } from '../kv/store.ts'

/** The Raft parameters of a node, as plain data (the host adds the seeded `random`): the core's FullRaftParams. */
export type RaftParams = FullRaftParams

export type StorageMode = 'durable' | 'volatile'

/** Everything a host needs to start (or restart) one node. */
export interface HostInit {
  cluster: string
  id: NodeId
  /** Initial voters; [] for a node that joins an existing cluster. */
  peers: NodeId[]
  params: RaftParams
  /** Seed of this incarnation's PRNG (the scheduler draws it, so restarts stay deterministic). */
  seed: number
  storage: StorageMode
  /** Take a snapshot every this many applied entries (0 = never). */
  snapshotEvery: number
  /** Report `observations` for the safety checkers in every output. */
  observe?: boolean
  /**
   * The cluster loop models disk latency: a write is staged (not started) and the output says `diskPending`; it
   * is made durable when the loop sends a `durable` input. A crash before that loses it. Without it, every write
   * is made durable within the batch that caused it.
   */
  staged?: boolean
}

/** Why a host could not start, as a code (never matched by its text) and a sentence. */
export type StartFailureCode = 'corrupt' | 'unavailable' | 'quota' | 'failed'

export interface StartFailure {
  code: StartFailureCode
  message: string
}

/** What a host found on its disk at start: shown to the user as "recovered". */
export interface Recovery {
  empty: boolean
  term: number
  vote: NodeId | null
  commit: number
  logLength: number
  firstIndex: number
  lastIndex: number
  snapshotIndex: number
  /** Term of the snapshot's last entry (0 without one). */
  snapshotTerm?: number
}

/** A client request as the leader sees it. `read: 'readIndex'` serves a get through ReadIndex instead of the log. */
export interface ClientRequest {
  id: number
  cmd: KvCommand
  read?: 'log' | 'readIndex'
}

export type HostInput =
  | { type: 'tick' }
  | { type: 'message'; msg: Message }
  | { type: 'client'; req: ClientRequest }
  | { type: 'campaign' }
  | { type: 'transfer'; to: NodeId; reqId: number }
  | { type: 'confChange'; change: ConfChange; reqId: number }
  | { type: 'compact'; reqId: number }
  | { type: 'setParams'; params: Partial<RaftParams>; snapshotEvery?: number }
  /** The staged write (see HostInit.staged) is durable now. */
  | { type: 'durable' }

/** The answer to a client request, or to an admin request (transfer, confChange, compact). */
export interface Reply {
  id: number
  node: NodeId
  /** ok: done; fail: certainly not applied; redirect: not the leader (try `leader`). */
  outcome: 'ok' | 'fail' | 'redirect'
  result?: KvResult
  /** The log index the command landed at, when it went through the log. */
  index?: number
  leader?: NodeId | null
  error?: string
  /** For fail: rejected = can never succeed (malformed command, invalid change); retry = may succeed if retried. */
  code?: 'rejected' | 'retry'
}

/** A log entry as the UI shows it: the command summarized, not the raw data. */
export interface EntryView {
  index: number
  term: number
  kind: Entry['kind']
  /** A short human summary, e.g. "set x=1" or "add n4 (learner)". */
  label: string
}

/** What changed in the node's in-memory log during one batch. */
export interface LogDelta {
  /** Entries at or after `from` were replaced by `entries` (from = entries[0].index when appending). */
  from: number
  entries: EntryView[]
}

/** Things a node did that the event log narrates. */
export type NodeEvent =
  | { type: 'persisted'; entries: number; hardState: boolean; snapshot: boolean }
  | { type: 'applied'; from: number; to: number }
  | { type: 'snapshotTaken'; index: number; term: number; bytes: number }
  | { type: 'snapshotInstalled'; index: number; term: number; bytes: number }
  | { type: 'readServed'; ctx: string; index: number }
  | { type: 'error'; message: string }
  /** A configuration entry was applied: it is committed, and this is the configuration from it on. */
  | { type: 'config'; index: number; term: number; voters: NodeId[]; learners: NodeId[]; change?: ConfChange['type']; node?: NodeId }

/**
 * What the safety checkers need to see of a node (src/check/safety.ts turns these into its Observations), in the
 * order they happened. Plain data, so they cross the worker boundary.
 */
export type NodeObservation =
  /** A Ready's write reached the disk: see the checker's `persist`. */
  | {
      type: 'persist'
      entries: Entry[]
      prevTerm: number | undefined
      lastIndexBefore: number
      hardState?: HardState
      snapshot?: { index: number; term: number }
      role?: Role
    }
  /** Messages only a leader sends went out in `term`. */
  | { type: 'send'; term: number }
  | { type: 'apply'; entry: Entry }
  | { type: 'restore'; index: number; term: number }
  /** The role or term changed during the batch (reported once, at its end). */
  | { type: 'role'; role: Role; term: number }

/** The node's state after a batch, for the UI and the scheduler. */
export interface NodeSummary extends Status {
  storage: StorageMode
  kvSize: number
  /** The last index on disk (what survives a crash). */
  persistedIndex: number
  /** The commit index in the hard state on disk: it may trail `commit`, which need not be written at once. */
  persistedCommit?: number
}

export interface HostOutput {
  messages: Message[]
  replies: Reply[]
  events: NodeEvent[]
  /** Role, term, leader, commit, last index and applied index after the batch. */
  brief: BasicStatus
  /** The node's whole state after the batch, for the UI (left out by hosts that run without views: the simulator). */
  summary?: NodeSummary
  log?: LogDelta
  /** Set when the snapshot boundary moved (compaction or install): entries <= index are gone. */
  snapshot?: { index: number; term: number }
  /** With HostInit.observe: what the checkers need, in order. */
  observations?: NodeObservation[]
  /** With HostInit.staged: a write is staged and waits for a `durable` input. */
  diskPending?: boolean
}

/**
 * The answer to one scheduling window (NodeShell.handleWindow): an output per batch, in order. A batch whose host
 * threw or whose write failed ends the window: `failure.at` is its position (the outputs before it stand), its
 * error as a name (the failure code, see failure.ts) and a sentence.
 */
export interface WindowOutput {
  outputs: HostOutput[]
  failure?: { at: number; name: string; message: string }
}

export type { Snapshot }
