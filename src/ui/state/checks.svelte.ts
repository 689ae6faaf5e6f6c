/**
 * The live checkers as the page runs them: every observation and client operation of the running cluster goes
 * through a `LiveChecker` (src/ui/check/live.ts) on the main thread, synchronously, in the scheduler's order. On
 * the first violation the driver is halted, so the cluster stops on the step that broke the property, and
 * `violation` says what broke. A new cluster (a new scheduler) gets a new checker.
 *
 * The checkers are their own chunk (the first paint does not wait for them), fetched as soon as the page starts:
 * events that come before it arrives (the first milliseconds of a boot) wait in a queue and are checked in order
 * once it is there.
 */
import type { ClusterRuntime } from '../../browser/runtime.ts'
import type { ClusterEvent, Scheduler } from '../../browser/scheduler.ts'
import type { SafetyStats, Violation } from '../../check/safety.ts'
import type { MessageType, NodeId } from '../../raft/types.ts'
import type { LiveChecker, LiveCounts } from '../check/live.ts'

/** What the checkers cost: wall milliseconds spent in them over virtual milliseconds of the run. */
export interface CheckCost {
  ms: number
  /** The part of `ms` spent on the client history (linearizability). */
  linMs: number
  /** Virtual time the checked run covers (ms). */
  virtualMs: number
  /** Wall time since the checker started (ms). */
  wallMs: number
  counts: LiveCounts
}

type Live = typeof import('../check/live.ts')

/** A message delivered in the step that broke a property. */
export interface StepMessage {
  id: number
  type: MessageType
  from: NodeId
  to: NodeId
  term: number
  reject: boolean
}

/**
 * What the screen highlights for the first violation: its nodes, the log index (entries at it on the timelines), and
 * the messages those nodes received in the step that broke it (the event the checker stopped on).
 */
export interface Involved {
  nodes: NodeId[]
  index: number | null
  term: number | null
  /** Virtual time of the event after which the checker found it. */
  time: number
  messages: StepMessage[]
  /** True when the cluster was paused there (pausing on a violation was on). */
  paused: boolean
}

/** The checkers' state for the invariants panel (a copy: read it when the view is published). */
export interface InvariantsState {
  /** The checker code has arrived and checks this cluster. */
  running: boolean
  safety: SafetyStats | null
  counts: LiveCounts
  limits: { window: number; maxStates: number } | null
  violation: Violation | null
}

const NO_COUNTS: LiveCounts = { observations: 0, steps: 0, linChecks: 0, inconclusive: 0, ops: 0, keys: 0 }

export class Checks {
  /** The first violation of the running cluster, or null. */
  violation = $state.raw<Violation | null>(null)
  /** Why the checkers are not running (their code could not be loaded), or null. */
  failed = $state.raw<string | null>(null)
  /** What the first violation involves (for the graph, the timelines and the panel), or null. */
  involved = $state.raw<Involved | null>(null)
  /** The breakpoint "on any violation": halt the cluster on the first violation (on by default). */
  pauseOnViolation = $state(true)
  /**
   * The client history is not checked (a narrated scenario's script appends commands without clients, so its reads
   * would see values no client wrote).
   */
  historyOff = false
  readonly #runtime: ClusterRuntime
  #live: Live | null = null
  #queue: ClusterEvent[] = []
  #runner: LiveChecker | null = null
  #sched: Scheduler | null = null
  #ms = 0
  #linMs = 0
  #start = 0
  #from = 0
  /** Messages delivered since the last end of a step (a step may span several instants), with their time. */
  #stepMsgs: { at: number; m: StepMessage }[] = []

  constructor(runtime: ClusterRuntime, load: () => Promise<Live> = () => import('../check/live.ts')) {
    this.#runtime = runtime
    load().then(
      (m) => {
        this.#live = m
        const q = this.#queue
        this.#queue = []
        for (const e of q) this.handle(e)
      },
      (e: unknown) => {
        this.#queue = []
        this.failed = e instanceof Error ? e.message : String(e)
      },
    )
  }

  /** Subscribe to the runtime's events; returns the cleanup. */
  attach(): () => void {
    return this.#runtime.onEvent((e) => this.handle(e))
  }

  handle(e: ClusterEvent): void {
    if (e.type === 'delivered') {
      const m = e.msg
      if (!this.violation && this.failed === null) this.#stepMsgs.push({ at: e.at, m: { id: e.id, type: m.type, from: m.from, to: m.to, term: m.term, reject: m.reject === true } })
      return
    }
    if (e.type !== 'observation' && e.type !== 'client') return
    if (e.type === 'client' && this.historyOff) return
    if (!this.#live) {
      if (this.failed === null) this.#queue.push(e)
      return
    }
    const sched = this.#runtime.sched
    if (sched !== this.#sched || !this.#runner) {
      this.#sched = sched
      this.#runner = new this.#live.LiveChecker(sched ? { seed: sched.spec.seed } : {})
      this.violation = null
      this.involved = null
      this.#ms = 0
      this.#linMs = 0
      this.#start = performance.now()
      this.#from = e.at
    }
    const t0 = performance.now()
    const v = this.#runner.handle(e)
    const dt = performance.now() - t0
    this.#ms += dt
    if (e.type === 'client') this.#linMs += dt
    if (v) {
      const paused = this.pauseOnViolation
      if (paused) this.#runtime.driver?.halt()
      const at = v.time ?? e.at
      const messages = this.#stepMsgs.filter((s) => s.at === at && v.nodes.includes(s.m.to)).map((s) => s.m)
      this.involved = { nodes: v.nodes.slice(), index: v.index ?? null, term: v.term ?? null, time: at, messages, paused }
      this.violation = v
    }
    if (e.type === 'observation' && e.obs === null) this.#stepMsgs.length = 0
  }

  /** The checkers' counts and limits now, for the invariants panel. */
  state(): InvariantsState {
    const r = this.#runner
    return {
      running: r !== null,
      safety: r ? r.safety.stats() : null,
      counts: { ...(r?.counts ?? NO_COUNTS) },
      limits: r ? r.limits : null,
      violation: this.violation,
    }
  }

  /** What the checkers hold now (benchmarks read it), or null before they start. */
  memory(): ReturnType<LiveChecker['memory']> | null {
    return this.#runner?.memory() ?? null
  }

  /** The checkers' cost so far (benchmarks read it). */
  cost(): CheckCost {
    const now = this.#sched?.now ?? this.#from
    return {
      ms: this.#ms,
      linMs: this.#linMs,
      virtualMs: now - this.#from,
      wallMs: this.#runner ? performance.now() - this.#start : 0,
      counts: { ...(this.#runner?.counts ?? NO_COUNTS) },
    }
  }
}
