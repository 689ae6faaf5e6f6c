import { parseScript, type Script } from './script.ts'

/**
 * The scenario library: every script in ./scripts, by name (its file name without `.txt`). Vite bundles the
 * texts (`?raw`), so the app and the tests read the same files.
 */
const texts = import.meta.glob<string>('./scripts/*.txt', { query: '?raw', import: 'default', eager: true })

export const SCENARIO_TEXTS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(texts)
    .map(([path, text]) => [path.replace(/^.*\//, '').replace(/\.txt$/, ''), text] as const)
    .sort(([a], [b]) => a.localeCompare(b)),
)

/** Names of the scenarios, sorted. */
export const SCENARIO_NAMES: readonly string[] = Object.keys(SCENARIO_TEXTS)

/**
 * The parsed script of a scenario.
 * @throws ScriptError for an unknown name or a script that does not parse.
 */
export function loadScenario(name: string): Script {
  const text = SCENARIO_TEXTS[name]
  if (text === undefined) throw new Error(`unknown scenario "${name}"; the scenarios are ${SCENARIO_NAMES.join(', ')}`)
  return parseScript(text, name)
}
