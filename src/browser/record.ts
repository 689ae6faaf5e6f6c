/**
 * Time travel: a run recorded as its spec, its seed and every action on the cluster at the virtual time it took
 * effect, and rebuilt from that record in-process on memory disks up to any virtual time, with the same trace hash.
 *
 * RecordingScheduler is the browser's Scheduler with the record kept inside it: it overrides the loop's protected
 * action methods (each runs between two steps, at `now`) and notes each call made outside a step. Calls the loop makes
 * itself during a step (a node stopped after its removal committed, a failed worker) are part of the run, not
 * actions, and are not recorded. A replay applies each action through the same protected methods, so a replayed
 * scheduler records the same actions again: a fork continues with the record of its past.
 */
import type { ConfChange, NodeId } from '../raft/types.ts'
import type { KvCommand } from '../kv/command.ts'
import type { HostInput, RaftParams, Reply, StorageMode } from '../node/protocol.ts'
import type { NetworkConfig } from '../world/network.ts'
import { cloneNetworkConfig } from '../world/network.ts'
import type { ReadChoice } from '../cluster/clients.ts'
import { LoadGenerator, type LoadOptions } from '../cluster/workload.ts'
import { Scheduler, type ClientOp, type ClusterSpec, type PortFactory } from './scheduler.ts'

/** The version of a recorded run's format (the export file and the share link carry it). */
export const RECORD_VERSION = 1

/** The load switch's generator, as the UI makes it (the replay makes the same one). */
export const UI_LOAD: Partial<LoadOptions> = { clients: 4, prefix: 'load' }

/** An admin request as recorded: the input without its request id (the replay gets the same id again). */
export type AdminInput =
  | { type: 'transfer'; to: NodeId }
  | { type: 'confChange'; change: ConfChange }
  | { type: 'compact' }

/** One action on the cluster, at the virtual time `t` it took effect; `h` is the trace hash just before it. */
export type Action = { t: number; h?: string } & (
  | { k: 'crash'; node: NodeId }
  | { k: 'retire'; node: NodeId }
  /** A node started (restart, or the first start of an added node) with the storage mode then in force. */
  | { k: 'boot'; node: NodeId; storage: StorageMode }
  | { k: 'pause'; node: NodeId }
  | { k: 'resume'; node: NodeId }
  /** A slot for a new node (addNode); its start follows as `boot`. */
  | { k: 'slot'; node: NodeId }
  /** Its disk was erased (between its crash and its restart). */
  | { k: 'wipe'; node: NodeId }
  | { k: 'input'; node: NodeId; input: { type: 'campaign' } }
  | { k: 'admin'; node: NodeId; input: AdminInput; what: string }
  | { k: 'params'; params: Partial<RaftParams>; snapshotEvery?: number }
  | { k: 'net'; config: NetworkConfig }
  | { k: 'drop'; id: number }
  | { k: 'dup'; id: number }
  | { k: 'submit'; client: string; cmd: Omit<KvCommand, 'client' | 'seq'>; read: ReadChoice; target?: NodeId }
  | { k: 'load'; on: boolean }
)

export type ActionKind = Action['k']

/** A (virtual time, trace hash) pair: a replay at `t` must have this hash. */
export interface Checkpoint {
  t: number
  h: string
}

/** Everything needed to rebuild a run: the cluster as it started, and what was done to it. */
export interface RunRecord {
  version: number
  spec: ClusterSpec
  joined: NodeId[]
  retired: NodeId[]
  session: string
  actions: Action[]
  checkpoints: Checkpoint[]
  /** Virtual time the record reaches (the run's `now` when it was taken). */
  end: number
}

export interface RecordingOptions {
  keepFinished?: number
  /** Erase a node's disk (the `wipe` action in a replay); the browser's runtime erases it itself. */
  onWipe?: (id: NodeId) => void | Promise<void>
  /** Virtual ms between two trace checkpoints taken at the end of a step (default 1000). */
  checkpointEveryMs?: number
}

/** Trace checkpoints kept at most (older ones are thinned to every other one). */
const MAX_CHECKPOINTS = 4000

export class RecordingScheduler extends Scheduler {
  readonly #actions: Action[] = []
  readonly #checkpoints: Checkpoint[] = []
  readonly #start: { spec: ClusterSpec; joined: NodeId[]; retired: NodeId[]; session: string }
  readonly #opts: RecordingOptions
  #stepping = 0
  #lastCheckpoint = -Infinity
  #every: number
  #load: LoadGenerator | null = null
  #listeners = new Set<(a: Action) => void>()
  /** When set, every action and step is refused with this sentence (a rebuilt past shown on screen). */
  frozen: string | null = null

