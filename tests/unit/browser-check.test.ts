/**
 * The newcomer's browser check (scripts/browser.ts): which Chromium the browser tests use, and the one sentence
 * printed when there is none and Playwright cannot download one. Paths are injected; nothing is uninstalled.
 */
import { describe, expect, it } from 'vitest'
import { ensureChromium, findChromium, type Probe } from '../../scripts/browser.ts'

const OWN = '/home/me/.cache/ms-playwright/chromium-1/chrome-linux64/chrome'

function probe(files: string[], env: Record<string, string> = {}): Probe & { files: Set<string> } {
  const set = new Set(files)
  return { files: set, env, exists: (p) => set.has(p), playwrightChromium: () => OWN }
}

describe('findChromium', () => {
  it('prefers CHROMIUM_PATH, then the system Chromium, then Playwright’s own', () => {
    expect(findChromium(probe(['/opt/c', '/usr/bin/chromium', OWN], { CHROMIUM_PATH: '/opt/c' }))).toMatchObject({
      ok: true,
      executablePath: '/opt/c',
    })
    expect(findChromium(probe(['/usr/bin/chromium', OWN]))).toMatchObject({ ok: true, executablePath: '/usr/bin/chromium' })
    expect(findChromium(probe(['/usr/bin/chromium-browser']))).toMatchObject({ ok: true, executablePath: '/usr/bin/chromium-browser' })
    // Playwright's own browser: no executablePath, Playwright finds it itself.
    expect(findChromium(probe([OWN]))).toMatchObject({ ok: true, executablePath: null, source: 'Playwright' })
  })

  it('finds nothing on a fresh machine, and a CHROMIUM_PATH that does not exist is an error, not a fallback', () => {
    expect(findChromium(probe([]))).toEqual({ ok: false, reason: 'none' })
    expect(findChromium(probe(['/usr/bin/chromium'], { CHROMIUM_PATH: '/typo' }))).toEqual({ ok: false, reason: 'bad-env', path: '/typo' })
  })

  it('treats a platform Playwright has no browser for as no browser', () => {
    const p = probe([])
    p.playwrightChromium = () => {
      throw new Error('unsupported platform')
    }
    expect(findChromium(p)).toEqual({ ok: false, reason: 'none' })
  })
})

describe('ensureChromium', () => {
  it('does not install anything when a browser is there', () => {
    let installs = 0
    const r = ensureChromium(probe(['/usr/bin/chromium']), () => (installs++, true))
    expect(r.code).toBe(0)
    expect(r.error).toBeUndefined()
    expect(installs).toBe(0)
  })

  it('installs Playwright’s Chromium where downloads work, and then uses it', () => {
    const p = probe([])
    let installs = 0
    const r = ensureChromium(p, () => {
      installs++
      p.files.add(OWN)
      return true
    })
    expect(installs).toBe(1)
    expect(r.code).toBe(0)
    expect(r.error).toBeUndefined()
    expect(r.log.at(-1)).toContain("Playwright's Chromium")
  })

  it('without downloads, stops with one sentence that says how to get a browser', () => {
    const r = ensureChromium(probe([]), () => false)
    expect(r.code).toBe(1)
    expect(r.error).toMatch(/apt-get install chromium/)
    expect(r.error).toMatch(/CHROMIUM_PATH/)
    // One sentence: one line, one full stop at the end.
    expect(r.error!.split('\n')).toHaveLength(1)
    expect(r.error!.trim().match(/[.!?](\s|$)/g)).toHaveLength(1)
  })

  it('an install that reports success but leaves no browser still stops with the sentence', () => {
    const r = ensureChromium(probe([]), () => true)
    expect(r.code).toBe(1)
    expect(r.error).toMatch(/apt-get install chromium/)
  })

  it('does not try to install over a wrong CHROMIUM_PATH', () => {
    let installs = 0
    const r = ensureChromium(probe([], { CHROMIUM_PATH: '/typo' }), () => (installs++, true))
    expect(installs).toBe(0)
    expect(r.code).toBe(1)
    expect(r.error).toContain('/typo')
  })
})
