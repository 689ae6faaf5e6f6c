/**
 * The event log's records: what happened, as plain data. The sentence is made only when a record is shown
 * (`describe` in narrate.ts), because the cluster produces thousands of records per virtual second.
 */
import type { Message, NodeId, Role } from '../../raft/types.ts'
import type { ClientOp, NodeState } from '../../browser/scheduler.ts'
import type { DropReason } from '../../world/network.ts'
import type { Recovery } from '../../node/protocol.ts'

/** Filter groups of the event log. */
export type Category = 'election' | 'replication' | 'heartbeat' | 'client' | 'fault' | 'network' | 'storage' | 'you'

export const CATEGORIES: readonly Category[] = ['election', 'replication', 'heartbeat', 'client', 'fault', 'network', 'storage', 'you']

/** Why a role changed, as far as the screen can tell. */
export type RoleCause = 'timer' | 'forced' | 'prevoteWon' | 'transfer' | 'won' | 'higherTerm' | 'lostQuorum' | 'leaderFound' | 'lostVote' | 'other'

/** Why a vote was refused, as far as the screen can tell from the voter's state. */
export type VoteRefusal = 'alreadyVoted' | 'staleTerm' | 'logBehind' | 'leaderAlive' | 'unknown'

export type RecordData =
  | { k: 'role'; node: NodeId; from: Role; to: Role; term: number; prevTerm: number; cause: RoleCause; votes: number; voters: number }
  | { k: 'term'; node: NodeId; term: number; prevTerm: number }
  | { k: 'msg'; msg: Message; copies: number }
  | { k: 'voteReply'; msg: Message; refusal: VoteRefusal; votedFor: NodeId | null; voterTerm: number; leader: NodeId | null }
  | { k: 'dropped'; msg: Message; reason: DropReason }
  | { k: 'lost'; msg: Message; reason: 'down' | 'removed' | 'dropped' }
  | { k: 'held'; msg: Message }
  | { k: 'duplicated'; msg: Message }
  | { k: 'commit'; node: NodeId; from: number; to: number }
  | { k: 'applied'; node: NodeId; from: number; to: number }
  | { k: 'snapshotTaken'; node: NodeId; index: number; term: number }
  | { k: 'snapshotInstalled'; node: NodeId; index: number; term: number }
  | { k: 'persisted'; node: NodeId; entries: number; hardState: boolean }
  | { k: 'nodeError'; node: NodeId; message: string }
  | { k: 'state'; node: NodeId; state: NodeState; error?: string; volatile: boolean }
  | { k: 'recovered'; node: NodeId; recovery: Recovery; volatile?: boolean }
  | { k: 'client'; op: ClientOp; waited: number }
  | { k: 'admin'; node: NodeId; what: string; ok: boolean; error?: string }
  | { k: 'note'; text: string }

export interface EventRecord {
  seq: number
  /** Virtual time. */
  at: number
  cat: Category
  /** The nodes involved (highlighted when the record is selected). */
  nodes: NodeId[]
  /** The message involved, if any (highlighted while in flight). */
  msgId?: number
  d: RecordData
}
