/**
 * The plain-data types of the Raft core. Everything here is structured-cloneable, so it crosses
 * postMessage and IndexedDB unchanged. The names are a contract (see src/raft/index.ts): extend, never rename.
 */

export type NodeId = string

export type Role = 'follower' | 'precandidate' | 'candidate' | 'leader'

/** One log entry. `noop` is the empty entry a new leader appends; `config` holds a membership change. */
export interface Entry {
  index: number
  term: number
  kind: 'command' | 'noop' | 'config'
  data?: string
}

/** What must be on disk before any message that depends on it is sent. */
export interface HardState {
  term: number
  vote: NodeId | null
  commit: number
}

/** A state-machine snapshot with the configuration in force at `index`. */
export interface Snapshot {
  index: number
  term: number
  voters: NodeId[]
  learners?: NodeId[]
  data: string
}

/**
 * The message kinds the core sends and understands. Any other `type` (a malformed message from the network) is
 * ignored by `step`.
 */
export type MessageType =
  | 'MsgApp' // AppendEntries request (with zero entries it is a probe)
  | 'MsgAppResp'
  | 'MsgHeartbeat'
  | 'MsgHeartbeatResp'
  | 'MsgVote' // RequestVote
  | 'MsgVoteResp'
  | 'MsgPreVote' // a vote request for term+1 that changes no state (thesis section 9.6)
  | 'MsgPreVoteResp'
  | 'MsgSnap' // InstallSnapshot, one chunk
  | 'MsgSnapResp'
  | 'MsgTimeoutNow' // leadership transfer: campaign at once

/** Snapshot metadata as sent in an InstallSnapshot chunk. */
export interface SnapshotMeta {
  index: number
  term: number
  voters: NodeId[]
  learners?: NodeId[]
}

/**
 * A Raft message. Plain data only. Which optional fields are set depends on `type`:
 * - MsgApp: index/logTerm (of the entry before `entries`), entries, commit.
 * - MsgAppResp: index (last index now matching, or the rejected prev index), reject, rejectHint/hintTerm, and on a
 *   rejection lastIndex (the follower's last index: below an index it had acknowledged means its disk was lost).
 * - MsgHeartbeat / MsgHeartbeatResp: commit; context (a ReadIndex round, when set).
 * - MsgVote / MsgPreVote: index/logTerm of the candidate's last entry; transfer when caused by MsgTimeoutNow.
 * - MsgVoteResp / MsgPreVoteResp: reject.
 * - MsgSnap: snapshot (metadata), offset, data (one chunk), done (last chunk).
 * - MsgSnapResp: index (the snapshot's), offset (chars received so far), reject.
 * - MsgApp also carries conf, to a node outside the configuration the leader's log starts from (a joining node),
 *   while no configuration change lies at or before index: the configuration in force at index, which such a
 *   node cannot tell from its own log (it was constructed with no peers) and records in its snapshots.
 * - MsgApp, MsgHeartbeat and MsgSnap also carry seq: the leader numbers what it sends in its term, 1, 2, 3...
 * - MsgAppResp also carries seen: the highest seq of this term's leader the follower had processed when it
 *   answered (a volatile count: it restarts from 0 when the node does). A rejection that reports lost entries is
 *   believed only when its seen is above that of every acknowledgement: then the follower had acknowledged the
 *   entries before and lacks them now (its disk was lost), rather than this being an old rejection replayed.
 */
export interface Message {
  type: MessageType
  from: NodeId
  to: NodeId
  term: number
  index?: number
  logTerm?: number
  entries?: Entry[]
  commit?: number
  reject?: boolean
  rejectHint?: number
  hintTerm?: number
  lastIndex?: number
  context?: string
  transfer?: boolean
  snapshot?: SnapshotMeta
  offset?: number
  data?: string
  done?: boolean
  seq?: number
  seen?: number
  conf?: ConfState
}

/** A ReadIndex answer: reads of `ctx` are linearizable once the state machine has applied `index`. */
export interface ReadState {
  ctx: string
  index: number
}

/**
 * A ReadIndex request that will never be answered: the node stopped leading before it could confirm the read.
 * `leader` is the node it now believes leads (null when it does not know): the client retries there.
 */
export interface ReadFailure {
  ctx: string
  leader: NodeId | null
}

export interface SoftState {
  role: Role
  leader: NodeId | null
}

/**
 * Work for the caller, in this order: persist `snapshot`, `entries` and `hardState` (one transaction),
 * then send `messages`, then apply `committedEntries`, then call `advance()`.
 */
