/**
 * A narrated scenario's cluster in the page. It is the simulator's scenario cluster (src/scenario/sim-cluster.ts,
 * the one `npm test` checks against the golden output) with its loop made a Scheduler, so the page draws it and the
 * speed driver paces it like any cluster:
 *
 *   - the ports are the simulator's in-process node shells (src/node/shell.ts, the node host) on its synchronous
 *     memory disks: a lesson is not saved, a reload starts it again, and the user's IndexedDB cluster is untouched;
 *   - a script's actions (crash, partition, propose...) run at once, at the current instant, as in the test runner;
 *   - the time a command lets pass (`run`, `tick`, `stabilize`) is a span (src/scenario/cluster.ts TimeSpan) that the
 *     driver runs at the chosen speed: `step` and `runUntil` go no further than the span and stop right after the
 *     instant at which its stop condition holds. The instants run are those the test runner runs, so a link gives
 *     the same run (the same trace hash) in every browser and in Node.
 */
import { withSimControls } from '../sim/simulator.ts'
import { SimScenarioCluster } from '../scenario/sim-cluster.ts'
import { ScriptPlayer } from '../scenario/run.ts'
import type { TimeSpan } from '../scenario/cluster.ts'
import type { Script, UnsafeSwitch } from '../scenario/script.ts'
import { Scheduler, type ClusterSpec, type PortFactory } from './scheduler.ts'
import { Driver } from './driver.ts'

const SimScheduler = withSimControls(Scheduler)

interface Passing {
  until: number
  stop: () => boolean
  done: (stopped: boolean) => void
}

/** The Scheduler of a lesson: it runs only within the span of time the lesson lets pass. */
export class LessonScheduler extends SimScheduler {
  #span: Passing | null = null
  /** Called (synchronously, inside the step) when a span ends: the lesson pauses the driver. */
  onSpanEnd: () => void = () => undefined

  constructor(spec: ClusterSpec, factory: PortFactory) {
    super(spec, factory, {}, {})
  }

  /** A span is running. */
  get passing(): boolean {
    return this.#span !== null
  }

  /**
   * Let the span's time pass as the driver runs the cluster (the caller plays the driver). Resolves with whether it
   * stopped early (its stop condition held).
   */
  letPass(span: Pick<TimeSpan<unknown>, 'until' | 'stop'>): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      this.#span = { until: span.until, stop: () => span.stop(), done: resolve }
      void this.act(() => {
        // Asked once before the first instant, as the test runner does.
        if (span.stop()) this.#end(true)
        else if (this.nextTime() > span.until) this.#finish()
      })
    })
  }

  #end(stopped: boolean): void {
    const s = this.#span
    if (!s) return
    this.#span = null
    this.onSpanEnd()
    s.done(stopped)
  }

  /** The span ran to its end without stopping: the clock moves to its end, as in the test runner. */
  #finish(): void {
    const s = this.#span
    if (!s) return
    if (this.now < s.until) this.now = s.until
    this.#end(false)
  }

  /** One instant no later than `t` and the span's end; false when there is none. */
  #within(t: number): boolean {
    const s = this.#span
    if (!s) {
      // Nothing to let pass (the lesson waits at a narration point): a driver that plays stops.
      this.onSpanEnd()
      return false
    }
    if (this.nextTime() > Math.min(t, s.until)) {
      if (t >= s.until) this.#finish()
      return false
    }
    this.run()
    if (s.stop()) this.#end(true)
    else if (this.nextTime() > s.until) this.#finish()
    return true
  }

  override step(): Promise<boolean> {
    let r = false
    return Promise.resolve(
      this.act(() => {
        r = this.#within(Infinity)
      }),
    ).then(() => r)
  }

  /** The driver's step: one instant no later than `limit` (a lesson runs instant by instant, as the test runner). */
  override advance(limit: number): Promise<boolean> {
    let r = false
    return Promise.resolve(
      this.act(() => {
        r = this.#within(limit)
      }),
    ).then(() => r)
  }

  override runUntil(t: number): Promise<void> {
    return Promise.resolve(this.act(() => {
      while (this.#span && this.#within(t)) {
        // Instants of the span, up to t.
      }
      const s = this.#span
      if (s && this.now < Math.min(t, s.until)) this.now = Math.min(t, s.until)
    }))
  }
}

/** A lesson ready to play: the script's player, and (once its `cluster` line ran) the cluster and its driver. */
export interface Lesson {
  player: ScriptPlayer
  /** Set by the player's `cluster` line. */
  sched(): LessonScheduler | null
  cluster(): SimScenarioCluster | null
  driver(): Driver | null
  /** Called when the `cluster` line has made the cluster, before anything runs on it. */
  onCluster: (sched: LessonScheduler, driver: Driver) => void
}

/**
 * A lesson of `script`. `unsafe`: deliberate bugs switched on from the start in addition to the script's own (a
 * link's `unsafe=`), on every node.
 */
export function openLesson(script: Script, unsafe: readonly UnsafeSwitch[] = []): Lesson {
  let sched: LessonScheduler | null = null
  let cluster: SimScenarioCluster | null = null
  let driver: Driver | null = null
  const lesson: Lesson = {
    player: new ScriptPlayer(script, (spec) => {
      const all = [...spec.unsafe, ...unsafe.filter((u) => !spec.unsafe.includes(u))]
      cluster = new SimScenarioCluster(
        { ...spec, unsafe: all },
        {
          views: true,
          loop: (loopSpec, factory) => {
            sched = new LessonScheduler(loopSpec, factory)
            driver = new Driver(sched)
            lesson.onCluster(sched, driver)
            return sched
          },
        },
      )
      return cluster
    }),
    sched: () => sched,
    cluster: () => cluster,
    driver: () => driver,
    onCluster: () => undefined,
  }
  return lesson
}
