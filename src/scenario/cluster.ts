import type { Role } from '../raft/types.ts'
import type { Violation } from '../check/safety.ts'
import type { ClientWrite, KvWrite, UnsafeSwitch } from './script.ts'

/**
 * What a scenario script needs of a cluster. The runner (run.ts) speaks only to this interface, so the test
 * runner (over the simulator, sim-cluster.ts) and the UI (over the cluster it shows) play a script alike.
 * Every method is synchronous and deterministic: the same calls give the same events.
 */
export interface ScenarioCluster {
  /** Every node ever created, in creation order. */
  ids(): readonly string[]
  /** Virtual time in milliseconds. */
  readonly now: number
  /** Lets the node's election timer fire now. False when it cannot campaign (down, removed, leader, learner). */
  campaign(id: string): boolean
  /** Appends a client command to the node's log (it must lead). */
  propose(id: string, command: KvWrite): Appended
  /** A client asks the node to read `key` (it follows redirects); the answer comes as an `answer` event. */
  read(id: string, key: string): string
  /**
   * A client asks the node to write (it follows redirects, re-sends, gives up after the request timeout); the
   * answer comes as a `written` event. Returns the client's name.
   */
  write(id: string, command: ClientWrite): string
  crash(id: string): void
  restart(id: string): void
  partition(groups: string[][]): void
  isolate(id: string): void
  /**
   * One way. `appends`: only AppendEntries and InstallSnapshot are lost. `afterEntry`: the link fails right
   * after `from` has sent that entry to `to`.
   */
  cut(from: string, to: string, appends: boolean, afterEntry?: number): void
  heal(): void
  /** A new node joins through the leader (or a learner is promoted to voter). */
  add(id: string, learner: boolean): Appended
  remove(id: string): Appended
  transfer(from: string, to: string): void
  /** Compacts the node's log up to what it applied; null when there is nothing to compact. */
  compact(id: string): { index: number; term: number } | null
  setUnsafe(name: UnsafeSwitch, on: boolean): void
  /**
   * Runs `ms` of virtual time, or less: it stops right after an event in which the checkers found a new
   * violation (as the UI pauses there). Returns 'violation' then, else 'done'.
   */
  run(ms: number): 'done' | 'violation'
  /**
   * Runs until no message is in flight, no disk write is pending and every leader's followers that it can reach
   * hold its log and know its commit index; at most `maxMs`. Returns whether it got there. Timers keep ticking
   * meanwhile, so a cluster without a leader is settled at its first quiet moment. Stops at a new violation
   * like `run`.
   */
  stabilize(maxMs: number): 'settled' | 'violation' | 'timeout'
  /**
   * `run` and `stabilize` split for a caller that lets the time pass itself (the UI animates it): the span to
   * run, and how it ended. `run(ms)` is `pass(runSpan(ms))`.
   */
  runSpan(ms: number): TimeSpan<'done' | 'violation'>
  stabilizeSpan(maxMs: number): TimeSpan<'settled' | 'violation' | 'timeout'>
  /** Lets the span's time pass now (synchronously) and returns how it ended. */
  pass<R>(span: TimeSpan<R>): R
  /** Why the cluster is not settled (see stabilize), or null. */
  unsettled(): string | null
  /** Messages sent and not yet delivered or lost. */
  inFlight(): number
  nodes(): NodeView[]
  /** Faults in force on the network, each as a script would write it ("partition n1 n2 | n3"). */
  faults(): string[]
  /**
   * Every violation found so far: the safety checkers', then the linearizability of the script clients' history
   * (`read` and `write`, with `propose` as writes that may or may not take effect).
   */
  violations(): readonly Violation[]
  /** What happened since the last call, in order. */
  takeEvents(): ScenarioEvent[]
}

/**
 * Virtual time to let pass: every instant up to `until`, stopping right after the first instant at which `stop()`
 * holds (it is asked once before the first instant too); when it did not stop, the clock then moves to `until`.
 * `end(stopped)` says how it ended. Whoever runs the instants (the test runner at once, the UI at the speed chosen)
 * runs the same ones, so the run is the same.
 */
export interface TimeSpan<R> {
  readonly until: number
  stop(): boolean
  end(stopped: boolean): R
}

/** The outcome of appending to the leader's log. */
export type Appended =
  | { ok: true; node: string; index: number; term: number }
  | { ok: false; reason: string }

/** One log entry as a script prints it. */
export interface EntryView {
  index: number
  term: number
  /** `noop`, `set x=1`, `delete x`, `get x`, `add n4`, `add n4 learner`, `remove n2`. */
  text: string
}

export interface NodeView {
  id: string
  state: 'up' | 'down' | 'removed'
  /** Up: its role now; down: follower (what it restarts as). */
  role: Role
  learner: boolean
  term: number
  vote: string | null
  /** Votes granted in its current (pre-)campaign, its own included; 0 unless it campaigns. */
  votes: number
  /** Voters of its configuration (of the committed one when down). */
  voters: number
  leader: string | null
  commit: number
  lastIndex: number
  lastTerm: number
  snapshotIndex: number
  snapshotTerm: number
  /** The log after the snapshot (up: in memory; down: on its disk). */
  entries: EntryView[]
}

export type ScenarioEvent =
  | { type: 'role'; node: string; role: Role; term: number }
  /** An index applied by some node for the first time: it is committed. */
  | { type: 'commit'; entry: EntryView }
  | { type: 'down'; node: string }
  /** Started from its disk (empty for a new node). */
  | { type: 'up'; node: string; term: number; vote: string | null; commit: number; lastIndex: number }
  | { type: 'removed'; node: string }
  | { type: 'snapshot'; node: string; index: number; term: number }
  | { type: 'answer'; client: string; key: string; ok: boolean; value: string | null }
  /**
   * A client's write was answered: `ok` acknowledged (applied), `fail` certainly not applied, `unknown` no answer
   * before the request timeout (it may or may not take effect). `command`: `set x=1`, `delete x`.
   */
  | { type: 'written'; client: string; command: string; outcome: 'ok' | 'fail' | 'unknown' }
  | { type: 'violation'; violation: Violation }
