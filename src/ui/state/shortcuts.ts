/** The keyboard shortcuts: one table, used by the key handler and listed by the help overlay. */
import { strings } from '../strings.ts'

export type ShortcutId = keyof typeof strings.help.shortcuts
export type ShortcutGroup = keyof typeof strings.help.groups

export interface Shortcut {
  id: ShortcutId
  /** What the help shows. */
  label: string
  /** `KeyboardEvent.key` values that trigger it. */
  keys: string[]
  group: ShortcutGroup
}

const S = (id: ShortcutId, group: ShortcutGroup, label: string, ...keys: string[]): Shortcut => ({ id, group, label, keys })

export const SHORTCUTS: readonly Shortcut[] = [
  S('playPause', 'time', 'Space', ' '),
  S('step', 'time', '.', '.'),
  S('slower', 'time', '[', '['),
  S('faster', 'time', ']', ']'),
  S('fastForward', 'time', 'F', 'f'),
  S('select', 'nodes', '1 … 9', '1', '2', '3', '4', '5', '6', '7', '8', '9'),
  S('crash', 'nodes', 'C', 'c'),
  S('pauseNode', 'nodes', 'P', 'p'),
  S('timeout', 'nodes', 'E', 'e'),
  S('wipe', 'nodes', 'W', 'w'),
  S('transfer', 'nodes', 'T', 't'),
  S('remove', 'nodes', 'Delete', 'Delete'),
  S('replace', 'nodes', 'R', 'r'),
  S('isolate', 'network', 'X', 'x'),
  S('heal', 'network', 'H', 'h'),
  S('addNode', 'network', 'A', 'a'),
  S('load', 'network', 'L', 'l'),
  S('share', 'network', 'S', 's'),
  S('newCluster', 'network', 'N', 'n'),
  S('inspector', 'view', 'I', 'i'),
  S('client', 'view', 'K', 'k'),
  S('settings', 'view', 'O', 'o'),
  S('events', 'view', 'V', 'v'),
  S('metrics', 'view', 'M', 'm'),
  S('safety', 'view', 'U', 'u'),
  S('panel', 'view', 'G', 'g'),
  S('theme', 'view', 'D', 'd'),
  S('projector', 'view', 'Shift+P', 'P'),
  S('next', 'view', 'PageDown / →', 'PageDown', 'ArrowRight'),
  S('blank', 'view', 'B', 'b'),
  S('language', 'view', 'Y', 'y'),
  S('help', 'view', '?', '?'),
  S('escape', 'view', 'Esc', 'Escape'),
]

const byKey = new Map<string, Shortcut>()
for (const s of SHORTCUTS) for (const k of s.keys) byKey.set(k, s)

/** The shortcut for a key press, or undefined. Modifier combinations (other than Shift for `?`) are left to the browser. */
export function shortcutFor(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey'> & { shiftKey?: boolean }): Shortcut | undefined {
  if (e.ctrlKey || e.metaKey || e.altKey) return undefined
  // Shift+P (projector mode) is the one letter whose capital differs from its small letter (P pauses a node).
  if (e.key === 'P' && e.shiftKey) return byKey.get('P')
  const k = e.key.length === 1 ? e.key.toLowerCase() : e.key
  return byKey.get(k === '?' ? '?' : k)
}

/** The tooltip of a control: its name and its key. */
export function tip(label: string, id: ShortcutId): string {
  const s = SHORTCUTS.find((x) => x.id === id)
  return s ? `${label} (${s.label})` : label
}

/** Logarithmic speed steps for the [ and ] keys. */
export const SPEED_STEPS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]

export function nextSpeed(x: number, dir: 1 | -1): number {
  if (dir > 0) return SPEED_STEPS.find((s) => s > x * 1.001) ?? SPEED_STEPS[SPEED_STEPS.length - 1]
  for (let i = SPEED_STEPS.length - 1; i >= 0; i--) if (SPEED_STEPS[i] < x * 0.999) return SPEED_STEPS[i]
  return SPEED_STEPS[0]
}

/** Slider position (0..1000) to speed and back: log10 from -2 to 2. */
export function speedFromSlider(v: number): number {
  return Math.round(10 ** (-2 + (4 * v) / 1000) * 1000) / 1000
}

export function sliderFromSpeed(x: number): number {
  return Math.round(((Math.log10(Math.min(100, Math.max(0.01, x))) + 2) / 4) * 1000)
}

/** "0.1", "2", "0.05": the shortest honest label of a speed. */
export function speedLabel(x: number): string {
  if (x >= 10) return x.toFixed(0)
  if (x >= 1) return String(Math.round(x * 10) / 10)
  return String(Number(x.toPrecision(2)))
}
