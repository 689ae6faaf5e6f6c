/**
 * The page's entry to narrated scenarios: the Scenarios menu and a scenario's link. The scenarios themselves (the
 * scripts, the lesson's player and cluster, the card, reading the link) are a chunk of their own (src/ui/scenario/),
 * loaded when one is asked for, so the first paint does not wait for them.
 */
import type { ClusterRuntime } from '../../browser/runtime.ts'
import { bootRuntime } from '../boot.ts'
import { strings } from '../strings.ts'
import type { ScenarioLink } from '../scenario/link.ts'
import type { LessonParts, LessonState } from '../scenario/lesson.svelte.ts'

type Chunk = typeof import('../scenario/lessons.ts')

export class Scenarios {
  /** The lesson's state, once the chunk has loaded (it stays, between lessons too). */
  lesson = $state.raw<LessonState | null>(null)
  menuOpen = $state(false)
  readonly runtime: ClusterRuntime
  readonly parts: LessonParts
  #chunk: Promise<Chunk> | null = null

  constructor(runtime: ClusterRuntime, parts: LessonParts) {
    this.runtime = runtime
    this.parts = parts
  }

  /** A scenario plays (its card is shown). */
  get active(): boolean {
    return this.lesson?.active ?? false
  }

  /** The chunk of the scenarios (the lesson's state made once it is there). */
  load(): Promise<Chunk> {
    this.#chunk ??= import('../scenario/lessons.ts').then((m) => {
      this.lesson ??= new m.LessonState(this.runtime, this.parts)
      return m
    })
    this.#chunk.catch(() => (this.#chunk = null))
    return this.#chunk
  }

  openMenu(): void {
    this.menuOpen = true
  }

  /** Play a scenario from the menu. */
  open(link: ScenarioLink): Promise<void> {
    this.menuOpen = false
    return this.#with(() => this.lesson!.open(link), false)
  }

  /** The page was opened with a scenario's link (`href`): play it, or say why not and open the user's cluster. */
  openLink(href: string): Promise<void> {
    return this.#with((m) => m.playLink(this, href), true)
  }

  /** Runs `f` once the chunk is there; if it cannot load, says so (and at boot opens the user's cluster). */
  async #with(f: (m: Chunk) => Promise<void>, atBoot: boolean): Promise<void> {
    let m: Chunk
    try {
      m = await this.load()
    } catch (e) {
      this.parts.notices.addBanner('error', strings.scenario.loadFailed(e instanceof Error ? e.message : String(e)))
      if (atBoot) void bootRuntime(this.runtime)
      return
    }
    await f(m)
  }

  /** Space, Enter, → and PageDown take the next step while a scenario plays. */
  onKey(e: KeyboardEvent): boolean {
    return this.lesson?.onKey(e) ?? false
  }
}
