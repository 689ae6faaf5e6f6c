/**
 * Scaling of the browser cluster: the virtual speed achieved (virtual ms per wall ms) and the commits per second
 * at 3, 5, 7 and 9 durable nodes (one Web Worker and one IndexedDB disk each) with the load switch on, at 1x and at
 * max speed, in headless Chromium with the whole teaching app drawing, IndexedDB on disk (a persistent profile):
 *
 *   npx tsx bench/scale/browser.ts [--runs 3] [--seconds 8] [--nodes 3,5,7,9] [--port 4186 (or PW_PORT)] [--no-build]
 *
 * Builds the app with the GitHub Pages base and serves it with `vite preview` (as bench/fps/run.ts does), opens one
 * fresh cluster per node count, and times `--runs` consecutive windows of `--seconds` per mode, reading virtual time
 * (`runtime.sched.now`) and committed commands (`runtime.sched.stats`) through `window.__raftlab` before and after
 * each, and the speed the top bar shows at the end. Prints one `BENCH {...}` line per point with min, median and
 * max over the windows (the machine is shared and noisy) and the machine's load.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { findChromium, preview } from '../preview.ts'
import { chromium, type Page } from '@playwright/test'

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : def
}
const RUNS = Number(arg('runs', '3'))
const SECONDS = Number(arg('seconds', '8'))
const NODES = arg('nodes', '3,5,7,9').split(',').map(Number)
const PORT = Number(arg('port', process.env.PW_PORT ?? '4186'))
interface Reading {
  wall: number
  now: number
  commits: number
  ok: number
  shown: number | null
}

const read = (page: Page): Promise<Reading> =>
  page.evaluate(`(() => {
    const h = window.__raftlab
    const s = h.runtime.sched
    const v = h.ui.lab.view
    return { wall: performance.now(), now: s.now, commits: s.stats.committedCommands, ok: v.load ? v.load.ok : 0, shown: v.actualSpeed }
  })()`) as Promise<Reading>

const stats = (xs: number[]): { min: number; median: number; max: number } => {
  const s = [...xs].sort((a, b) => a - b)
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] }
}
const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d
const stat = (xs: number[], d: number) => {
  const s = stats(xs)
  return { min: round(s.min, d), median: round(s.median, d), max: round(s.max, d) }
}
const load = (): number[] => loadavg().map((x) => round(x, 2))

async function main(): Promise<void> {
  const { root, stop } = await preview(PORT, !process.argv.includes('--no-build'))
  const started = Date.now()
  const rows: string[][] = []
  try {
    const exe = findChromium()
    for (const n of NODES) {
      // A persistent profile per point: IndexedDB on disk, as a person's browser has it (an incognito context may
      // keep it in memory, which made durable nodes look faster than they are).
      const profile = mkdtempSync(join(tmpdir(), 'raftlab-scale-'))
      const context = await chromium.launchPersistentContext(profile, { chromiumSandbox: false, viewport: { width: 1920, height: 1080 }, ...(exe ? { executablePath: exe } : {}) })
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(String(e)))
      await page.goto(`${root}?cluster=bench-scale-${n}-${Date.now()}&v=1&n=${n}&load=1&speed=1&store=durable`)
      await page.waitForFunction(`(() => { const h = window.__raftlab; return h && h.ui && h.ui.lab.status.phase === 'running' && h.ui.lab.leaderId() })()`, undefined, { timeout: 60_000 })
      for (const mode of ['1x', 'max'] as const) {
        await page.evaluate(mode === 'max' ? 'window.__raftlab.runtime.driver.max()' : '(() => { const d = window.__raftlab.runtime.driver; d.setSpeed(1); d.play() })()')
        // Let the mode settle and the top bar's three-second speed window fill.
        await page.waitForTimeout(3000)
        const loadBefore = load()
        const speeds: number[] = []
        const commits: number[] = []
        const oks: number[] = []
        const shown: (number | null)[] = []
        let logAtEnd = 0
        for (let i = 0; i < RUNS; i++) {
          const a = await read(page)
          await page.waitForTimeout(SECONDS * 1000)
          const b = await read(page)
          const wallS = (b.wall - a.wall) / 1000
          speeds.push((b.now - a.now) / (b.wall - a.wall))
          commits.push((b.commits - a.commits) / wallS)
          oks.push((b.ok - a.ok) / wallS)
          shown.push(b.shown === null ? null : round(b.shown, 2))
          logAtEnd = b.commits
        }
        const result = {
          name: 'scale-browser',
          nodes: n,
          store: 'durable',
          load: true,
          asked: mode,
          runs: RUNS,
          secondsPerRun: SECONDS,
          achievedSpeed: stat(speeds, 2),
          commitsPerSec: stat(commits, 0),
          clientOpsOkPerSec: stat(oks, 0),
          topBarSpeed: shown,
          committedAtEnd: logAtEnd,
          errors,
          loadavg: loadBefore,
          loadavgAfter: load(),
        }
        console.log(`BENCH ${JSON.stringify(result)}`)
        rows.push([String(n), mode, `${result.achievedSpeed.min}/${result.achievedSpeed.median}/${result.achievedSpeed.max}`, `${result.commitsPerSec.min}/${result.commitsPerSec.median}/${result.commitsPerSec.max}`])
      }
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  } finally {
    stop()
  }
  console.log(`browser scaling: ${RUNS} windows of ${SECONDS} s per point, ${round((Date.now() - started) / 1000)} s in all, load ${load().join(' ')}`)
  console.log(['nodes', 'asked', 'achieved x min/median/max', 'commits/s min/median/max'].join('\t'))
  for (const r of rows) console.log(r.join('\t'))
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
