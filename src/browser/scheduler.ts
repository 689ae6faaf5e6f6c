/**
 * The browser's shell around the cluster loop: the same loop the simulator runs, driven by the speed driver and the
 * UI. Actions and steps are strictly serialized (an action never runs in the middle of a step), every action takes
 * effect at a virtual instant, and the ports are Web Workers (workerFactory) or in-process shells (inprocFactory).
 */
import type { ConfChange, NodeId } from '../raft/types.ts'
import type { KvCommand } from '../kv/command.ts'
import type { HostInput, RaftParams, Reply } from '../node/protocol.ts'
import { ClusterLoop, type ClientOp, type ClusterSpec, type PortFactory } from '../cluster/loop.ts'
import type { ReadChoice } from '../cluster/clients.ts'

export type { ClientOp, ClusterEvent, ClusterSpec, NodePort, NodeState, PortFactory, Started } from '../cluster/loop.ts'

export class Scheduler extends ClusterLoop {
  #busy: Promise<unknown> = Promise.resolve()

  constructor(
    spec: ClusterSpec,
    factory: PortFactory,
    membership: { joined?: NodeId[]; retired?: NodeId[]; session?: string } = {},
    options: { keepFinished?: number } = {},
  ) {
    super(spec, factory, membership, options)
    // The live checkers (src/ui/check) read the same observations as the simulator's, as events.
    this.addObserver({
      observe: (obs) => this.emit({ type: 'observation', at: this.now, obs }),
      afterStep: () => this.emit({ type: 'observation', at: this.now, obs: null }),
    })
  }

  /** Run `f` when no step or action is in progress (actions and steps never interleave). */
  private exclusive<T>(f: () => T | Promise<T>): Promise<T> {
    const p = this.#busy.then(f, f)
    this.#busy = p.catch(() => undefined)
    return p
  }

  /** Run `fn` between two steps. */
  override act(fn: () => void): Promise<void> {
    return this.exclusive(fn)
  }

  /** Start every node of the spec from its disk (a fresh disk starts empty). */
  start(): Promise<void> {
    return this.exclusive(() => this.startAll())
  }

  /** Crash a node: its worker stops, its memory is gone; its disk stays (durable) or is gone (volatile). */
  crash(id: NodeId): Promise<void> {
    return this.exclusive(() => this.killNode(id))
  }

  /** Restart a crashed node from its disk. */
  restart(id: NodeId): Promise<void> {
    return this.exclusive(() => {
      const st = this.nodeState(id)
      if (st === 'up' || st === 'paused' || st === 'removed' || st === 'starting') return
      return this.bootNode(id)
    })
  }

  /** Freeze a node: it receives nothing (messages wait) and its clock stops, until resumed. */
  pause(id: NodeId): Promise<void> {
    return this.exclusive(() => this.pauseNode(id))
  }

  resume(id: NodeId): Promise<void> {
    return this.exclusive(() => this.resumeNode(id))
  }

  /** Let a node's election timer fire now. */
  campaign(id: NodeId): Promise<void> {
    return this.input(id, { type: 'campaign' })
  }

  /** Queue an input for a node at the next millisecond. */
  input(id: NodeId, input: HostInput): Promise<void> {
    return this.exclusive(() => this.queueInput(id, input))
  }

  private adminRequest(id: NodeId, make: (reqId: number) => HostInput, what: string): Promise<Reply> {
    return this.exclusive(() => ({ p: this.admin(id, make, what) })).then((r) => r.p)
  }

  transferLeadership(from: NodeId, to: NodeId): Promise<Reply> {
    return this.adminRequest(from, (reqId) => ({ type: 'transfer', to, reqId }), `transfer leadership to ${to}`)
  }

  compact(id: NodeId): Promise<Reply> {
    return this.adminRequest(id, (reqId) => ({ type: 'compact', reqId }), 'take a snapshot')
  }

  /** Propose a membership change through the leader. */
  confChange(leader: NodeId, change: ConfChange): Promise<Reply> {
    return this.adminRequest(leader, (reqId) => ({ type: 'confChange', change, reqId }), `${change.type} ${change.node}`)
  }

  /** Create a new, empty node that can join the cluster (it knows no peers until the leader adds it). */
  addNode(id: NodeId): Promise<void> {
    return this.exclusive(() => {
      this.addSlot(id)
      return this.bootNode(id)
    })
  }

  /** Stop a node for good after its removal from the configuration. */
  retire(id: NodeId): Promise<void> {
    return this.exclusive(() => this.killNode(id, 'removed'))
  }

  /** Change Raft parameters on every running node (and for every later start). */
  setParams(p: Partial<RaftParams>, snapshotEvery?: number): Promise<void> {
    return this.exclusive(() => this.setParamsNow(p, snapshotEvery))
  }

  /**
   * Take message `id` off the wire (every copy still pending), as if the network lost it now: emits `lost` with
   * reason `dropped`. Resolves false when nothing of it is in flight any more.
   */
  dropInFlight(id: number): Promise<boolean> {
    return this.exclusive(() => this.dropNow(id))
  }

  /**
   * Deliver message `id` twice: a copy with a new id arrives 1 ms after the first pending copy, and a `sent` event
   * with `duplicateOf: id` announces it. Resolves with the copy's id, or null when nothing of it is in flight.
   */
  duplicateInFlight(id: number): Promise<number | null> {
    return this.exclusive(() => this.duplicateNow(id))
  }

  /** Process every event of the next virtual instant. */
  step(): Promise<boolean> {
    return this.exclusive(() => this.stepOnce())
  }

  /**
   * Process one scheduling window ending by `limit` (see ClusterLoop.stepUntil): every node's instants up to the
   * network's least delay in one round trip and one disk write. False when nothing is scheduled.
   */
  advance(limit: number): Promise<boolean> {
    return this.exclusive(() => this.stepUntil(limit))
  }

  /** Run until virtual time `t` (events at exactly `t` included). */
  runUntil(t: number): Promise<void> {
    return this.exclusive(async () => {
      while (this.nextTime() <= t) await this.stepUntil(t)
      if (this.now < t) this.now = t
    })
  }

  /**
   * Submit a key/value operation as client `client`. Resolves when it completes: ok, fail (certainly not applied)
   * or unknown (timed out: it may or may not have taken effect). Requests follow redirects and retry through
   * elections with the same (client, seq), so a retried write applies once.
   */
  submit(client: string, cmd: Omit<KvCommand, 'client' | 'seq'>, read: ReadChoice = 'readIndex'): Promise<ClientOp> {
    return new Promise<ClientOp>((resolve, reject) => {
      this.exclusive(() => {
        const op = this.submitNow(client, cmd, read)
        this.clients.whenDone(op.id, resolve)
      }).catch(reject)
    })
  }

  /** Is this client waiting for an answer? (Clients issue one operation at a time.) */
  clientIdle(client: string): boolean {
    return this.clients.idle(client)
  }

  /** Stop every host (page unload, "new cluster", take-over by another tab). */
  shutdown(): Promise<void> {
    return this.exclusive(() => this.shutdownNow())
  }
}
