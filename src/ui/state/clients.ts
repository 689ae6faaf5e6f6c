/** The user's key/value clients: one operation at a time from the client panel, and the load switch. */
import type { ClusterRuntime } from '../../browser/runtime.ts'
import type { Scheduler } from '../../browser/scheduler.ts'
import type { LoadGenerator, LoadStats } from '../../cluster/workload.ts'
import { isRecording } from '../../browser/recorded.ts'
import type { KvOp } from '../../kv/command.ts'
import { strings } from '../strings.ts'
import type { Notices } from './notices.svelte.ts'
import type { Scene } from './scene.svelte.ts'

export class Clients {
  readonly #runtime: ClusterRuntime
  readonly #scene: Scene
  readonly #notices: Notices
  #load: LoadGenerator | null = null
  #loadSched: Scheduler | null = null
  #loadOn = false

  constructor(runtime: ClusterRuntime, scene: Scene, notices: Notices) {
    this.#runtime = runtime
    this.#scene = scene
    this.#notices = notices
  }

  /** The load switch is on. */
  get running(): boolean {
    return this.#loadOn
  }

  /** The load's counts so far, or null before the switch was first turned on. */
  stats(): LoadStats | null {
    return this.#load ? this.#load.stats() : null
  }

  setLoad(on: boolean): void {
    const sched = this.#runtime.sched
    if (!sched) return
    const refused = on ? this.#notices.guard() : null
    if (refused !== null) return this.#notices.addBanner('error', refused)
    // A recording cluster owns its generator (src/browser/record.ts) so that a replay switches the same one; the
    // page's clusters all record (a lesson's does not, and refuses the switch above).
    if (!isRecording(sched)) return
    if (!this.#load || this.#loadSched !== sched) {
      this.#load?.dispose()
      this.#load = sched.load
      this.#loadSched = sched
    }
    this.#loadOn = on
    void sched.setLoad(on)
    this.#scene.feed.note(strings.you.load(on), [], 'client')
    this.#scene.publish()
    this.#scene.wake(true)
  }

  toggleLoad(): void {
    this.setLoad(!this.#loadOn)
  }

  /** Send one operation as the first idle client among you1..you9 (a client has one operation in flight). */
  submit(op: KvOp, key: string, value?: string, expected?: string | null): void {
    const sched = this.#runtime.sched
    if (!sched) return
    const refused = this.#notices.guard()
    if (refused !== null) return this.#notices.addBanner('error', refused)
    if (!key) {
      this.#notices.addBanner('error', strings.kv.keyRequired)
      return
    }
    let client = 'you1'
    for (let i = 1; i <= 9; i++) {
      if (sched.clientIdle(`you${i}`)) {
        client = `you${i}`
        break
      }
    }
    const cmd = op === 'set' ? { op, key, value: value ?? '' } : op === 'cas' ? { op, key, value: value ?? '', expected: expected ?? null } : { op, key }
    sched.submit(client, cmd, 'readIndex').catch((e: unknown) => this.#notices.fail(strings.kv.submit, e))
    this.#scene.wake(true)
  }

  /** Follow a cluster that replaced the running one with its own generator (time travel's fork): its switch state. */
  follow(sched: Scheduler, load: LoadGenerator): void {
    if (this.#load !== load) this.#load?.dispose()
    this.#load = load
    this.#loadSched = sched
    this.#loadOn = load.running
    this.#scene.publish()
  }

  /** Stop and forget the load (the cluster is replaced, or the page closes). */
  dispose(): void {
    this.#load?.dispose()
    this.#load = null
    this.#loadOn = false
  }
}
