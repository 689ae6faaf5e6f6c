import { NotLeaderError, parseConfEntry } from '../raft/index.ts'
import type { Entry, Message, Role, UnsafeSwitches } from '../raft/types.ts'
import { decodeCommand, encodeCommand } from '../kv/command.ts'
import type { HistoryOp } from '../kv/history.ts'
import type { Violation } from '../check/safety.ts'
import { Simulator, type SimulatorExtras } from '../sim/simulator.ts'
import { SimCheckers } from '../sim/checkers.ts'
import { scenarioOptions } from '../sim/options.ts'
import { defaultNetworkConfig } from '../world/network.ts'
import type { Appended, EntryView, NodeView, ScenarioCluster, ScenarioEvent, TimeSpan } from './cluster.ts'
import type { ClientWrite, ClusterSpec, KvWrite, UnsafeSwitch } from './script.ts'
import { ScriptHistory } from './lin-report.ts'

/** The client name of the commands a script proposes (one session, numbered 1, 2, 3...). */
const SCRIPT_CLIENT = 'script'

/** How an entry reads in a script: `noop`, `set x=1`, `add n4`... */
export function entryText(e: Entry): string {
  if (e.kind === 'noop') return 'noop'
  if (e.kind === 'config') {
    const c = e.data === undefined ? null : parseConfEntry(e.data)
    if (c === null || c.type === undefined || c.node === undefined) return 'config'
    return c.type === 'removeNode' ? `remove ${c.node}` : c.type === 'addLearner' ? `add ${c.node} learner` : `add ${c.node}`
  }
  const c = decodeCommand(e.data ?? '')
  if ('error' in c) return 'bad command'
  if (c.op === 'set') return `set ${c.key}=${c.value}`
  if (c.op === 'cas') return `cas ${c.key} ${c.expected ?? 'absent'}->${c.value}`
  return `${c.op} ${c.key}`
}

interface Known {
  role: Role
  term: number
}

/**
 * A one-way cut the network model cannot express: of appends only, or starting once an append carrying
 * `afterEntry` went through.
 */
interface LateCut {
  from: string
  to: string
  appends: boolean
  afterEntry: number | null
  active: boolean
}

const isAppend = (m: Message): boolean => m.type === 'MsgApp' || m.type === 'MsgSnap'

/**
 * A scenario cluster over the deterministic simulator, with the safety checkers attached from the first event.
 * Uses only the Simulator's public API and its observer hooks.
 */
export class SimScenarioCluster implements ScenarioCluster {
  readonly sim: Simulator
  readonly checkers: SimCheckers
  readonly #events: ScenarioEvent[] = []
  readonly #known = new Map<string, Known>()
  /** Highest index some node applied. */
  #applied = 0
  #reported = 0
  #seq = 0
  #readers = 0
  #writers = 0
  /** Client requests not answered yet (a write carries its command as the script writes it). */
  readonly #reads: { name: string; op: HistoryOp; write?: string }[] = []
  /** The script clients' history, checked for linearizability. */
  readonly #history = new ScriptHistory()
  /** Client requests that ended, answered or not (one that timed out keeps no completion time). */
  readonly #ended = new Set<number>()
  #faults: string[] = []
  /** Command data as the checker quotes it in a violation -> the command as a script writes it, quoted. */
  readonly #dataNames = new Map<string, string>()
  #lateCuts: LateCut[] = []

