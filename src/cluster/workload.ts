/**
 * The load generator, one for the simulator's random clients and the browser's load switch: K clients, each keeping
 * one key/value operation in flight through the cluster loop's client protocol (after an optional think time), with
 * a configurable mix of set/get/delete/cas over a few keys. The protocol records every operation in its history for
 * the linearizability checker.
 *
 * Determinism: operations are drawn from a PRNG forked from the cluster's seed, and a client's next operation is
 * submitted inside the step that completed its previous one (or by a timed event after its think time), so it is
 * invoked at the same virtual instant whatever the wall-clock speed or the ports.
 */
import type { KvOp } from '../kv/command.ts'
import { Prng } from '../world/prng.ts'
import type { ClientOp } from './clients.ts'
import type { ClusterLoop } from './loop.ts'

/** Relative weights of the operations; zero or missing = never. */
export type OpMix = Partial<Record<KvOp, number>>

export interface LoadOptions {
  /** Concurrent clients, each with one operation in flight. Default 4. */
  clients: number
  /** Number of keys (k1..kn). Default 3: few keys make clients contend, which the checker likes. */
  keys: number
  /** Default: mostly writes, some reads, a few deletes and cas. */
  mix: OpMix
  /** How gets are served: through ReadIndex (default), through the log, or each one either way at random. */
  read: 'log' | 'readIndex' | 'mixed'
  /** Client names are `${prefix}${i}`; distinct prefixes keep two generators' sessions apart. Default "load". */
  prefix: string
  /** A client pauses a uniform [0, thinkMs] virtual ms before each operation. Default 0. */
  thinkMs: number
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
  readonly sched: ClusterLoop
  private readonly rng: Prng
  private readonly weights: number[]
  private readonly total: number
  private readonly names: string[]
  private readonly mine = new Set<string>()
  /** Clients with an operation in flight or waiting out their think time. */
  private readonly busy = new Set<string>()
  /** The last value this generator saw for each key (what a cas tries to swap from). */
  private readonly seen = new Map<string, string | null>()
  private unsubscribe: (() => void) | null = null
  private _running = false
  private counter = 0
  private submitted = 0
  private inFlight = 0
  private ok = 0
  private fail = 0
  private unknown = 0
  private latSum = 0
  private latMax = 0
  /** Ring of the last LATENCY_WINDOW ok latencies. */
  private readonly lat: number[] = []
  private latNext = 0

  constructor(sched: ClusterLoop, options: Partial<LoadOptions> = {}) {
    this.sched = sched
    this.options = {
      clients: Math.max(1, Math.floor(options.clients ?? 4)),
      keys: Math.max(1, Math.floor(options.keys ?? 3)),
      mix: { ...(options.mix ?? DEFAULT_MIX) },
      read: options.read ?? 'readIndex',
      prefix: options.prefix ?? 'load',
      thinkMs: Math.max(0, options.thinkMs ?? 0),
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

  /** Start (or resume) issuing operations: every idle client begins (as an action of the cluster). */
  start(): void {
    if (this._running) return
    this._running = true
    this.unsubscribe ??= this.sched.clients.onFinish((op) => this.onFinish(op))
    void this.sched.act(() => {
      for (const c of this.names) if (!this.busy.has(c)) this.schedule(c)
    })
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
      inFlight: this.inFlight,
      ok: this.ok,
      fail: this.fail,
      unknown: this.unknown,
      latency: { mean: this.ok > 0 ? this.latSum / this.ok : 0, p50: q(0.5), p99: q(0.99), max: this.latMax },
    }
  }

  private onFinish(op: ClientOp): void {
    if (!this.mine.has(op.client)) return
    this.complete(op)
    this.busy.delete(op.client)
    // Synchronously, inside the step that completed it: see the module comment.
    if (this._running) this.schedule(op.client)
  }

  private complete(op: ClientOp): void {
    this.inFlight--
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

  /** The client's next operation, now or after its think time. */
  private schedule(client: string): void {
    this.busy.add(client)
    const think = this.options.thinkMs
    if (think <= 0) {
      this.next(client)
      return
    }
    const at = this.sched.now + this.rng.between(0, think)
    this.sched.at(at, 'load', () => {
      if (this._running) this.next(client)
      else this.busy.delete(client)
    })
  }

  private next(client: string): void {
    const op = this.pickOp()
    const key = `k${1 + this.rng.int(this.options.keys)}`
    // Unique values, so that the checker can tell every write apart.
    const value = `${client}.${++this.counter}`
    this.submitted++
    this.inFlight++
    const cmd =
      op === 'set'
        ? { op, key, value }
        : op === 'cas'
          ? { op, key, value, expected: this.seen.get(key) ?? null }
          : { op, key }
    const read = this.options.read === 'mixed' ? (this.rng.chance(0.5) ? 'readIndex' : 'log') : this.options.read
    this.sched.clients.submit(client, cmd, read)
  }
}
