import { describe, it, expect } from 'vitest'
import { en, strings, type Strings } from '../../../src/ui/strings.ts'
import { zh } from '../../../src/ui/strings.zh.ts'
import { browserLocale, currentLocale, initialLocale, localeFromUrl, localeOf, setLocale, withLocale } from '../../../src/ui/locale.ts'
import { describeData } from '../../../src/ui/state/narrate.ts'
import { shareUrl, defaultSetup } from '../../../src/ui/url.ts'

type Tree = Record<string, unknown>

/** Every leaf of a strings object: "topbar.play" → its value. */
function leaves(o: Tree, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>()
  for (const [k, v] of Object.entries(o)) {
    const path = prefix ? `${prefix}.${k}` : k
    if (v !== null && typeof v === 'object') for (const [p, x] of leaves(v as Tree, path)) out.set(p, x)
    else out.set(path, v)
  }
  return out
}

/** Sample arguments for a sentence, by the names of its parameters (values a real call could pass). */
function sampleArgs(f: (...a: never[]) => unknown): unknown[] {
  const src = f.toString()
  const params = /^\(([^)]*)\)|^([A-Za-z_$][\w$]*)\s*=>/.exec(src)
  const names = (params?.[1] ?? params?.[2] ?? '')
    .split(',')
    .map((p) => p.trim().replace(/[?]?:.*$/s, '').replace(/^\{.*/, 'r'))
    .filter((p) => p !== '')
  return names.map((n, i) => {
    if (n === 'r') return { empty: false, term: 3, vote: 'n2', commit: 7, firstIndex: 1, lastIndex: 9 }
    if (/^(ids|c|groups|details)$/.test(n)) return n === 'groups' ? [['n1', 'n2'], ['n3']] : ['n1', 'n2']
    if (/^(ok|pre|hard|on)$/.test(n)) return i % 2 === 0
    // `n` is a node in most sentences and a count in a few: either way the sentence must say something.
    if (/^(n|id|from|to|a|b|leader|buddy|who|cand|l|node|vote)$/.test(n)) return `n${i + 1}`
    if (/^(what|why|kind|role|e|m|s|k|v|x|mode|c|err|status|took|client|key|parts|from|share|last|mean|mode|rate|commits|rejected|p50|p99|given|name|when|storage)$/.test(n)) return `‹${n}›`
    return i + 2
  })
}

describe('translations', () => {
  const e = leaves(en as unknown as Tree)
  const z = leaves(zh as unknown as Tree)

  it('every key of English is in Chinese and every Chinese key is in English', () => {
    expect([...e.keys()].filter((k) => !z.has(k))).toEqual([])
    expect([...z.keys()].filter((k) => !e.has(k))).toEqual([])
    expect(e.size).toBeGreaterThan(300)
  })

  it('each entry is the same kind (text or sentence) in both, never empty, and sentences say something for sample values', () => {
    const problems: string[] = []
    for (const [k, ev] of e) {
      const zv = z.get(k)
      if (typeof ev !== typeof zv) problems.push(`${k}: ${typeof ev} in English, ${typeof zv} in Chinese`)
      for (const [lang, v] of [['en', ev], ['zh', zv]] as const) {
        if (typeof v === 'string' && v.trim() === '' && k !== 'narrate.duplicatedByNet') problems.push(`${lang} ${k}: empty`)
        if (typeof v === 'function') {
          const args = sampleArgs(ev as (...a: never[]) => unknown)
          for (const variant of [args, args.map((a) => (typeof a === 'boolean' ? !a : a))]) {
            const out = (v as (...a: unknown[]) => unknown)(...variant)
            if (typeof out !== 'string' || out.trim() === '') problems.push(`${lang} ${k}(${JSON.stringify(variant)}): ${JSON.stringify(out)}`)
          }
        }
      }
    }
    expect(problems).toEqual([])
  })

  it('Chinese text is Chinese where English has words (except names kept as in the paper)', () => {
    // Entries that are the same in both languages on purpose: message and command names, symbols, units, formats.
    const same = /^(msgKinds\.(append|vote|prevote|snapshot|timeout)|kv\.ops\..*|kv\.(absent)|inspector\.(na|match|next)|log\.legendMatchNext|lang\..*)$/
    const untranslated = [...e]
      .filter(([k, v]) => typeof v === 'string' && /[A-Za-z]{3,}/.test(v) && !same.test(k) && !/\p{Script=Han}/u.test(String(z.get(k))))
      .map(([k]) => k)
    expect(untranslated).toEqual([])
  })
})

describe('locale', () => {
  it('reads ?lang=, the remembered choice and the browser languages, in that order', () => {
    expect(localeOf('zh-CN')).toBe('zh')
    expect(localeOf('zh-Hant-TW')).toBe('zh')
    expect(localeOf('en-GB')).toBe('en')
    expect(localeOf('de')).toBe(null)
    expect(localeFromUrl('https://x/?lang=zh')).toBe('zh')
    expect(localeFromUrl('https://x/?lang=ZH<b>')).toBe(null)
    expect(browserLocale(['de-DE', 'zh-CN', 'en'])).toBe('zh')
    expect(browserLocale(['fr'])).toBe('en')
    expect(initialLocale('https://x/?lang=en', 'zh', ['zh-CN'])).toBe('en')
    expect(initialLocale('https://x/', 'zh', ['en-US'])).toBe('zh')
    expect(initialLocale('https://x/', null, ['zh-CN'])).toBe('zh')
    expect(initialLocale('https://x/?lang=fr', 'bogus', ['fr'])).toBe('en')
    expect(new URL(withLocale('https://x/raft-lab/?cluster=a&lang=en#h', 'zh')).searchParams.get('lang')).toBe('zh')
  })

  it('switching swaps every part in place, so narration and share links follow, and switches back', async () => {
    const narrate = strings.narrate
    const said = () => describeData({ k: 'term', node: 'n1', prevTerm: 4, term: 5 } as never)
    expect(said()).toBe('n1 moves from term 4 to term 5')
    await setLocale('zh')
    try {
      expect(currentLocale()).toBe('zh')
      expect(strings.narrate).toBe(narrate)
      expect(said()).toBe('n1 的任期从 4 变为 5')
      expect(strings.topbar.share).toBe(zh.topbar.share)
      expect(new URL(shareUrl('https://x/?cluster=c', defaultSetup())).searchParams.get('lang')).toBe('zh')
    } finally {
      await setLocale('en')
    }
    expect(said()).toBe('n1 moves from term 4 to term 5')
    // `en` itself is never written to.
    expect(en.topbar.share).toBe('Share link')
    expect(strings).toEqual(en as unknown as Strings)
    expect(new URL(shareUrl('https://x/?cluster=c', defaultSetup())).searchParams.get('lang')).toBe('en')
  })
})
