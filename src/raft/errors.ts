import type { NodeId } from './types.ts'

/** Thrown by leader-only calls on a node that is not the leader. `leader` is its best guess, if any. */
export class NotLeaderError extends Error {
  readonly leader: NodeId | null
  constructor(id: NodeId, leader: NodeId | null) {
    super(leader ? `${id} is not the leader; try ${leader}` : `${id} is not the leader and knows no leader`)
    this.name = 'NotLeaderError'
    this.leader = leader
  }
}
