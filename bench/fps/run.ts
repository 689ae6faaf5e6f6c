/**
 * Frames per second of the teaching app under load, in headless Chromium:
 *
 *   npx tsx bench/fps/run.ts [--seconds 10] [--nodes 9] [--speed 10] [--no-build]
 *
 * Builds the app with the GitHub Pages base, serves it with `vite preview`, opens it with 9 nodes, the load switch
 * on and 10x speed, and counts requestAnimationFrame callbacks in the page. Then it pauses the cluster and checks
 * that the app draws nothing and the main thread idles, and hides the tab and checks the same. Prints one line
 * `BENCH {...}`. The target is at least 50 fps while running and about 0 frames drawn while paused or hidden.
 * A system Chromium is used when CHROMIUM_PATH is set or a `chromium` is on the PATH (Playwright's own otherwise).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { chromium, type Page } from '@playwright/test'

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : def
}
const SECONDS = arg('seconds', 10)
const NODES = arg('nodes', 9)
const SPEED = arg('speed', 10)
const PORT = arg('port', 4185)
const BASE = '/raft-lab/'

function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const p = join(dir, name)
      if (dir && existsSync(p)) return p
    }
  }
  return undefined
}

async function waitHttp(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms
  let last: unknown = null
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return
    } catch (e) {
      last = e
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`preview server did not start at ${url}: ${String((last as { cause?: unknown })?.cause ?? last)}`)
}

/** Count animation frames in the page for `ms`: fps, worst one-second window, long frames. */
async function countFrames(page: Page, ms: number): Promise<{ fps: number; worstSecond: number; longFrames: number; p99FrameMs: number }> {
  return page.evaluate(`new Promise((resolve) => {
    const times = []
    const start = performance.now()
    function f(t) {
      times.push(t)
      if (t - start < ${ms}) requestAnimationFrame(f)
      else {
        const gaps = times.slice(1).map((x, i) => x - times[i]).sort((a, b) => a - b)
        let worst = Infinity
        for (let s = start; s + 1000 <= start + ${ms}; s += 250) worst = Math.min(worst, times.filter((x) => x >= s && x < s + 1000).length)
        resolve({
          fps: Math.round((times.length / ((t - start) / 1000)) * 10) / 10,
          worstSecond: worst === Infinity ? times.length : worst,
          longFrames: gaps.filter((g) => g > 50).length,
          p99FrameMs: Math.round((gaps[Math.floor(gaps.length * 0.99)] ?? 0) * 10) / 10,
        })
      }
    }
    requestAnimationFrame(f)
  })`) as Promise<{ fps: number; worstSecond: number; longFrames: number; p99FrameMs: number }>
}

const ui = (page: Page, expr: string) =>
  page.evaluate(`(() => { const h = window.__raftlab; const lab = h.ui.lab; const runtime = h.runtime; return (${expr}) })()`)

async function mainThreadMs(page: Page, cdp: Awaited<ReturnType<ReturnType<Page['context']>['newCDPSession']>>, ms: number): Promise<{ taskMs: number; appFrames: number }> {
  const f0 = (await ui(page, 'lab.frames')) as number
  const m0 = (await cdp.send('Performance.getMetrics')).metrics
  await page.waitForTimeout(ms)
  const m1 = (await cdp.send('Performance.getMetrics')).metrics
  const f1 = (await ui(page, 'lab.frames')) as number
  const get = (m: { name: string; value: number }[]) => m.find((x) => x.name === 'TaskDuration')?.value ?? 0
  return { taskMs: Math.round((get(m1) - get(m0)) * 1000), appFrames: f1 - f0 }
}

