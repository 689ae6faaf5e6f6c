import type { Scheduler } from './scheduler.ts'

/** Where wall time comes from; injectable so that tests can drive the driver by hand. */
export interface WallClock {
  now(): number
  /** Call `f` after about `ms` milliseconds; returns a cancel function. */
  later(f: () => void, ms: number): () => void
}

export const realClock: WallClock = {
  now: () => performance.now(),
  later: (f, ms) => {
    const h = setTimeout(f, ms)
    return () => clearTimeout(h)
  },
}

export type DriverMode = 'paused' | 'running' | 'max'

/** Speeds offered by the UI, in virtual milliseconds per wall millisecond (logarithmic, 1/100x to 100x). */
export const MIN_SPEED = 0.01
export const MAX_SPEED = 100
/** How far behind (in wall ms at the speed asked) the driver still catches up; a longer stall is let go. */
export const MAX_OWED_MS = 250

/**
 * Paces a Scheduler against the wall clock: paused, running at a speed, or as fast as possible. It never changes
 * what happens, only when: the run is the same at every speed. While paused it schedules nothing at all.
 */
export class Driver {
  readonly sched: Scheduler
  private readonly clock: WallClock
  private _mode: DriverMode = 'paused'
  private _speed = 1
  private lastWall = 0
  /** The virtual time the run should have reached by the last slice (at a chosen speed). */
  private goal = 0
  private cancel: (() => void) | null = null
  private running = false
  /** Counts `halt()` calls: a fast-forward that sees it change stops. */
  private halts = 0
  /** Called after each slice of work (the UI renders from the scheduler's state then). */
  onProgress: () => void = () => undefined
  /** Called when a step throws (the run stops; the UI shows the error). */
  onError: (e: unknown) => void = () => undefined

  constructor(sched: Scheduler, clock: WallClock = realClock) {
    this.sched = sched
    this.clock = clock
  }

  get mode(): DriverMode {
    return this._mode
  }

  get speed(): number {
    return this._speed
  }

  setSpeed(x: number): void {
    if (!Number.isFinite(x)) return
    this._speed = Math.min(MAX_SPEED, Math.max(MIN_SPEED, x))
  }

  play(): void {
    this.setMode('running')
  }

  /** As fast as the nodes and their disks allow. */
  max(): void {
    this.setMode('max')
  }

  pause(): void {
    this.setMode('paused')
  }

  /**
   * Stop now and stay stopped (a checker found a violation): pause, and end a fast-forward in progress after the
   * step it is in, without running on to its target.
   */
  halt(): void {
    this.halts++
    this.pause()
  }

  private setMode(m: DriverMode): void {
    this._mode = m
    this.cancel?.()
    this.cancel = null
    if (m !== 'paused') {
      this.lastWall = this.clock.now()
      this.goal = this.sched.now
      this.schedule(0)
    }
  }

  /** Process the next virtual instant (the single-step button). Pauses first. */
  /**
   * One step for a person: the next virtual instant in which something visible happens (a message sent, delivered
   * or lost, a node's state or a client's operation changing), not an instant in which a follower only ticked.
   */
  async stepOnce(): Promise<void> {
    this.pause()
    let seen = 0
    const off = this.sched.on((e) => {
      // What the screen shows: messages, node states, client operations, applies and snapshots (not a node's
      // summary, a checker's observation, or a write to disk alone).
      if (e.type === 'summary' || e.type === 'tick' || e.type === 'observation') return
      if (e.type === 'nodeEvent' && e.event.type === 'persisted') return
      seen++
    })
    try {
      for (let i = 0; i < 1000 && seen === 0; i++) if (!(await this.sched.step())) break
    } finally {
      off()
    }
    this.onProgress()
  }

  /**
   * Run `ms` of virtual time as fast as possible, then stay in the current mode. `signal` stops it early, between
   * two events: virtual time then stays where it got to.
   */
  async fastForward(ms: number, signal?: AbortSignal): Promise<void> {
    const was = this._mode
    this.pause()
    const halts = this.halts
    const stop = () => signal?.aborted === true || this.halts !== halts
    const target = this.sched.now + ms
    while (this.sched.nextTime() <= target && !stop()) {
      const sliceEnd = this.clock.now() + 30
      while (this.sched.nextTime() <= target && this.clock.now() < sliceEnd && !stop()) await this.sched.advance(target)
      this.onProgress()
      await new Promise<void>((r) => this.clock.later(r, 0))
    }
    if (!stop()) await this.sched.runUntil(target)
    this.onProgress()
    if (was !== 'paused' && this.halts === halts) this.setMode(was)
  }

  private schedule(ms: number): void {
    this.cancel = this.clock.later(() => {
      this.cancel = null
      void this.loop()
    }, ms)
  }

  private async loop(): Promise<void> {
    if (this.running || this._mode === 'paused') return
    this.running = true
    /** The slice ran out of time before virtual time caught up: go on at once instead of waiting for a frame. */
    let behind = false
    try {
      const start = this.clock.now()
      if (this._mode === 'max') {
        const end = start + 30
        while (this._mode === 'max' && this.clock.now() < end) {
          if (!(await this.sched.advance(Infinity))) break
        }
      } else {
        // Cap the catch-up after a stall (a hidden tab, a slow disk) so the run does not lurch forward.
        const dt = Math.min(250, start - this.lastWall)
        this.lastWall = start
        // What a slow slice did not reach is owed to the next ones (up to MAX_OWED_MS of wall time's worth): a
        // cluster that keeps up on average then keeps the speed asked, instead of losing every short stall.
        const owed = Math.min(Math.max(0, this.goal - this.sched.now), MAX_OWED_MS * this._speed)
        const target = this.sched.now + owed + dt * this._speed
        this.goal = target
        const end = start + 25
        while (this._mode === 'running' && this.sched.nextTime() <= target && this.clock.now() < end) await this.sched.advance(target)
        if (this._mode === 'running' && this.sched.nextTime() > target) await this.sched.runUntil(target)
        else behind = this._mode === 'running'
      }
      this.onProgress()
    } catch (e) {
      this._mode = 'paused'
      this.onError(e)
    } finally {
      this.running = false
    }
    if (this._mode !== 'paused' && !this.cancel) this.schedule(this._mode === 'max' || behind ? 0 : 16)
  }
}
