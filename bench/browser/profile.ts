/**
 * Where the wall time of a loaded cluster goes (a diagnostic for the benchmark, not a test): runs a durable
 * cluster at full speed with the load generator (writers only, as bench:browser's throughput), wraps the
 * scheduler's window step and every node's window call, and prints the split between waiting for the workers
 * (postMessage + the node's Ready loop + IndexedDB) and the main thread's own work, plus the disk transactions
 * per window. Needs a served build: `npx tsx bench/browser/profile.ts
 * --url http://127.0.0.1:4173/raft-lab/ [--nodes 5] [--clients 128] [--seconds 5] [--cpu]`.
 *
 * With `--asked X` it profiles the app's own cluster instead, as a user runs it: `--nodes` durable nodes, the load
 * switch on, X times real time asked, drawing on (bench:browser's speed targets), and prints where a window's wall
 * time goes (see profileAskedInPage).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { appRunning } from './cluster.ts'
import { profileAskedInPage, profileInPage } from './profile-page.ts'

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : dflt
}

const url = arg('url', 'http://127.0.0.1:4173/raft-lab/')
const nodes = Number(arg('nodes', '5'))
const clients = Number(arg('clients', '128'))
const seconds = Number(arg('seconds', '5'))
const cpu = process.argv.includes('--cpu')
const maxEntries = Number(arg('max-entries', '64'))
const inflight = Number(arg('inflight', '16'))
const jitter = Number(arg('jitter', '10'))
const asked = process.argv.includes('--asked') ? Number(arg('asked', '1')) : null

const profile = mkdtempSync(join(tmpdir(), 'raftlab-profile-'))
const chromiumPath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)
const ctx = await chromium.launchPersistentContext(profile, { headless: true, chromiumSandbox: false, ...(chromiumPath ? { executablePath: chromiumPath } : {}) })
try {
  await ctx.addInitScript('globalThis.__name ??= (f) => f')
  const page = await ctx.newPage()
  page.on('pageerror', (e) => console.error(String(e)))
  if (asked !== null) {
    await page.setViewportSize({ width: 1280, height: 720 })
    await page.goto(`${url}?cluster=profile-asked&v=1&n=${nodes}&load=1&speed=${asked}&store=durable`)
    await page.waitForFunction(appRunning, true, { timeout: 90_000 })
    console.log(`${nodes} durable nodes, load switch on, ${asked}x asked, 1280x720, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
    console.log(JSON.stringify(await page.evaluate(profileAskedInPage, { seconds }), null, 2))
  } else {
    await page.goto(`${url}?cluster=profile&autoplay=0`)
    await page.waitForFunction(appRunning, false)
    const cdp = cpu ? await ctx.newCDPSession(page) : null
    if (cdp) {
      await cdp.send('Profiler.enable')
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
    }
    const started = page.evaluate(profileInPage, { nodes, clients, seconds, maxEntries, inflight, jitter })
    if (cdp) {
      await page.waitForTimeout(2500)
      await cdp.send('Profiler.start')
      await page.waitForTimeout(seconds * 1000 - 1000)
      const { profile: prof } = await cdp.send('Profiler.stop')
      const self = new Map<string, number>()
      const dt = new Map<number, number>()
      prof.samples?.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (prof.timeDeltas?.[i] ?? 0)))
      let total = 0
      for (const n of prof.nodes) {
        const t = dt.get(n.id) ?? 0
        total += t
        const f = n.callFrame
        const k = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`
        self.set(k, (self.get(k) ?? 0) + t)
      }
      console.log('main thread, self time:')
      for (const [k, t] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${((t / total) * 100).toFixed(1)}%  ${k}`)
    }
    console.log(JSON.stringify(await started, null, 2))
  }
} finally {
  await ctx.close()
  rmSync(profile, { recursive: true, force: true })
}
