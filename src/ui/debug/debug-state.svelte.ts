/**
 * The debug panel's view of the runtime: subscribes to its status, progress and events, and copies what the
 * panel shows into `$state` at most once per animation frame (a hidden tab renders nothing; a paused cluster
 * sends nothing, so nothing is rendered). Actions go through here so that every failure becomes a sentence.
 */
import type { ClusterRuntime, RuntimeStatus } from '../../cluster/runtime.ts'
import { defaultSpec } from '../../cluster/runtime.ts'
import type { ClientOp, ClusterEvent, NodeState, Scheduler } from '../../cluster/scheduler.ts'
import type { DriverMode } from '../../cluster/driver.ts'
import { LoadGenerator, type LoadStats } from '../../cluster/workload.ts'
import type { KvOp } from '../../kv/command.ts'
import type { NodeId } from '../../raft/types.ts'
import type { NetworkConfig } from '../../sim/network.ts'
import type { Recovery, StorageMode } from '../../node/protocol.ts'
import { takeOverHere } from '../boot.ts'
import { debug as t } from './strings.ts'
import { describeEvent, isChatty } from './format.ts'

/** One node as the table shows it. */
export interface NodeRow {
  id: NodeId
  state: NodeState
  error?: string
  role: string
  term: number
  vote: NodeId | null
  leader: NodeId | null
  commit: number
  applied: number
  lastIndex: number
  snapshotIndex: number
  storage: string
  isolated: boolean
  recovery?: Recovery
}

export interface EventLine {
  seq: number
  at: number
  text: string
}

/** The last answer of the KV form. */
export interface KvAnswer {
  op: ClientOp
  latency: number | null
}

/** How many events the list shows. */
export const EVENT_LINES = 50

const text = (e: unknown): string => (e instanceof Error ? e.message : String(e))

export class DebugState {
  readonly runtime: ClusterRuntime
  status = $state.raw<RuntimeStatus>({ phase: 'idle' })
  now = $state(0)
  mode = $state<DriverMode>('paused')
  speed = $state(1)
  nodes = $state.raw<NodeRow[]>([])
  events = $state.raw<EventLine[]>([])
  trace = $state('')
  storage = $state<StorageMode>('durable')
  network = $state.raw<NetworkConfig | null>(null)
  /** The action in progress (buttons are disabled meanwhile), its last step, and the last failure. */
  busy = $state<string | null>(null)
  note = $state<string | null>(null)
  error = $state<string | null>(null)
  kvPending = $state(false)
  kvAnswer = $state.raw<KvAnswer | null>(null)
  load = $state.raw<LoadStats | null>(null)
  /** Show message traffic (sent, delivered, ...) in the event list too. */
  chatty = $state(false)

  #ring: (ClusterEvent & { seq: number })[] = []
  #seq = 0
  #frame = 0
  #unsub: (() => void)[] = []
  #generator: LoadGenerator | null = null
  #kvClient = 0
  #loads = 0
  #roles = new Map<NodeId, string>()

  constructor(runtime: ClusterRuntime) {
    this.runtime = runtime
    this.#unsub.push(
      runtime.onStatus(() => this.invalidate()),
      runtime.onProgress(() => this.invalidate()),
      runtime.onEvent((e) => this.#onEvent(e)),
    )
    this.#flush()
  }

