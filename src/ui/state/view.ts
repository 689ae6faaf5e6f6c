/** What the panels render: one snapshot of the cluster, published by the Scene (scene.svelte.ts) as a whole. */
import type { NodeId } from '../../raft/types.ts'
import type { ClientOp, NodeState } from '../../browser/scheduler.ts'
import type { DriverMode } from '../../browser/driver.ts'
import type { LoadStats } from '../../cluster/workload.ts'
import type { NetworkConfig } from '../../world/network.ts'
import type { NodeSummary, RaftParams, Recovery, StorageMode } from '../../node/protocol.ts'

/** One node as the panels show it. */
export interface NodeView {
  id: NodeId
  state: NodeState
  error?: string
  summary: NodeSummary | null
  voter: boolean
  learner: boolean
  /** Up but in no configuration yet (a new node before the leader adds it). */
  joining: boolean
  /** Being removed by a membership change (it may already be out of the leader's configuration). */
  leaving: boolean
  held: number
  recovery?: Recovery
  isolated: boolean
}

/** What the panels render; replaced as a whole (it lives in `$state.raw`). */
export interface View {
  now: number
  mode: DriverMode
  speed: number
  nodes: NodeView[]
  leader: NodeId | null
  voters: NodeId[]
  learners: NodeId[]
  network: NetworkConfig | null
  params: RaftParams | null
  tickMs: number
  snapshotEvery: number
  storage: StorageMode
  load: LoadStats | null
  myOps: ClientOp[]
  /** Bumped when the event log has new records. */
  events: number
  presetLabel: string | null
  /** How fast virtual time really passes (the workers may not keep up with the chosen speed); null when paused. */
  actualSpeed: number | null
}

export function emptyView(): View {
  return {
    now: 0,
    mode: 'paused',
    speed: 1,
    nodes: [],
    leader: null,
    voters: [],
    learners: [],
    network: null,
    params: null,
    tickMs: 10,
    snapshotEvery: 0,
    storage: 'durable',
    load: null,
    myOps: [],
    events: 0,
    presetLabel: null,
    actualSpeed: null,
  }
}