  /** `extras.loop`: the browser's narrated scenarios run this cluster over a loop the page draws (src/browser/lesson.ts). */
  constructor(spec: ClusterSpec, extras: SimulatorExtras = {}) {
    const unsafe: UnsafeSwitches = {}
    for (const s of spec.unsafe) unsafe[s] = true
    this.sim = new Simulator(
      scenarioOptions(spec.seed, {
        nodes: spec.nodes,
        electionTick: spec.electionTick,
        heartbeatTick: spec.heartbeatTick,
        tickMs: spec.tickMs,
        preVote: spec.preVote,
        checkQuorum: spec.checkQuorum,
        unsafe,
        maxEntriesPerMsg: spec.maxEntries,
        maxInflightMsgs: spec.maxInflight,
        snapshotEvery: spec.snapshotEvery,
        readMode: spec.reads === 'readindex' ? 'readIndex' : 'log',
        storage: spec.storage,
        network: defaultNetworkConfig({ latency: 2, jitter: 3 }),
      }),
      extras,
    )
    this.checkers = new SimCheckers(this.sim)
    for (const id of this.sim.nodeIds()) this.#known.set(id, { role: 'follower', term: 0 })
    this.sim.addObserver({
      onRole: (node, role, term) => this.#role(node, role, term),
      observe: (o) => {
        if (o.type !== 'apply') return
        const e = o.entry
        if (e.index <= this.#applied) return
        this.#applied = e.index
        this.#events.push({ type: 'commit', entry: { index: e.index, term: e.term, text: entryText(e) } })
      },
      onRestore: (node, s) => {
        this.#events.push({ type: 'snapshot', node, index: s.index, term: s.term })
        if (s.index > this.#applied) this.#applied = s.index
      },
      onCrash: (node) => {
        // A removed node stopping is told by its 'removed' event.
        if (!this.sim.node(node).removed) this.#events.push({ type: 'down', node })
      },
      onRemoved: (node) => this.#events.push({ type: 'removed', node }),
      onRestart: (node, disk) => {
        const hs = disk.hardState
        this.#known.set(node, { role: 'follower', term: hs.term })
        const lastIndex = (disk.snapshot?.index ?? 0) + disk.entries.length
        this.#events.push({ type: 'up', node, term: hs.term, vote: hs.vote, commit: hs.commit, lastIndex })
      },
      afterEvent: () => this.#afterEvent(),
    })
    this.sim.setFilter((m) => this.#keep(m))
    this.sim.clients.onFinish((op) => {
      this.#ended.add(op.id)
      this.#history.answered(op.id, op.node)
    })
  }

  get now(): number {
    return this.sim.now
  }

  ids(): readonly string[] {
    return this.sim.nodeIds()
  }

  campaign(id: string): boolean {
    if (!this.#usable(id)) return false
    return this.#call(`campaign ${id}`, () => this.sim.campaign(id))
  }

  propose(id: string, command: KvWrite): Appended {
    const why = this.#unusable(id)
    if (why !== null) return { ok: false, reason: why }
    const data = encodeCommand({ ...command, client: SCRIPT_CLIENT, seq: ++this.#seq })
    this.#nameData(data)
    const r = this.#append(id, `propose ${id}`, () => this.sim.propose(id, data))
    if (r.ok) this.#history.proposed(command, id, r.index, this.sim.now)
    return r
  }

  read(id: string, key: string): string {
    const name = `r${++this.#readers}`
    const op = this.#call(`read ${id} ${key}`, () => this.sim.request({ op: 'get', key }, name, id))
    this.#reads.push({ name, op })
    this.#history.client(op, name)
    // Each script client makes one request, so its entry (a read through the log) has sequence number 1.
    this.#nameData(encodeCommand({ op: 'get', key, client: name, seq: 1 }))
    return name
  }

  write(id: string, command: ClientWrite): string {
    const name = `w${++this.#writers}`
    const op = this.#call(`write ${id} ${command.op} ${command.key}`, () => this.sim.request(command, name, id))
    const text = command.op === 'set' ? `set ${command.key}=${command.value}` : `delete ${command.key}`
    this.#reads.push({ name, op, write: text })
    this.#history.client(op, name)
    this.#nameData(encodeCommand({ ...command, client: name, seq: 1 }))
    return name
  }

  crash(id: string): void {
    this.#call(`crash ${id}`, () => this.sim.crash(id))
  }

  restart(id: string): void {
    this.#call(`restart ${id}`, () => this.sim.restart(id))
  }

  partition(groups: string[][]): void {
    this.sim.partition(groups)
    this.#faults.push(`partition ${groups.map((g) => g.join(' ')).join(' | ')}`)
  }

  isolate(id: string): void {
    this.sim.isolate(id)
    this.#faults.push(`isolate ${id}`)
  }

  cut(from: string, to: string, appends: boolean, afterEntry?: number): void {
    this.#faults.push(`cut ${from} -> ${to}${appends ? ' appends' : ''}${afterEntry !== undefined ? ` after entry ${afterEntry}` : ''}`)
    if (!appends && afterEntry === undefined) this.sim.cut(from, to)
    else this.#lateCuts.push({ from, to, appends, afterEntry: afterEntry ?? null, active: afterEntry === undefined })
  }

  heal(): void {
    this.sim.heal()
    this.#faults = []
    this.#lateCuts = []
  }

  add(id: string, learner: boolean): Appended {
    const leader = this.sim.leader()
    if (leader === null) return { ok: false, reason: `no node leads, so nobody can add ${id}` }
    if (this.sim.nodeIds().includes(id)) {
      const n = this.sim.node(id)
      if (n.removed) return { ok: false, reason: `${id} was removed and cannot come back` }
      if (learner) return { ok: false, reason: `${id} is already in the cluster` }
      return this.#append(leader, `add ${id}`, () => this.sim.changeMembership({ type: 'addVoter', node: id }))
    }
    return this.#append(leader, `add ${id}`, () => this.sim.addNode(id, learner ? 'learner' : 'voter'))
  }

  remove(id: string): Appended {
    const leader = this.sim.leader()
    if (leader === null) return { ok: false, reason: `no node leads, so nobody can remove ${id}` }
    if (this.sim.node(id).removed) return { ok: false, reason: `${id} was already removed` }
    return this.#append(leader, `remove ${id}`, () => this.sim.removeNode(id))
  }

  transfer(from: string, to: string): void {
    if (!this.#usable(from)) return
    this.#call(`transfer ${from} ${to}`, () => this.sim.transferLeadership(from, to))
  }

  /** Compacts as the node's snapshot policy does: up to what it applied, in the core and on its disk. */
  compact(id: string): { index: number; term: number } | null {
    if (!this.#usable(id)) return null
    return this.#call(`compact ${id}`, () => this.sim.compact(id))
  }

  /** For running nodes at once, and for every later restart (the options the simulator boots nodes with). */
  setUnsafe(name: UnsafeSwitch, on: boolean): void {
    const unsafe: UnsafeSwitches = { ...this.sim.options.unsafe, [name]: on }
    this.sim.setParams({ unsafe })
  }

  run(ms: number): 'done' | 'violation' {
    return this.pass(this.runSpan(ms))
  }

  stabilize(maxMs: number): 'settled' | 'violation' | 'timeout' {
    return this.pass(this.stabilizeSpan(maxMs))
  }

  runSpan(ms: number): TimeSpan<'done' | 'violation'> {
    const seen = this.#violationCount()
    const broke = (): boolean => this.#violationCount() > seen
    return { until: this.sim.now + ms, stop: broke, end: (stopped) => (stopped ? 'violation' : 'done') }
  }

  stabilizeSpan(maxMs: number): TimeSpan<'settled' | 'violation' | 'timeout'> {
    const seen = this.#violationCount()
    const broke = (): boolean => this.#violationCount() > seen
    return { until: this.sim.now + maxMs, stop: () => broke() || this.#quiet(), end: (stopped) => (!stopped ? 'timeout' : broke() ? 'violation' : 'settled') }
  }

  pass<R>(span: TimeSpan<R>): R {
    return span.end(this.sim.runUntilTrue(() => span.stop(), span.until, true))
  }

  /** Messages on the wire (a duplicated one counts once per copy). */
  inFlight(): number {
    return this.sim.inFlight()
  }

  nodes(): NodeView[] {
    const conf = this.sim.committedConf()
    return this.sim.nodeIds().map((id) => {
      const n = this.sim.node(id)
      if (n.up) {
        const s = n.raw.status()
        const entries = n.raw.entries(s.firstIndex, s.lastIndex + 1).map(view)
        return {
          id,
          state: 'up',
          role: s.role,
          learner: s.learners.includes(id),
          term: s.term,
          vote: s.vote,
          votes: s.role === 'candidate' || s.role === 'precandidate' ? s.votesGranted : 0,
          voters: s.voters.length,
          leader: s.leader,
          commit: s.commit,
          lastIndex: s.lastIndex,
          lastTerm: n.raw.term(s.lastIndex) ?? 0,
          snapshotIndex: s.snapshotIndex,
          snapshotTerm: s.snapshotTerm,
          entries,
        }
      }
      const d = n.disk
      const last = d.entries[d.entries.length - 1]
      return {
        id,
        state: n.removed ? 'removed' : 'down',
        role: 'follower',
        learner: conf.learners.includes(id),
        term: d.hardState.term,
        vote: d.hardState.vote,
        votes: 0,
        voters: conf.voters.length,
        leader: null,
        commit: d.hardState.commit,
        lastIndex: last?.index ?? d.snapshot?.index ?? 0,
        lastTerm: last?.term ?? d.snapshot?.term ?? 0,
        snapshotIndex: d.snapshot?.index ?? 0,
        snapshotTerm: d.snapshot?.term ?? 0,
        entries: d.entries.map(view),
      }
    })
  }

  faults(): string[] {
    return this.#faults.slice()
  }

  violations(): readonly Violation[] {
    const lin = this.#history.violation
    return [...this.checkers.violations().map((v) => this.#readable(v)), ...(lin !== null ? [lin] : [])]
  }

  #violationCount(): number {
    return this.checkers.violations().length + (this.#history.violation !== null ? 1 : 0)
  }

  takeEvents(): ScenarioEvent[] {
    this.#afterEvent()
    return this.#events.splice(0, this.#events.length)
  }

  // ---------------------------------------------------------------- internals

  /** The violation with the commands in its message written as a script writes them. */
  #readable(v: Violation): Violation {
    let message = v.message
    for (const [quoted, name] of this.#dataNames) if (message.includes(quoted)) message = message.split(quoted).join(name)
    return message === v.message ? v : { ...v, message }
  }

  /** Lets a violation's message name the command of this entry data as a script writes it. */
  #nameData(data: string): void {
    this.#dataNames.set(checkerQuote(data), JSON.stringify(entryText({ index: 0, term: 0, kind: 'command', data })))
  }

  #role(node: string, role: Role, term: number): void {
    const k = this.#known.get(node)
    if (k !== undefined && k.role === role && k.term === term) return
    this.#known.set(node, { role, term })
    this.#events.push({ type: 'role', node, role, term })
  }

  /** A message passes unless a late cut that has started covers it. */
  #keep(m: Message): boolean {
    for (const c of this.#lateCuts) {
      if (c.from !== m.from || c.to !== m.to) continue
      if (c.active) {
        if (!c.appends || isAppend(m)) return false
      } else if (m.type === 'MsgApp' && m.entries !== undefined && m.entries.some((e) => e.index === c.afterEntry)) c.active = true
    }
    return true
  }

  #quiet(): boolean {
    if (this.inFlight() > 0) return false
    for (const id of this.sim.nodeIds()) {
      const n = this.sim.node(id)
      if (n.writing || (n.up && n.raw.hasReady())) return false
    }
    // A client read still waiting (redirected, retried) keeps the cluster busy until its request times out.
    const timeout = this.sim.options.requestTimeoutMs
    if (this.#reads.some((r) => r.op.complete === null && this.sim.now < r.op.invoke + timeout)) return false
    return this.unsettled() === null
  }

  /**
   * Why the cluster is not settled, or null: a leader has a follower it can reach both ways that does not yet
   * hold its whole log or know its commit index.
   */
  unsettled(): string | null {
    for (const id of this.sim.nodeIds()) {
      const l = this.sim.node(id)
      if (!l.up) continue
      const s = l.raw.status()
      if (s.role !== 'leader' || s.progress === undefined) continue
      for (const [f, p] of Object.entries(s.progress)) {
        if (f === id || !this.sim.isUp(f) || !this.#reachable(id, f) || !this.#reachable(f, id)) continue
        if (p.match < s.lastIndex) return `${f} holds ${id}'s log only to ${p.match} of ${s.lastIndex}`
        const fc = this.sim.node(f).raw.status().commit
        if (fc < s.commit) return `${f} knows commit ${fc}, ${id} ${s.commit}`
      }
    }
    return null
  }

  #reachable(from: string, to: string): boolean {
    if (this.sim.network.blocked(from, to) !== null) return false
    return !this.#lateCuts.some((c) => c.active && c.from === from && c.to === to)
  }

  #afterEvent(): void {
    const v = this.checkers.violations()
    while (this.#reported < v.length) this.#events.push({ type: 'violation', violation: this.#readable(v[this.#reported++]) })
    for (let i = 0; i < this.#reads.length; i++) {
      const { name, op } = this.#reads[i]
      if (!this.#ended.has(op.id)) continue
      const r = op.result
      const write = this.#reads[i].write
      if (write !== undefined) this.#events.push({ type: 'written', client: name, command: write, outcome: op.outcome })
      else this.#events.push({ type: 'answer', client: name, key: op.key, ok: op.outcome === 'ok' && r?.ok === true, value: r?.value ?? null })
      this.#reads.splice(i--, 1)
    }
    const lin = this.#history.check(this.sim.now)
    if (lin !== null) this.#events.push({ type: 'violation', violation: lin })
  }

  #unusable(id: string): string | null {
    const n = this.sim.node(id)
    if (n.removed) return `${id} was removed from the cluster`
    if (!n.up) return `${id} is down`
    return null
  }

  #usable(id: string): boolean {
    return this.#unusable(id) === null
  }

  #append(id: string, label: string, fn: () => { index: number; term: number }): Appended {
    try {
      const r = this.#call(label, fn)
      return { ok: true, node: id, index: r.index, term: r.term }
    } catch (e) {
      if (e instanceof NotLeaderError) {
        return { ok: false, reason: e.leader !== null ? `${id} is not the leader (it points to ${e.leader})` : `${id} is not the leader and knows no leader` }
      }
      if (e instanceof Error) return { ok: false, reason: e.message.replace(/^sim: /, '') }
      throw e
    }
  }

  /**
   * Runs a script action as an event of its own at the current time (after the events already due now), as
   * the simulator's `at` does: its Ready is taken and its role changes reported with that event, and it is
   * part of the trace. Rethrows what `fn` threw, outside the event.
   */
  #call<T>(label: string, fn: () => T): T {
    const box: { r: { ok: true; value: T } | { ok: false; error: unknown } | null } = { r: null }
    this.sim.at(this.sim.now, `script: ${label}`, () => {
      try {
        box.r = { ok: true, value: fn() }
      } catch (error) {
        box.r = { ok: false, error }
      }
    })
    this.sim.runUntil(this.sim.now)
    const r = box.r
    if (r === null) throw new Error(`scenario: the action "${label}" did not run`)
    if (!r.ok) throw r.error
    return r.value
  }
}

/** Entry data as src/check/safety.ts quotes it in a message (kept in step with its `describeData`). */
function checkerQuote(d: string): string {
  return JSON.stringify(d.length > 60 ? `${d.slice(0, 60)}...` : d)
}

function view(e: Entry): EntryView {
  return { index: e.index, term: e.term, text: entryText(e) }
}
