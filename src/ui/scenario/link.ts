/**
 * A scenario's link, read in the scenarios' chunk (the first paint does not wait for it): `?scenario=figure8`, with
 * `unsafe=` and `speed=`. Nothing of it is ever rendered as HTML.
 */
import { strings } from '../strings.ts'
import { parseSetup, SETUP_PARAMS } from '../url.ts'
import { unsafeOn, type UnsafeName } from '../check/unsafe.ts'

/**
 * `?scenario=figure8`, with the deliberate bugs (`unsafe=`) and the speed (`speed=`) to play it with. Every other
 * setup parameter is ignored (the script sets up its cluster) and named in `ignored`. Whether the scenario exists
 * is known once the scenario library has loaded.
 */
export interface ScenarioLink {
  name: string
  unsafe: UnsafeName[]
  speed: number | null
  ignored: string[]
}

const SCENARIO_RE = /^[a-z0-9][a-z0-9-]{0,39}$/

/** The scenario a link asks for: null when none, an error sentence when the link is broken. */
export function readScenarioLink(href: string): { link: ScenarioLink } | { error: string } | null {
  let url: URL
  try {
    url = new URL(href)
  } catch {
    return null
  }
  const name = url.searchParams.get('scenario')
  if (name === null) return null
  if (url.searchParams.getAll('scenario').length > 1) return { error: strings.url.repeated('scenario') }
  // Only a name of the scenarios' own shape is repeated back; anything else is not shown.
  if (!SCENARIO_RE.test(name)) return { error: strings.scenario.unknown('?') }
  const only = new URL(url.origin + url.pathname)
  for (const k of ['unsafe', 'speed']) for (const v of url.searchParams.getAll(k)) only.searchParams.append(k, v)
  const r = parseSetup(only.toString())
  if (r.error !== undefined) return { error: r.error }
  const ignored = SETUP_PARAMS.filter((k) => k !== 'unsafe' && k !== 'speed' && url.searchParams.has(k))
  return {
    link: {
      name,
      unsafe: unsafeOn(r.setup?.params.unsafe),
      speed: url.searchParams.has('speed') && r.setup ? r.setup.speed : null,
      ignored,
    },
  }
}

/** The address of a scenario (keeps `cluster`, `lang` and `autoplay`; drops every setup parameter). */
export function scenarioHref(href: string, link: Pick<ScenarioLink, 'name' | 'unsafe'> | null): string {
  const u = new URL(href)
  for (const k of SETUP_PARAMS) u.searchParams.delete(k)
  u.searchParams.delete('scenario')
  if (link) {
    u.searchParams.set('scenario', link.name)
    if (link.unsafe.length > 0) u.searchParams.set('unsafe', link.unsafe.join('.'))
  }
  return u.toString()
}