  constructor(
    spec: ClusterSpec,
    factory: PortFactory,
    membership: { joined?: NodeId[]; retired?: NodeId[]; session?: string } = {},
    options: RecordingOptions = {},
  ) {
    super(spec, factory, membership, options.keepFinished !== undefined ? { keepFinished: options.keepFinished } : {})
    this.#start = {
      spec: cloneSpec(spec),
      joined: [...(membership.joined ?? [])],
      retired: [...(membership.retired ?? [])],
      session: membership.session ?? '',
    }
    this.#opts = options
    this.#every = options.checkpointEveryMs ?? 1000
    const net = this.network
    const set = net.setConfig.bind(net)
    net.setConfig = (config: NetworkConfig) => {
      if (this.frozen !== null && this.#stepping === 0) throw new Error(this.frozen)
      set(config)
      this.#note({ t: this.now, k: 'net', config: cloneNetworkConfig(net.config) })
    }
  }

  /** Called with every action as it is recorded. */
  onAction(f: (a: Action) => void): () => void {
    this.#listeners.add(f)
    return () => this.#listeners.delete(f)
  }

  get actions(): readonly Action[] {
    return this.#actions
  }

  get checkpoints(): readonly Checkpoint[] {
    return this.#checkpoints
  }

  /** The record so far (a copy): spec, actions, checkpoints, end = now. */
  record(): RunRecord {
    return {
      version: RECORD_VERSION,
      spec: cloneSpec(this.#start.spec),
      joined: [...this.#start.joined],
      retired: [...this.#start.retired],
      session: this.#start.session,
      actions: structuredClone(this.#actions),
      checkpoints: this.#checkpoints.slice(),
      end: this.now,
    }
  }

  #note(a: Action): void {
    if (this.#stepping > 0) return
    if (this.frozen !== null) throw new Error(this.frozen)
    a.h = this.trace.hex()
    this.#actions.push(a)
    for (const f of this.#listeners) f(a)
  }

  /** Keep a checkpoint of (now, trace hash) when the instant is complete (no event left at `now`). */
  checkpoint(force = false): void {
    if (this.nextTime() <= this.now) return
    const last = this.#checkpoints[this.#checkpoints.length - 1]
    if (last && last.t === this.now) {
      last.h = this.trace.hex()
      return
    }
    if (!force && this.now - this.#lastCheckpoint < this.#every) return
    this.#lastCheckpoint = this.now
    this.#checkpoints.push({ t: this.now, h: this.trace.hex() })
    if (this.#checkpoints.length > MAX_CHECKPOINTS) {
      const kept = this.#checkpoints.filter((_, i) => i % 2 === 0)
      this.#checkpoints.length = 0
      this.#checkpoints.push(...kept)
      this.#every *= 2
    }
  }

  // ------------------------------------------------------------------ the loop's action methods, recorded

  // Every step goes through stepUntil (one instant, or a scheduling window of several).
  protected override stepUntil(limit: number): boolean | Promise<boolean> {
    if (this.frozen !== null) throw new Error(this.frozen)
    this.#stepping++
    let r: boolean | Promise<boolean>
    try {
      r = super.stepUntil(limit)
    } catch (e) {
      this.#stepping--
      throw e
    }
    if (r instanceof Promise) {
      return r.then(
        (v) => {
          this.#stepping--
          this.checkpoint()
          return v
        },
        (e: unknown) => {
          this.#stepping--
          throw e
        },
      )
    }
    this.#stepping--
    this.checkpoint()
    return r
  }

  protected override killNode(id: NodeId, state: 'crashed' | 'removed' = 'crashed'): void {
    this.#note(state === 'removed' ? { t: this.now, k: 'retire', node: id } : { t: this.now, k: 'crash', node: id })
    super.killNode(id, state)
  }

  protected override bootNode(id: NodeId): void | Promise<void> {
    this.#note({ t: this.now, k: 'boot', node: id, storage: this.spec.storage })
    return super.bootNode(id)
  }

  protected override pauseNode(id: NodeId): void {
    this.#note({ t: this.now, k: 'pause', node: id })
    super.pauseNode(id)
  }

  protected override resumeNode(id: NodeId): void {
    this.#note({ t: this.now, k: 'resume', node: id })
    super.resumeNode(id)
  }

  protected override addSlot(id: NodeId): void {
    this.#note({ t: this.now, k: 'slot', node: id })
    super.addSlot(id)
  }

  protected override admin(id: NodeId, make: (reqId: number) => HostInput, what: string): Promise<Reply> {
    const input = make(0)
    if (input.type === 'transfer') this.#note({ t: this.now, k: 'admin', node: id, input: { type: 'transfer', to: input.to }, what })
    else if (input.type === 'confChange') this.#note({ t: this.now, k: 'admin', node: id, input: { type: 'confChange', change: structuredClone(input.change) }, what })
    else if (input.type === 'compact') this.#note({ t: this.now, k: 'admin', node: id, input: { type: 'compact' }, what })
    return super.admin(id, make, what)
  }

  protected override setParamsNow(p: Partial<RaftParams>, snapshotEvery?: number): void {
    this.#note({ t: this.now, k: 'params', params: structuredClone(p), ...(snapshotEvery !== undefined ? { snapshotEvery } : {}) })
    super.setParamsNow(p, snapshotEvery)
  }

  protected override dropNow(id: number): boolean {
    this.#note({ t: this.now, k: 'drop', id })
    return super.dropNow(id)
  }

  protected override duplicateNow(id: number): number | null {
    this.#note({ t: this.now, k: 'dup', id })
    return super.duplicateNow(id)
  }

  protected override submitNow(client: string, cmd: Omit<KvCommand, 'client' | 'seq'>, read: ReadChoice, target?: NodeId): ClientOp {
    this.#note({ t: this.now, k: 'submit', client, cmd: structuredClone(cmd), read, ...(target !== undefined ? { target } : {}) })
    return super.submitNow(client, cmd, read, target)
  }

  /** Queue an input for a node (the election-timeout button): recorded when it is a campaign. */
  override input(id: NodeId, input: HostInput): Promise<void> {
    if (input.type !== 'campaign') return super.input(id, input)
    return this.act(() => {
      this.#note({ t: this.now, k: 'input', node: id, input: { type: 'campaign' } })
      this.queueInput(id, input)
    })
  }

  // ------------------------------------------------------------------ actions the loop does not know about

  /** The disk of `id` was erased (call it between the node's crash and its restart). */
  noteWipe(id: NodeId): Promise<void> {
    return this.act(() => this.#note({ t: this.now, k: 'wipe', node: id }))
  }

  /** The load switch's generator on this cluster (one per cluster, as the UI makes it). */
  get load(): LoadGenerator {
    this.#load ??= new LoadGenerator(this, UI_LOAD)
    return this.#load
  }

  /**
   * Turn the load switch on or off as an action between two steps (its time is recorded). On: the generator's own
   * start action is queued right after this one, so both take effect at the same instant.
   */
  setLoad(on: boolean): Promise<void> {
    const gen = this.load
    const p = this.act(() => {
      this.#note({ t: this.now, k: 'load', on })
      if (!on) gen.stop()
    })
    if (on) gen.start()
    return p
  }

  // ------------------------------------------------------------------ replay

  /** Apply a recorded action now (between two steps), through the same methods that recorded it. */
  apply(a: Action): Promise<void> {
    if (a.k === 'load') return this.setLoad(a.on)
    if (a.k === 'submit') {
      void this.submit(a.client, a.cmd, a.read)
      return this.act(() => undefined)
    }
    return this.act(async () => {
      switch (a.k) {
        case 'crash':
          return this.killNode(a.node)
        case 'retire':
          return this.killNode(a.node, 'removed')
        case 'boot':
          this.spec.storage = a.storage
          return await this.bootNode(a.node)
        case 'pause':
          return this.pauseNode(a.node)
        case 'resume':
          return this.resumeNode(a.node)
        case 'slot':
          return this.addSlot(a.node)
        case 'wipe':
          this.#note({ t: this.now, k: 'wipe', node: a.node })
          return await this.#opts.onWipe?.(a.node)
        case 'input':
          this.#note({ t: this.now, k: 'input', node: a.node, input: { type: 'campaign' } })
          return this.queueInput(a.node, { type: 'campaign' })
        case 'admin': {
          const input = a.input
          void this.admin(a.node, (reqId) => ({ ...input, reqId }) as HostInput, a.what)
          return
        }
        case 'params':
          return this.setParamsNow(a.params, a.snapshotEvery)
        case 'net':
          this.network.setConfig(a.config)
          this.spec.network = this.network.config
          return
        case 'drop':
          this.dropNow(a.id)
          return
        case 'dup':
          this.duplicateNow(a.id)
          return
      }
    })
  }
}

function cloneSpec(spec: ClusterSpec): ClusterSpec {
  return { ...structuredClone({ ...spec, network: undefined }), network: cloneNetworkConfig(spec.network) }
}

export { MOMENT_PARAM } from './recorded.ts'