async function main(): Promise<void> {
  if (!process.argv.includes('--no-build')) {
    const b = spawnSync('npx', ['vite', 'build', '--base', BASE], { stdio: 'inherit' })
    if (b.status !== 0) throw new Error('build failed')
  }
  const server: ChildProcess = spawn('npx', ['vite', 'preview', '--base', BASE, '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true })
  server.stdout?.resume()
  const stop = () => {
    try {
      if (server.pid) process.kill(-server.pid)
    } catch {
      // already gone
    }
  }
  try {
    const root = `http://127.0.0.1:${PORT}${BASE}`
    await waitHttp(root, 30_000)
    const exe = findChromium()
    const browser = await chromium.launch({ chromiumSandbox: false, ...(exe ? { executablePath: exe } : {}) })
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto(`${root}?cluster=bench-fps-${Date.now()}&v=1&n=${NODES}&load=1&speed=${SPEED}&store=durable`)
    await page.waitForFunction(`(() => { const h = window.__raftlab; return h && h.ui && h.ui.lab.status.phase === 'running' && h.ui.graph && h.ui.lab.leaderId() })()`, undefined, { timeout: 60_000 })
    await page.waitForTimeout(2000)
    const cdp = await context.newCDPSession(page)
    await cdp.send('Performance.enable')

    const v0 = (await ui(page, 'runtime.sched.now')) as number
    const ok0 = (await ui(page, 'lab.view.load ? lab.view.load.ok : 0')) as number
    type Cost = { ms: number; linMs: number; virtualMs: number; counts: { observations: number; linChecks: number } }
    const c0 = (await ui(page, 'lab.checks.cost()')) as Cost
    const running = await countFrames(page, SECONDS * 1000)
    const v1 = (await ui(page, 'runtime.sched.now')) as number
    const ok1 = (await ui(page, 'lab.view.load ? lab.view.load.ok : 0')) as number
    const c1 = (await ui(page, 'lab.checks.cost()')) as Cost
    const runningCpu = await mainThreadMs(page, cdp, 2000)

    // Paused: the app's loop stops; only the browser's idle work remains.
    await ui(page, 'runtime.driver.pause()')
    await page.waitForTimeout(1500)
    const paused = await mainThreadMs(page, cdp, 3000)

    // Hidden: headless Chromium keeps every tab visible, so the page is told it is hidden the way a browser
    // tells it (visibilityState and the visibilitychange event). The cluster runs on; the app must draw nothing.
    await ui(page, 'runtime.driver.play()')
    await page.evaluate(`(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true })
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
      document.dispatchEvent(new Event('visibilitychange'))
    })()`)
    await page.waitForTimeout(500)
    const hiddenState = (await page.evaluate('document.visibilityState')) as string
    const hidden = await mainThreadMs(page, cdp, 3000)

    await browser.close()
    const result = {
      nodes: NODES,
      speed: SPEED,
      load: true,
      seconds: SECONDS,
      fps: running.fps,
      worstSecondFps: running.worstSecond,
      longFrames: running.longFrames,
      p99FrameMs: running.p99FrameMs,
      mainThreadBusyPct: Math.round(runningCpu.taskMs / 20),
      effectiveSpeed: Math.round(((v1 - v0) / (SECONDS * 1000)) * 100) / 100,
      opsPerSecond: Math.round((ok1 - ok0) / SECONDS),
      // The live checkers (src/ui/check/live.ts) run on the main thread: their wall time per second of the run.
      checkerMsPerWallSecond: Math.round(((c1.ms - c0.ms) / SECONDS) * 100) / 100,
      checkerLinMsPerWallSecond: Math.round(((c1.linMs - c0.linMs) / SECONDS) * 100) / 100,
      checkerMsPerVirtualSecond: Math.round(((c1.ms - c0.ms) / Math.max(1, (c1.virtualMs - c0.virtualMs) / 1000)) * 100) / 100,
      checkerObservationsPerSecond: Math.round((c1.counts.observations - c0.counts.observations) / SECONDS),
      checkerLinChecksPerSecond: Math.round((c1.counts.linChecks - c0.counts.linChecks) / SECONDS),
      pausedAppFrames: paused.appFrames,
      pausedMainThreadMsPerSecond: Math.round(paused.taskMs / 3),
      hiddenVisibility: hiddenState,
      hiddenAppFrames: hidden.appFrames,
      errors,
      hiddenMainThreadMsPerSecond: Math.round(hidden.taskMs / 3),
      pass: running.fps >= 50 && paused.appFrames <= 2 && hidden.appFrames <= 2,
    }
    console.log(`BENCH ${JSON.stringify(result)}`)
  } finally {
    stop()
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
