/**
 * The Raft core of Raft Lab: pure TypeScript in the etcd RawNode shape (Step / Ready / Advance).
 * No IO, no timers, no clock and no randomness but the injected `random`: same inputs, same outputs.
 * This module's exported names are a contract for tools outside the project: extend, never rename.
 */
export type {
  NodeId,
  Role,
  Entry,
  HardState,
  Snapshot,
  SnapshotMeta,
  Message,
  MessageType,
  Ready,
  ReadState,
  ReadFailure,
  SoftState,
  RaftConfig,
  RaftParams,
  FullRaftParams,
  PersistedState,
  UnsafeSwitches,
  Status,
  BasicStatus,
  ProgressState,
  ProgressStatus,
  ConfChange,
  ConfChangeType,
  ConfState,
} from './types.ts'
export { NotLeaderError } from './errors.ts'
export { RawNode } from './rawnode.ts'
export { parseConfEntry } from './membership.ts'
