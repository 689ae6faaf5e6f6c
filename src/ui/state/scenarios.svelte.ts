/**
 * The page's entry to narrated scenarios: the Scenarios menu and a scenario's link. The scenarios themselves (the
 * scripts, the lesson's player and cluster, the card) are a chunk of their own (src/ui/scenario/), loaded when one
 * is asked for, so the first paint does not wait for them.
 */
import type { ClusterRuntime } from '../../browser/runtime.ts'
import { bootRuntime } from '../boot.ts'
import { strings } from '../strings.ts'
import { SETUP_PARAMS } from '../url.ts'
import type { ScenarioLink } from '../scenario/link.ts'
import type { LessonParts, LessonState } from '../scenario/lesson.svelte.ts'

type Chunk = typeof import('../scenario/lessons.ts')

export class Scenarios {
  /** The lesson's state, once the chunk has loaded (it stays, between lessons too). */
  lesson = $state.raw<LessonState | null>(null)
  menuOpen = $state(false)
  readonly #runtime: ClusterRuntime
  readonly #parts: LessonParts
  #chunk: Promise<Chunk> | null = null

  constructor(runtime: ClusterRuntime, parts: LessonParts) {
    this.#runtime = runtime
    this.#parts = parts
  }

  /** A scenario plays (its card is shown). */
  get active(): boolean {
    return this.lesson?.active ?? false
  }

  /** The chunk of the scenarios (the lesson's state made once it is there). */
  load(): Promise<Chunk> {
    this.#chunk ??= import('../scenario/lessons.ts').then((m) => {
      this.lesson ??= new m.LessonState(this.#runtime, this.#parts)
      return m
    })
    this.#chunk.catch(() => (this.#chunk = null))
    return this.#chunk
  }

  openMenu(): void {
    this.menuOpen = true
  }

  /**
   * Play a scenario. `atBoot`: the page was opened with its link and the user's cluster has not been opened: if the
   * scenario cannot play, that cluster opens, untouched.
   */
  async open(link: ScenarioLink, atBoot = false): Promise<void> {
    this.menuOpen = false
    try {
      await this.load()
    } catch (e) {
      this.#parts.notices.addBanner('error', strings.scenario.loadFailed(e instanceof Error ? e.message : String(e)))
      if (atBoot) this.#openOwn()
      return
    }
    await this.lesson!.open(link, atBoot)
  }

  /** The page was opened with a scenario's link (`href`): play it, or say why not and open the user's cluster. */
  async openLink(href: string): Promise<void> {
    let m: Chunk
    try {
      m = await this.load()
    } catch (e) {
      this.#parts.notices.addBanner('error', strings.scenario.loadFailed(e instanceof Error ? e.message : String(e)))
      this.#openOwn()
      return
    }
    const r = m.readScenarioLink(href)
    if (r === null || 'error' in r) {
      if (r !== null) this.#parts.notices.addBanner('error', strings.banner.badUrl(r.error))
      this.#openOwn()
      return
    }
    await this.open(r.link, true)
  }

  /** The user's cluster opens as it is stored (the link's parameters are dropped from the address). */
  #openOwn(): void {
    if (typeof history !== 'undefined') {
      const u = new URL(location.href)
      for (const k of [...SETUP_PARAMS, 'scenario']) u.searchParams.delete(k)
      history.replaceState(history.state, '', u.toString())
    }
    void bootRuntime(this.#runtime)
  }

  /** Space, Enter, → and PageDown take the next step while a scenario plays. */
  onKey(e: KeyboardEvent): boolean {
    return this.lesson?.onKey(e) ?? false
  }
}
