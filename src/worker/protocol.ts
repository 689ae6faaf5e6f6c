/**
 * The wire format between the main thread (router, scheduler) and one node's host (a Web Worker in the
 * browser, an in-process object in Node tests). Types only, plain structured-cloneable data.
 */
import type { ConfChange, Entry, Message, NodeId, Snapshot, Status, UnsafeSwitches } from '../raft/types.ts'
import type { KvCommand } from '../kv/command.ts'
import type { KvResult } from '../kv/store.ts'
import type { Observation } from '../check/safety.ts'

/** The Raft parameters of a node, as plain data (the host adds the seeded `random`). */
export interface RaftParams {
  electionTick: number
  heartbeatTick: number
  preVote: boolean
  checkQuorum: boolean
  unsafe?: UnsafeSwitches
  maxEntriesPerMsg?: number
  maxInflightMsgs?: number
  snapshotChunkSize?: number
}

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
  summary: NodeSummary
  log?: LogDelta
  /** Set when the snapshot boundary moved (compaction or install): entries <= index are gone. */
  snapshot?: { index: number; term: number }
  /**
   * What the checkers read (src/check/safety.ts), in the order the host did it: restart, persist, send, restore,
   * apply, as the simulator's hooks report them. Absent when there is none. Role changes are added by the
   * scheduler, which holds the log view they need.
   */
  observations?: HostObservation[]
}

/** An observation a host makes: plain data (the role observation, which carries a log view, is the scheduler's). */
export type HostObservation = Exclude<Observation, { type: 'role' }>

export type { Snapshot }
