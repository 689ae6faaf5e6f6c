/** Virtual time as the user drives it: play, pause, one step, speed, and fast-forward (which can be stopped). */
import type { ClusterRuntime } from '../../browser/runtime.ts'
import { strings } from '../strings.ts'
import type { Notices } from './notices.svelte.ts'
import type { Scene } from './scene.svelte.ts'
import { nextSpeed } from './shortcuts.ts'

/** The longest fast-forward, in seconds of virtual time. */
export const FAST_FORWARD_MAX = 600

export class Clock {
  /** The fast-forward box's value, in seconds. */
  fastForwardSeconds = $state(5)
  /** True while a fast-forward runs (its button then stops it). */
  fastForwardActive = $state(false)

  readonly #runtime: ClusterRuntime
  readonly #scene: Scene
  readonly #notices: Notices
  #fastForwarding = false
  #abort: AbortController | null = null

  constructor(runtime: ClusterRuntime, scene: Scene, notices: Notices) {
    this.#runtime = runtime
    this.#scene = scene
    this.#notices = notices
  }

  /** A fast-forward runs (the frame loop then draws just enough to show progress). */
  get fastForwarding(): boolean {
    return this.#fastForwarding
  }

  togglePlay(): void {
    const d = this.#runtime.driver
    if (!d) return
    if (d.mode === 'paused') d.play()
    else d.pause()
    this.#scene.publish()
    this.#scene.wake(true)
  }

  pause(): void {
    this.#runtime.driver?.pause()
    this.#scene.publish()
    this.#scene.wake(true)
  }

  step(): Promise<void> {
    return this.#notices.act(strings.topbar.step, async () => {
      await this.#runtime.driver?.stepOnce()
    })
  }

  setSpeed(x: number): void {
    this.#runtime.driver?.setSpeed(x)
    this.#scene.publish()
  }

  speedStep(dir: 1 | -1): void {
    const d = this.#runtime.driver
    if (d) this.setSpeed(nextSpeed(d.speed, dir))
  }

  /** Run `seconds` of virtual time as fast as possible; out-of-range input is refused with a sentence. */
  fastForward(seconds: number | string | null = this.fastForwardSeconds): Promise<void> {
    const s = Number(seconds)
    const notices = this.#notices
    if (seconds === null || seconds === '' || !Number.isFinite(s) || s < 0.1 || s > FAST_FORWARD_MAX) {
      notices.addBanner('error', strings.topbar.fastForwardRange(String(seconds ?? ''), FAST_FORWARD_MAX))
      return Promise.resolve()
    }
    if (this.fastForwardActive || notices.busy) return Promise.resolve()
    const abort = new AbortController()
    this.#abort = abort
    return notices.act(strings.topbar.fastForward, async () => {
      notices.busy = strings.topbar.fastForwardRunning(s)
      this.#fastForwarding = true
      this.fastForwardActive = true
      try {
        await this.#runtime.driver?.fastForward(s * 1000, abort.signal)
      } finally {
        notices.busy = null
        this.#fastForwarding = false
        this.fastForwardActive = false
        this.#abort = null
      }
    })
  }

  /** Stop a running fast-forward where it is (the cluster keeps the state it reached). */
  stopFastForward(): void {
    if (!this.#abort || this.#abort.signal.aborted) return
    this.#abort.abort()
    this.#scene.feed.note(strings.you.fastForwardStopped(((this.#runtime.sched?.now ?? 0) / 1000).toFixed(3)))
  }
}
