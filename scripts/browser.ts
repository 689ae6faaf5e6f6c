/**
 * Which Chromium the browser tests use, and the newcomer's set-up step before them (`npm run test:e2e` runs this
 * file first). Order: CHROMIUM_PATH, then a system Chromium (Debian's /usr/bin/chromium), then Playwright's own
 * browser in its cache. With none, it runs `npx playwright install chromium` (which needs downloads); if that
 * fails it prints one sentence saying how to get a browser and exits non-zero, instead of Playwright's stack trace.
 * playwright.config.ts uses `findChromium` too, so the tests run on whichever browser this found.
 */
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { pathToFileURL } from 'node:url'

/** System browsers tried in order when CHROMIUM_PATH is not set. */
export const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser']

/** What the search looks at; tests inject their own. */
export interface Probe {
  env: Record<string, string | undefined>
  exists: (path: string) => boolean
  /** Where Playwright's own Chromium would be (in its cache), installed or not. */
  playwrightChromium: () => string
}

export type Found =
  /** `executablePath` for Playwright; null = Playwright's own browser (its default). */
  | { ok: true; executablePath: string | null; source: string }
  | { ok: false; reason: 'none' | 'bad-env'; path?: string }

export function findChromium(p: Probe): Found {
  const fromEnv = p.env.CHROMIUM_PATH
  if (fromEnv) {
    return p.exists(fromEnv)
      ? { ok: true, executablePath: fromEnv, source: 'CHROMIUM_PATH' }
      : { ok: false, reason: 'bad-env', path: fromEnv }
  }
  for (const path of SYSTEM_CHROMIUM) if (p.exists(path)) return { ok: true, executablePath: path, source: 'system' }
  let own: string | null = null
  try {
    own = p.playwrightChromium()
  } catch {
    // Playwright does not know a browser for this platform.
  }
  if (own && p.exists(own)) return { ok: true, executablePath: null, source: 'Playwright' }
  return { ok: false, reason: 'none' }
}

/** The one sentence a newcomer reads when there is no browser. */
export function advice(f: Found & { ok: false }): string {
  if (f.reason === 'bad-env')
    return `CHROMIUM_PATH is set to ${f.path}, which does not exist: point it at a Chromium or Chrome binary, or unset it, and run npm test again.`
  return 'The browser tests need Chromium and Playwright could not download one: install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary, then run npm test again.'
}

/**
 * Find a browser, installing Playwright's own if there is none. Returns the exit code and what to print:
 * `log` lines on the way, and at most one `error` sentence.
 */
export function ensureChromium(p: Probe, install: () => boolean): { code: number; log: string[]; error?: string } {
  const log: string[] = []
  let found = findChromium(p)
  if (!found.ok && found.reason === 'none') {
    log.push('No Chromium found for the browser tests: trying npx playwright install chromium …')
    if (install()) found = findChromium(p)
  }
  if (found.ok) return { code: 0, log: [...log, `Browser tests use ${found.executablePath ?? "Playwright's Chromium"} (${found.source}).`] }
  return { code: 1, log, error: advice(found) }
}

/** This machine, given Playwright's `chromium.executablePath` (passed in so that the unit test loads no Playwright). */
export function machine(playwrightChromium: () => string): Probe {
  return { env: process.env, exists: existsSync, playwrightChromium }
}

function installPlaywrightChromium(): boolean {
  // Its output on failure is a download stack trace per retry: keep it unless asked to show it.
  const r = spawnSync('npx', ['playwright', 'install', 'chromium'], {
    stdio: process.env.SHOW_INSTALL ? 'inherit' : 'pipe',
    shell: process.platform === 'win32',
  })
  return r.status === 0
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  void import('@playwright/test').then(({ chromium }) => {
    const r = ensureChromium(machine(() => chromium.executablePath()), installPlaywrightChromium)
    for (const line of r.log) console.log(line)
    if (r.error) console.error(r.error)
    process.exit(r.code)
  })
}
