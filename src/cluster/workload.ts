/**
 * A load generator for the browser cluster: K clients, each keeping one key/value operation in flight against
 * `Scheduler.submit`, with a configurable mix of set/get/delete/cas over a few keys. The UI's "load" switch and
 * the browser benchmark use it; the scheduler records every operation in its history for the checker.
 *
 * Determinism: the operations are drawn from a PRNG forked from the cluster's seed, and a client's next
 * operation is submitted synchronously from the scheduler's `client` event of the previous one. That event is
 * emitted inside the step that completed the operation, so the new submission is queued right behind that step
 * (the scheduler runs actions and steps strictly in call order) and is invoked at the same virtual instant,
 * whatever the wall-clock speed. Two runs with the same seed and the same actions give the same trace.
 */
import type { KvOp } from '../kv/command.ts'
import { Prng } from '../sim/prng.ts'
import type { ClientOp, ClusterEvent, Scheduler } from './scheduler.ts'

/** Relative weights of the operations; zero or missing = never. */
export type OpMix = Partial<Record<KvOp, number>>

export interface LoadOptions {
  /** Concurrent clients, each with one operation in flight. Default 4. */
  clients: number
  /** Number of keys (k0..k{n-1}). Default 3: few keys make clients contend, which the checker likes. */
  keys: number
  /** Default: mostly writes, some reads, a few deletes and cas. */
  mix: OpMix
  /** How gets are served: through ReadIndex (default) or through the log. */
  read: 'log' | 'readIndex'
  /** Client names are `${prefix}${i}`; distinct prefixes keep two generators' sessions apart. Default "load". */
  prefix: string
}

/** Counters since the generator was created. Latencies are virtual milliseconds of completed (ok) operations. */
export interface LoadStats {
  running: boolean
  submitted: number
  inFlight: number
  ok: number
  fail: number
  unknown: number
  latency: { mean: number; p50: number; p99: number; max: number }
}

export const DEFAULT_MIX: Readonly<Record<KvOp, number>> = { set: 5, get: 3, delete: 1, cas: 1 }

/** How many recent latencies are kept for the percentiles. */
const LATENCY_WINDOW = 4096

const OPS: readonly KvOp[] = ['set', 'get', 'delete', 'cas']

export class LoadGenerator {
  readonly options: LoadOptions
  /** The cluster this generator loads (a new cluster needs a new generator). */
  readonly sched: Scheduler
  private readonly rng: Prng
  private readonly weights: number[]
  private readonly total: number
  private readonly names: string[]
  private readonly mine = new Set<string>()
  /** Clients with an operation in flight. */
  private readonly busy = new Set<string>()
  /** The last value this generator saw for each key (what a cas tries to swap from). */
  private readonly seen = new Map<string, string | null>()
  private unsubscribe: (() => void) | null = null
  private _running = false
  private counter = 0
  private submitted = 0
  private ok = 0
  private fail = 0
  private unknown = 0
  private latSum = 0
  private latMax = 0
  /** Ring of the last LATENCY_WINDOW ok latencies. */
  private readonly lat: number[] = []
  private latNext = 0

  constructor(sched: Scheduler, options: Partial<LoadOptions> = {}) {
    this.sched = sched
    this.options = {
      clients: Math.max(1, Math.floor(options.clients ?? 4)),
      keys: Math.max(1, Math.floor(options.keys ?? 3)),
      mix: { ...(options.mix ?? DEFAULT_MIX) },
      read: options.read ?? 'readIndex',
      prefix: options.prefix ?? 'load',
    }
    this.weights = OPS.map((op) => Math.max(0, this.options.mix[op] ?? 0))
    this.total = this.weights.reduce((a, b) => a + b, 0)
    if (!(this.total > 0)) throw new Error('load: the operation mix has no positive weight')
    // Forked from the cluster's seed, and by the prefix, so two generators on one cluster draw differently.
    this.rng = new Prng(sched.spec.seed).fork(`load/${this.options.prefix}`)
    this.names = []
    for (let i = 1; i <= this.options.clients; i++) {
      const n = `${this.options.prefix}${i}`
      this.names.push(n)
      this.mine.add(n)
    }
  }

  get running(): boolean {
    return this._running
  }

  /** Start (or resume) issuing operations: every idle client submits one now. */
  start(): void {
    if (this._running) return
    this._running = true
    this.unsubscribe ??= this.sched.on((e) => this.onEvent(e))
    for (const c of this.names) if (!this.busy.has(c)) this.next(c)
  }

  /** Issue no new operations; those in flight still complete and are counted. */
  stop(): void {
    this._running = false
  }

  /** Stop and stop listening (operations still in flight are no longer counted). */
  dispose(): void {
    this.stop()
    this.unsubscribe?.()
    this.unsubscribe = null
  }

  stats(): LoadStats {
    const sorted = this.lat.slice().sort((a, b) => a - b)
    const q = (p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))])
    return {
      running: this._running,
      submitted: this.submitted,
      inFlight: this.busy.size,
      ok: this.ok,
      fail: this.fail,
      unknown: this.unknown,
      latency: { mean: this.ok > 0 ? this.latSum / this.ok : 0, p50: q(0.5), p99: q(0.99), max: this.latMax },
    }
  }

  private onEvent(e: ClusterEvent): void {
    if (e.type !== 'client' || !this.mine.has(e.op.client) || e.op.status === 'pending') return
    this.complete(e.op)
    // Synchronously, inside the step that completed it: see the module comment.
    if (this._running) this.next(e.op.client)
  }

  private complete(op: ClientOp): void {
    this.busy.delete(op.client)
    if (op.status === 'ok') {
      this.ok++
      const l = (op.complete ?? op.invoke) - op.invoke
      this.latSum += l
      if (l > this.latMax) this.latMax = l
      if (this.lat.length < LATENCY_WINDOW) this.lat.push(l)
      else this.lat[this.latNext] = l
      this.latNext = (this.latNext + 1) % LATENCY_WINDOW
      // Every answer but delete's carries the value after the operation; delete's carries the one before.
      this.seen.set(op.key, op.op === 'delete' ? null : (op.result?.value ?? null))
    } else if (op.status === 'fail') this.fail++
    else this.unknown++
  }

  private pickOp(): KvOp {
    let x = this.rng.next() * this.total
    let last: KvOp = 'set'
    for (let i = 0; i < OPS.length; i++) {
      if (this.weights[i] <= 0) continue
      last = OPS[i]
      x -= this.weights[i]
      if (x < 0) return last
    }
    return last // rounding at the top end
  }

  private next(client: string): void {
    const op = this.pickOp()
    const key = `k${this.rng.int(this.options.keys)}`
    // Unique values, so that the checker can tell every write apart.
    const value = `${client}.${++this.counter}`
    this.busy.add(client)
    this.submitted++
    const cmd =
      op === 'set'
        ? { op, key, value }
        : op === 'cas'
          ? { op, key, value, expected: this.seen.get(key) ?? null }
          : { op, key }
    // Completion is counted from the client event; the promise only reports a scheduler that refused the call.
    this.sched.submit(client, cmd, this.options.read).catch(() => {
      this.busy.delete(client)
      this.fail++
    })
  }
}
