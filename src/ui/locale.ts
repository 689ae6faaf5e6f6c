/**
 * The language of the page: English (in the main bundle) or Simplified Chinese (strings.zh.ts, its own chunk, loaded
 * only when used). Chosen, in order, by `?lang=zh|en`, by the switch in the top bar (remembered in this browser), by
 * the browser's languages; English otherwise.
 *
 *   await setLocale(initialLocale(location.href, storedLocale(), navigator.languages))   // before mounting
 *   await switchLocale('zh')          // the top bar: apply, remember, write ?lang= into the address
 *   onLocaleChange((l) => ...)        // the UI redraws in the new language
 */
import { en, strings, type Strings } from './strings.ts'

export type Locale = 'en' | 'zh'
export const LOCALES: readonly Locale[] = ['en', 'zh']

const STORE_KEY = 'raftlab.lang'

/** A language tag ("zh", "zh-CN", "zh-Hant-TW", "en-GB") to one of ours, or null. */
export function localeOf(tag: string | null | undefined): Locale | null {
  if (!tag) return null
  const t = tag.trim().toLowerCase()
  if (t === 'zh' || t.startsWith('zh-') || t.startsWith('zh_')) return 'zh'
  if (t === 'en' || t.startsWith('en-') || t.startsWith('en_')) return 'en'
  return null
}

/** `?lang=` of an address: only exactly `zh` or `en` (anything else is ignored, never shown). */
export function localeFromUrl(href: string): Locale | null {
  try {
    const v = new URL(href).searchParams.get('lang')
    return v === 'zh' || v === 'en' ? v : null
  } catch {
    return null
  }
}

/** The first of the browser's languages we have; English when none. */
export function browserLocale(languages: readonly string[]): Locale {
  for (const l of languages) {
    const m = localeOf(l)
    if (m) return m
  }
  return 'en'
}

/** The language to start in. */
export function initialLocale(href: string, stored: string | null, languages: readonly string[]): Locale {
  return localeFromUrl(href) ?? (stored === 'zh' || stored === 'en' ? stored : null) ?? browserLocale(languages)
}

/** The choice made with the switch in this browser, if any. */
export function storedLocale(): string | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage.getItem(STORE_KEY)
  } catch {
    return null
  }
}

/** `href` with `?lang=l` (replacing any), keeping everything else. */
export function withLocale(href: string, l: Locale): string {
  const u = new URL(href)
  u.searchParams.set('lang', l)
  return u.toString()
}

const loaders: Record<Locale, () => Promise<Strings>> = {
  en: () => Promise.resolve(en),
  // Its own chunk: English-only visitors never download it.
  zh: () => import('./strings.zh.ts').then((m) => m.zh),
}

let current: Locale = 'en'
const listeners = new Set<(l: Locale) => void>()

export function currentLocale(): Locale {
  return current
}

/** Called after each switch; returns the unsubscribe function. */
export function onLocaleChange(f: (l: Locale) => void): () => void {
  listeners.add(f)
  return () => listeners.delete(f)
}

/** Copy `from` into `to`, part by part, so that references to parts of `to` see the new text. */
function assign(to: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(from)) {
    const t = to[k]
    if (v !== null && typeof v === 'object' && t !== null && typeof t === 'object') assign(t as Record<string, unknown>, v as Record<string, unknown>)
    else to[k] = v
  }
}

/** Load (if needed) and apply a language. Rejects when its chunk cannot be loaded; the old language then stays. */
export async function setLocale(l: Locale): Promise<void> {
  const s = await loaders[l]()
  assign(strings as unknown as Record<string, unknown>, s as unknown as Record<string, unknown>)
  current = l
  if (typeof document !== 'undefined') {
    document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en'
    document.title = strings.app.title
  }
  for (const f of listeners) f(l)
}

/** The switch in the top bar: apply, remember in this browser, and put `?lang=` in the address (so a reload keeps it). */
export async function switchLocale(l: Locale): Promise<void> {
  await setLocale(l)
  try {
    localStorage.setItem(STORE_KEY, l)
  } catch {
    // Private mode or storage off: the address still carries the choice.
  }
  if (typeof history !== 'undefined' && typeof location !== 'undefined') history.replaceState(history.state, '', withLocale(location.href, l))
}
