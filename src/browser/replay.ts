/**
 * Rebuilding a recorded run (record.ts) in this thread, on memory disks: the scrubber's past, forks, imported runs.
 * Apart from record.ts so that the page loads the in-process node host only when time travel is used.
 */
import type { NodeDisk } from '../storage/types.ts'
import { inprocFactory } from './inproc.ts'
import { RecordingScheduler, type RunRecord } from './record.ts'
import type { PortFactory } from './scheduler.ts'

/** A replay diverged from its record: the trace hash differs where the record has a checkpoint. */
export class DivergedError extends Error {
  readonly t: number
  constructor(t: number, expected: string, got: string) {
    super(`the replay diverged from the recorded run at t = ${t} ms (trace ${got}, recorded ${expected})`)
    this.name = 'DivergedError'
    this.t = t
  }
}

/**
 * A run being rebuilt from its record in this thread, on memory disks, forward only: `advance(t)` runs it to `t`
 * (actions at exactly `t` included). Verifies the trace hash at every recorded action and checkpoint it passes.
 */
export class Replay {
  readonly rec: RunRecord
  readonly sched: RecordingScheduler
  readonly disks = new Map<string, NodeDisk>()
  /** Index of the next action to apply. */
  next = 0
  /** An advance is in progress. */
  busy = false
  #cp = 0
  #started = false

  constructor(rec: RunRecord, factory?: (disks: Map<string, NodeDisk>) => PortFactory) {
    this.rec = rec
    const disks = this.disks
    const name = rec.spec.name
    this.sched = new RecordingScheduler(rec.spec, (factory ?? inprocFactory)(disks), { joined: rec.joined, retired: rec.retired, session: rec.session }, {
      onWipe: (id) => {
        disks.delete(`${name}/${id}`)
      },
    })
  }

  get now(): number {
    return this.sched.now
  }

  /**
   * Run to virtual time `t`, applying every recorded action with time <= t (with `inclusive` false: < t, so the
   * cluster is shown as it was just before the actions of `t`). `shouldStop` is asked between slices: when it says
   * true, stop early (the replay stays usable; call advance again).
   */
  async advance(t: number, opts: { inclusive?: boolean; shouldStop?: () => boolean; sliceMs?: number; yieldTo?: () => Promise<void> } = {}): Promise<boolean> {
    const s = this.sched
    if (this.busy) throw new Error('this replay is already running')
    const frozen = s.frozen
    s.frozen = null
    this.busy = true
    try {
      return await this.#advance(t, opts)
    } finally {
      s.frozen = frozen
      this.busy = false
    }
  }

  async #advance(t: number, opts: { inclusive?: boolean; shouldStop?: () => boolean; sliceMs?: number; yieldTo?: () => Promise<void> }): Promise<boolean> {
    const s = this.sched
    if (!this.#started) {
      await s.start()
      this.#started = true
    }
    if (t < s.now) throw new Error(`a replay runs forward only (it is at ${s.now} ms, asked ${t} ms)`)
    const acts = this.rec.actions
    const inclusive = opts.inclusive ?? true
    for (;;) {
      const a = acts[this.next]
      const stopAt = a && (a.t < t || (inclusive && a.t === t)) ? a.t : t
      if (!(await this.#runTo(stopAt, opts))) return false
      if (!a || stopAt !== a.t || !(a.t < t || (inclusive && a.t === t))) break
      if (a.h !== undefined && s.trace.hex() !== a.h) throw new DivergedError(a.t, a.h, s.trace.hex())
      await s.apply(a)
      this.next++
    }
    return true
  }

  async #runTo(t: number, opts: { shouldStop?: () => boolean; sliceMs?: number; yieldTo?: () => Promise<void> }): Promise<boolean> {
    const s = this.sched
    const cps = this.rec.checkpoints
    const slice = opts.sliceMs ?? Infinity
    for (;;) {
      while (this.#cp < cps.length && cps[this.#cp].t < s.now) this.#cp++
      const cp = this.#cp < cps.length && cps[this.#cp].t <= t ? cps[this.#cp] : null
      const target = Math.min(t, cp ? cp.t : Infinity, s.now + slice)
      await s.runUntil(target)
      if (cp && target === cp.t) {
        this.#cp++
        if (s.trace.hex() !== cp.h) throw new DivergedError(cp.t, cp.h, s.trace.hex())
      }
      if (target >= t) return true
      if (opts.yieldTo) {
        await opts.yieldTo()
        if (opts.shouldStop?.()) return false
      }
    }
  }
}

/** Rebuild `rec` in-process up to virtual time `t` (default: its end). */
export async function replayTo(rec: RunRecord, t = rec.end): Promise<Replay> {
  const r = new Replay(rec)
  await r.advance(t)
  return r
}