export interface Ready {
  softState?: SoftState
  /** Persist (with entries) before sending messages. */
  hardState?: HardState
  /** Append to the persisted log; may replace a suffix: truncate from entries[0].index first. */
  entries: Entry[]
  /** Persist it, drop persisted entries up to its index, restore the state machine from it. */
  snapshot?: Snapshot
  /** Apply in order, each exactly once per incarnation. */
  committedEntries: Entry[]
  /** Send after persisting. */
  messages: Message[]
  /** ReadIndex answers (see RawNode.readIndex). */
  readStates?: ReadState[]
  /** ReadIndex requests dropped because this node stopped leading: answer their clients "not leader" at once. */
  readFailures?: ReadFailure[]
}

/**
 * Deliberate bugs for teaching. Each one is off by default and breaks exactly one rule of the protocol,
 * so that a student can watch the checkers catch the consequence.
 */
export interface UnsafeSwitches {
  /** Grant votes without the log up-to-date check (section 5.4.1): breaks Leader Completeness. */
  skipLogUpToDateCheck?: boolean
  /** Count replicas of old-term entries to advance commit (Figure 8): breaks State Machine Safety. */
  commitOldTermEntries?: boolean
  /** Lose the vote on restart (it is not restored from the hard state): breaks Election Safety. */
  forgetVoteOnRestart?: boolean
  /** Keep conflicting entries instead of truncating them: breaks Log Matching. */
  noTruncateOnConflict?: boolean
  /** A leader answers reads at once from local state, without confirming it still leads: stale reads. */
  leaseReadsWithoutCheck?: boolean
}

export interface RaftConfig {
  id: NodeId
  /** The initial voters, self included. Empty for a node that joins an existing cluster. */
  peers: NodeId[]
  /** Election timeout is drawn from [electionTick, 2*electionTick) ticks. */
  electionTick: number
  /** A leader sends heartbeats every heartbeatTick ticks. Invariant: heartbeatTick < electionTick. */
  heartbeatTick: number
  /** Seeded, in [0, 1). The only source of randomness in the core. */
  random: () => number
  preVote?: boolean
  checkQuorum?: boolean
  unsafe?: UnsafeSwitches
  /** Most entries in one MsgApp (default 64). */
  maxEntriesPerMsg?: number
  /** Most unacknowledged MsgApp per follower in the replicate state (default 16). */
  maxInflightMsgs?: number
  /** Snapshot data larger than this many characters is sent in chunks (default 16384). */
  snapshotChunkSize?: number
}

/**
 * The tunable parameters of RaftConfig as a node starts with them, as plain data (a host adds id, peers and the
 * seeded `random`): timing, pre-vote and check-quorum required; batching and the unsafe switches optional.
 */
export type FullRaftParams = Required<Pick<RaftConfig, 'electionTick' | 'heartbeatTick' | 'preVote' | 'checkQuorum'>> &
  Pick<RaftConfig, 'unsafe' | 'maxEntriesPerMsg' | 'maxInflightMsgs' | 'snapshotChunkSize'>

/** The parameters of RaftConfig that RawNode.setParams can change on a running node: any part of FullRaftParams. */
export type RaftParams = Partial<FullRaftParams>

/** What a node finds on its disk at restart. */
export interface PersistedState {
  hardState: HardState
  entries: Entry[]
  snapshot?: Snapshot
}

export type ProgressState = 'probe' | 'replicate' | 'snapshot'

export interface ProgressStatus {
  match: number
  next: number
  state: ProgressState
}

/** The part of Status that is cheap to read after every step (RawNode.basicStatus). */
export interface BasicStatus {
  role: Role
  term: number
  leader: NodeId | null
  commit: number
  lastIndex: number
  applied: number
}

export interface Status {
  id: NodeId
  role: Role
  term: number
  leader: NodeId | null
  commit: number
  lastIndex: number
  voters: NodeId[]
  learners: NodeId[]
  /**
   * The leader's view of every node it replicates to: the members, and a node being removed until its removal
   * commits. Absent on other roles.
   */
  progress?: Record<NodeId, ProgressStatus>
  vote: NodeId | null
  applied: number
  /** Index of the first entry still in the log (snapshot.index + 1). */
  firstIndex: number
  snapshotIndex: number
  snapshotTerm: number
  /** Ticks since the election timer was last reset, and the randomized timeout it runs towards. */
  electionElapsed: number
  electionTimeout: number
  /** Votes granted so far in the current (pre-)campaign, self included. */
  votesGranted: number
  votesRejected: number
  leadTransferee: NodeId | null
}

export type ConfChangeType = 'addLearner' | 'addVoter' | 'removeNode'

export interface ConfChange {
  type: ConfChangeType
  node: NodeId
}

/** The data of a `config` entry: the change and the whole configuration after it. */
export interface ConfState {
  voters: NodeId[]
  learners: NodeId[]
}
