/**
 * The scenario library and the lesson player, as one chunk the page loads when a scenario is asked for (a link's
 * `?scenario=` or the Scenarios menu): the first paint does not wait for the scripts or the simulator.
 */
import { SCENARIO_NAMES, loadScenario } from '../../scenario/library.ts'
import type { Script } from '../../scenario/script.ts'
import { bootRuntime } from '../boot.ts'
import { strings } from '../strings.ts'
import type { Scenarios } from '../state/scenarios.svelte.ts'
import { readScenarioLink, scenarioHref } from './link.ts'

export { LessonState, LESSON_SPEED, type Card, type LessonInfo, type LessonParts } from './lesson.svelte.ts'
export { SCENARIO_NAMES, loadScenario }
export { readScenarioLink, scenarioHref, type ScenarioLink } from './link.ts'

/** A scenario's link at boot: play it, or say why not and open the user's cluster as stored (the link dropped). */
export async function playLink(sc: Scenarios, href: string): Promise<void> {
  const r = readScenarioLink(href)
  if (r !== null && !('error' in r)) return sc.lesson!.open(r.link, true)
  if (r !== null) sc.parts.notices.addBanner('error', strings.banner.badUrl(r.error))
  if (typeof history !== 'undefined') history.replaceState(history.state, '', scenarioHref(location.href, null))
  void bootRuntime(sc.runtime)
}

export interface CatalogEntry {
  name: string
  title: string
  summary: string
  paper: string
}

/** Every scenario with its header (a script that does not parse is listed with its error as summary). */
export function catalog(): CatalogEntry[] {
  return SCENARIO_NAMES.map((name) => {
    try {
      const s: Script = loadScenario(name)
      return { name, title: s.header.title, summary: s.header.summary, paper: s.header.paper }
    } catch (e) {
      return { name, title: name, summary: e instanceof Error ? e.message : String(e), paper: '' }
    }
  })
}
