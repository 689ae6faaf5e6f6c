/** What the user has picked on the screen: a node (or several), a link, a message in flight, an event. */
import type { NodeId } from '../../raft/types.ts'
import type { ClusterRuntime } from '../../browser/runtime.ts'
import type { Clock } from './clock.svelte.ts'
import type { Token } from './feed.ts'
import { byNodeNumber } from './messages.ts'
import type { Preferences } from './preferences.svelte.ts'
import type { EventRecord } from './records.ts'
import type { Scene } from './scene.svelte.ts'

export class Selection {
  selected = $state<NodeId | null>(null)
  multi = $state.raw<NodeId[]>([])
  link = $state.raw<[NodeId, NodeId] | null>(null)
  message = $state.raw<Token | null>(null)
  record = $state.raw<EventRecord | null>(null)

  readonly #runtime: ClusterRuntime
  readonly #scene: Scene
  readonly #prefs: Preferences
  readonly #clock: Clock

  constructor(runtime: ClusterRuntime, scene: Scene, prefs: Preferences, clock: Clock) {
    this.#runtime = runtime
    this.#scene = scene
    this.#prefs = prefs
    this.#clock = clock
  }

  select(id: NodeId | null, additive = false): void {
    if (additive && id) {
      const set = new Set(this.multi)
      if (set.has(id)) set.delete(id)
      else set.add(id)
      this.multi = [...set].sort(byNodeNumber)
      this.selected = id
    } else {
      this.selected = id
      this.multi = id ? [id] : []
    }
    this.link = null
    const prefs = this.#prefs
    if (id && !additive && prefs.tab !== 'inspector' && prefs.tab !== 'client') prefs.tab = 'inspector'
    this.#scene.wake(true)
  }

  setMulti(ids: NodeId[]): void {
    this.multi = [...new Set(ids)].sort(byNodeNumber)
    if (ids.length > 0) this.selected = ids[ids.length - 1]
    this.#scene.wake(true)
  }

  selectByNumber(k: number): void {
    const ids = this.#scene.nodeIds()
    if (k >= 1 && k <= ids.length) this.select(ids[k - 1])
  }

  selectLink(a: NodeId, b: NodeId): void {
    this.link = [a, b]
    this.#scene.wake(true)
  }

  /** Select a message token; the cluster pauses so that the user can read, drop or duplicate it. */
  selectMessage(t: Token | null): void {
    if (t && this.#runtime.driver?.mode !== 'paused') this.#clock.pause()
    this.message = t
    this.#scene.wake(true)
  }

  selectRecord(r: EventRecord | null): void {
    this.record = r
    this.#scene.wake(true)
  }

  clear(): void {
    this.selected = null
    this.multi = []
    this.link = null
    this.message = null
    this.record = null
    this.#scene.wake(true)
  }
}