  destroy(): void {
    for (const f of this.#unsub) f()
    this.#unsub = []
    if (this.#frame) cancelAnimationFrame(this.#frame)
    this.#generator?.dispose()
  }

  #onEvent(e: ClusterEvent): void {
    if (e.type === 'tick') return
    if (e.type === 'summary') {
      // Summaries come after every batch; only a change of role or term is news.
      const key = `${e.summary.role}/${e.summary.term}`
      if (this.#roles.get(e.node) === key) {
        this.invalidate()
        return
      }
      this.#roles.set(e.node, key)
    }
    // Keep a bounded ring of references; text is made only for the lines shown, once per frame.
    const keep = this.chatty || !isChatty(e)
    if (keep) {
      this.#ring.push({ ...e, seq: ++this.#seq })
      if (this.#ring.length > EVENT_LINES * 2) this.#ring.splice(0, this.#ring.length - EVENT_LINES)
    }
    this.invalidate()
  }

  /** Ask for a render at the next animation frame (one per frame, however many changes). */
  invalidate(): void {
    if (this.#frame) return
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0
      this.#flush()
    })
  }

  #flush(): void {
    const rt = this.runtime
    this.status = rt.status
    const s = rt.sched
    const d = rt.driver
    if (this.#generator && this.#generator.sched !== s) {
      this.#generator.dispose()
      this.#generator = null
    }
    this.load = this.#generator ? this.#generator.stats() : null
    if (d) {
      this.mode = d.mode
      this.speed = d.speed
    }
    if (!s) {
      this.nodes = []
      return
    }
    this.now = s.now
    this.trace = s.trace.hex()
    this.storage = s.spec.storage
    const net = s.network.config
    this.network = net
    const rows: NodeRow[] = []
    for (const id of s.nodeIds().sort(byNodeId)) {
      const sum = s.summary(id)
      rows.push({
        id,
        state: s.nodeState(id),
        error: s.nodeError(id),
        role: sum?.role ?? '-',
        term: sum?.term ?? 0,
        vote: sum?.vote ?? null,
        leader: sum?.leader ?? null,
        commit: sum?.commit ?? 0,
        applied: sum?.applied ?? 0,
        lastIndex: sum?.lastIndex ?? 0,
        snapshotIndex: sum?.snapshotIndex ?? 0,
        storage: sum?.storage ?? s.spec.storage,
        isolated: net.isolated.includes(id),
        recovery: s.recovery(id),
      })
    }
    this.nodes = rows
    const shown = this.#ring.slice(-EVENT_LINES).reverse()
    this.events = shown.map((e) => ({ seq: e.seq, at: e.at, text: describeEvent(e) }))
  }

  get sched(): Scheduler | null {
    return this.runtime.sched
  }

  /** The leader with the highest term that is up, if any. */
  get leader(): NodeId | null {
    let best: NodeRow | null = null
    for (const n of this.nodes) if (n.state === 'up' && n.role === 'leader' && (!best || n.term > best.term)) best = n
    return best?.id ?? null
  }

  /** Run an action; its failure becomes the panel's error line. */
  async act(label: string, f: () => Promise<unknown> | unknown): Promise<void> {
    this.busy = label
    this.error = null
    this.note = null
    try {
      await f()
    } catch (e) {
      this.error = `${label}: ${text(e)}`
    } finally {
      this.busy = null
      this.invalidate()
    }
  }

  // ------------------------------------------------------------ clock

  play(): void {
    this.runtime.driver?.play()
    this.invalidate()
  }

  pause(): void {
    this.runtime.driver?.pause()
    this.invalidate()
  }

  max(): void {
    this.runtime.driver?.max()
    this.invalidate()
  }

  step(): Promise<void> {
    return this.act(t.step, () => this.runtime.driver?.stepOnce())
  }

  setSpeed(x: number): void {
    this.runtime.driver?.setSpeed(x)
    this.invalidate()
  }

  fastForward(ms: number): Promise<void> {
    return this.act(t.fastForward, () => this.runtime.driver?.fastForward(ms))
  }

  // ------------------------------------------------------------ nodes

