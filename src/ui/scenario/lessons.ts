/**
 * The scenario library and the lesson player, as one chunk the page loads when a scenario is asked for (a link's
 * `?scenario=` or the Scenarios menu): the first paint does not wait for the scripts or the simulator.
 */
import { SCENARIO_NAMES, loadScenario } from '../../scenario/library.ts'
import type { Script } from '../../scenario/script.ts'

export { LessonState, LESSON_SPEED, type Card, type LessonInfo, type LessonParts } from './lesson.svelte.ts'
export { SCENARIO_NAMES, loadScenario }
export { readScenarioLink, scenarioHref, type ScenarioLink } from './link.ts'

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
