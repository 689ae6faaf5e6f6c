/**
 * Breakpoints as the page runs them: the list the user set, and the last one that hit. Every event of the running
 * cluster goes through the matcher (src/ui/check/breakpoints.ts), synchronously, in the scheduler's order; on a hit
 * the driver is halted, so the run pauses at the end of the step in which the event happened (the sentence gives
 * the event's own virtual time). A new cluster keeps the list and starts a new matcher. Pausing on a violation is
 * the checkers' switch (`Checks.pauseOnViolation`).
 */
import type { ClusterRuntime } from '../../browser/runtime.ts'
import type { ClusterEvent, Scheduler } from '../../browser/scheduler.ts'
import { BreakMatcher, sameSpec, type BreakHit, type BreakSpec, type Breakpoint } from '../check/breakpoints.ts'

/** Why a breakpoint was not added. */
export type AddRefusal = { why: 'index'; value: string } | { why: 'committed'; index: number; committed: number } | { why: 'duplicate' }

export class Breakpoints {
  list = $state.raw<Breakpoint[]>([])
  /** The last hit, until cleared or until the run goes on past it. */
  hit = $state.raw<BreakHit | null>(null)
  /** The spec of the breakpoint that hit (it stays readable after the breakpoint is removed). */
  hitSpec = $state.raw<BreakSpec | null>(null)
  readonly #runtime: ClusterRuntime
  #matcher = new BreakMatcher()
  #sched: Scheduler | null = null
  #nextId = 1

  constructor(runtime: ClusterRuntime) {
    this.#runtime = runtime
  }

  /** Subscribe to the runtime's events; returns the cleanup. */
  attach(): () => void {
    return this.#runtime.onEvent((e) => this.handle(e))
  }

  handle(e: ClusterEvent): void {
    const sched = this.#runtime.sched
    if (sched !== this.#sched) {
      this.#sched = sched
      this.#matcher = new BreakMatcher()
      this.hit = null
      this.hitSpec = null
    }
    // The run went on after a hit (play, or a step): the sentence is about the past; clear it.
    if (this.hit && e.at > this.hit.at && this.#runtime.driver?.mode !== 'paused') {
      this.hit = null
      this.hitSpec = null
    }
    const h = this.#matcher.handle(e, this.list)
    if (!h) return
    this.#runtime.driver?.halt()
    this.hit = h
    this.hitSpec = this.list.find((b) => b.id === h.id) ?? null
  }

  /** The highest commit index seen on this cluster (a commit breakpoint must be above it). */
  get committed(): number {
    return this.#matcher.committed
  }

  /** Add a breakpoint; returns why not, or null when added. `index` is the text of the index field for a commit breakpoint. */
  add(spec: { kind: 'role'; role: 'candidate' | 'leader'; node: string | null } | { kind: 'commit'; index: string }): AddRefusal | null {
    let s: BreakSpec
    if (spec.kind === 'commit') {
      const text = spec.index.trim()
      const n = Number(text)
      if (text === '' || !Number.isInteger(n) || n < 1 || n > 1e9) return { why: 'index', value: spec.index }
      if (n <= this.#matcher.committed) return { why: 'committed', index: n, committed: this.#matcher.committed }
      s = { kind: 'commit', index: n }
    } else s = { kind: 'role', role: spec.role, node: spec.node }
    if (this.list.some((b) => sameSpec(b, s))) return { why: 'duplicate' }
    this.list = [...this.list, { ...s, id: this.#nextId++ }]
    return null
  }

  remove(id: number): void {
    this.list = this.list.filter((b) => b.id !== id)
  }

  /** Forget the last hit (its sentence goes away). */
  clearHit(): void {
    this.hit = null
    this.hitSpec = null
  }
}