  #need(): Scheduler {
    const s = this.runtime.sched
    if (!s) throw new Error(t.notRunning)
    return s
  }

  crash(id: NodeId): Promise<void> {
    return this.act(`${t.crash} ${id}`, () => this.runtime.crash(id))
  }

  restart(id: NodeId): Promise<void> {
    return this.act(`${t.restart} ${id}`, () => this.runtime.restart(id))
  }

  pauseNode(id: NodeId): Promise<void> {
    return this.act(`${t.pauseNode} ${id}`, () => this.#need().pause(id))
  }

  resumeNode(id: NodeId): Promise<void> {
    return this.act(`${t.resumeNode} ${id}`, () => this.#need().resume(id))
  }

  campaign(id: NodeId): Promise<void> {
    return this.act(`${t.campaign} ${id}`, () => this.#need().campaign(id))
  }

  wipe(id: NodeId): Promise<void> {
    return this.act(`${t.wipe} ${id}`, () => this.runtime.wipe(id))
  }

  transferTo(id: NodeId): Promise<void> {
    return this.act(`${t.transfer} ${id}`, async () => {
      const l = this.leader
      if (!l) throw new Error(t.noLeader)
      if (l === id) throw new Error(t.alreadyLeader(id))
      const r = await this.#need().transferLeadership(l, id)
      if (r.outcome !== 'ok') throw new Error(r.error ?? r.outcome)
      this.note = t.transferAsked(l, id)
    })
  }

  addNode(): Promise<void> {
    return this.act(t.addNode, () => this.runtime.addNode((w) => (this.note = w)))
  }

  removeNode(id: NodeId): Promise<void> {
    return this.act(`${t.removeNode} ${id}`, () => this.runtime.removeNode(id, (w) => (this.note = w)))
  }

  // ------------------------------------------------------------ network

  #setNetwork(change: (c: NetworkConfig) => void): Promise<void> {
    return this.act(t.network, () => {
      const c = this.#need().network.config
      change(c)
      return this.runtime.setNetwork(c)
    })
  }

  isolate(id: NodeId, on: boolean): Promise<void> {
    return this.#setNetwork((c) => {
      c.isolated = c.isolated.filter((n) => n !== id)
      if (on) c.isolated.push(id)
    })
  }

  /** Split the nodes into `group` and everyone else. */
  partition(group: NodeId[]): Promise<void> {
    return this.#setNetwork((c) => {
      const rest = this.nodes.map((n) => n.id).filter((id) => !group.includes(id))
      if (group.length === 0 || rest.length === 0) throw new Error(t.partitionNeedsTwo)
      c.partition = [group.slice(), rest]
    })
  }

  heal(): Promise<void> {
    return this.#setNetwork((c) => {
      c.partition = []
      c.cuts = []
      c.isolated = []
    })
  }

  // ------------------------------------------------------------ cluster

  setStorage(mode: StorageMode): Promise<void> {
    return this.act(t.storage, () => this.runtime.setStorage(mode))
  }

  newCluster(nodes: number, seed: number, storage: StorageMode): Promise<void> {
    return this.act(t.newCluster, async () => {
      const spec = defaultSpec(this.runtime.clusterName, seed)
      spec.nodes = Array.from({ length: nodes }, (_, i) => `n${i + 1}`)
      spec.storage = storage
      const wasPaused = this.runtime.driver?.mode === 'paused'
      await this.runtime.newCluster(spec)
      if (!wasPaused) this.runtime.driver?.play()
    })
  }

  takeOver(): Promise<void> {
    return this.act(t.takeOver, () => takeOverHere(this.runtime))
  }

  // ------------------------------------------------------------ clients

  /** Submit one operation from the form; one at a time, so the client's sequence numbers stay in order. */
  async submitKv(op: KvOp, key: string, value: string, expected: string | null, read: 'log' | 'readIndex'): Promise<void> {
    if (this.kvPending) return
    this.kvPending = true
    this.error = null
    try {
      const cmd = op === 'set' ? { op, key, value } : op === 'cas' ? { op, key, value, expected } : { op, key }
      const r = await this.#need().submit(`ui${this.#kvClient}`, cmd, read)
      this.kvAnswer = { op: r, latency: r.complete === null ? null : r.complete - r.invoke }
    } catch (e) {
      this.error = `${t.kv}: ${text(e)}`
      // A refused call may leave the client's sequence in an unknown state: start a new session.
      this.#kvClient++
    } finally {
      this.kvPending = false
      this.invalidate()
    }
  }

  /** Turn the load generator on (with `clients` clients) or off. */
  setLoad(on: boolean, clients: number): void {
    const s = this.runtime.sched
    if (!s) return
    if (on) {
      if (this.#generator && this.#generator.options.clients !== clients) {
        this.#generator.dispose()
        this.#generator = null
      }
      this.#generator ??= new LoadGenerator(s, { clients, prefix: `load${++this.#loads}-` })
      this.#generator.start()
    } else this.#generator?.stop()
    this.invalidate()
  }
}

/** n2 before n10. */
export function byNodeId(a: string, b: string): number {
  const x = /^n(\d+)$/.exec(a)
  const y = /^n(\d+)$/.exec(b)
  if (x && y) return Number(x[1]) - Number(y[1])
  return a < b ? -1 : a > b ? 1 : 0
}
