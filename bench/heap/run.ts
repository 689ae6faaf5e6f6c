/**
 * Does the teaching app's memory stay flat under load? In headless Chromium:
 *
 *   npx tsx bench/heap/run.ts [--minutes 5] [--nodes 9] [--speed 10] [--port 4186] [--no-build]
 *
 * Builds the app, serves it with `vite preview`, opens it with 9 durable nodes and the load switch on, and lets it
 * run. At the end of every minute it forces a garbage collection (CDP `HeapProfiler.collectGarbage`) in the page and
 * in each node's Web Worker and reads the JavaScript heap in use (`Runtime.getHeapUsage`). The workers are reached
 * through the page's DevTools session, which attaches to them (`Target.setAutoAttach`) and talks to each through
 * `Target.sendMessageToTarget`. Prints one line `BENCH {...}` with the heaps at each minute, the change between
 * minute 1 and the last minute, the machine's load average, and how much virtual time and how many operations ran.
 * Beside the heaps it prints, per minute, what the bounded structures hold (the live safety checker's commit history
 * and log records, the scrubber's marks, the event log's records) and the page's DOM nodes (`Memory.getDOMCounters`:
 * the scrubber's marks are SVG elements, which live outside the JavaScript heap).
 * The target (issue 10): the main thread's heap after GC within +-3 MB between minute 1 and minute 5, and each
 * worker's likewise.
 */
import { loadavg, cpus } from 'node:os'
import { chromium, type CDPSession, type Page } from '@playwright/test'
import { findChromium, preview } from '../preview.ts'

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : def
}
const MINUTES = arg('minutes', 5)
const NODES = arg('nodes', 9)
const SPEED = arg('speed', 10)
const PORT = arg('port', 4186)
const TARGET_MB = 3

const MB = (b: number) => Math.round((b / 1048576) * 100) / 100

/** The page's workers, reached through the page's session (no flat sessions: Playwright's session cannot route). */
class Workers {
  readonly #cdp: CDPSession
  readonly #sessions = new Map<string, string>()
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  #id = 0

  constructor(cdp: CDPSession) {
    this.#cdp = cdp
    cdp.on('Target.attachedToTarget', (ev) => {
      if (ev.targetInfo.type === 'worker') this.#sessions.set(ev.sessionId, ev.targetInfo.title || ev.targetInfo.url)
    })
    cdp.on('Target.detachedFromTarget', (ev) => {
      if (ev.sessionId) this.#sessions.delete(ev.sessionId)
    })
    cdp.on('Target.receivedMessageFromTarget', (ev) => {
      const msg = JSON.parse(ev.message) as { id?: number; result?: unknown; error?: { message: string } }
      const w = msg.id !== undefined ? this.#waiting.get(msg.id) : undefined
      if (!w) return
      this.#waiting.delete(msg.id!)
      if (msg.error) w.reject(new Error(msg.error.message))
      else w.resolve(msg.result)
    })
  }

  async attach(): Promise<void> {
    await this.#cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false })
  }

  get names(): string[] {
    return [...this.#sessions.values()]
  }

  #send(sessionId: string, method: string, params: object = {}): Promise<unknown> {
    const id = ++this.#id
    const p = new Promise<unknown>((resolve, reject) => this.#waiting.set(id, { resolve, reject }))
    void this.#cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch((e: unknown) => {
      this.#waiting.get(id)?.reject(e instanceof Error ? e : new Error(String(e)))
      this.#waiting.delete(id)
    })
    return p
  }

  /** Each worker's heap in use after a forced GC, by worker name, in MB. */
  async heaps(): Promise<Record<string, number>> {
    const out: Record<string, number> = {}
    for (const [sid, name] of [...this.#sessions]) {
      try {
        await this.#send(sid, 'HeapProfiler.collectGarbage')
        await this.#send(sid, 'HeapProfiler.collectGarbage')
        const u = (await this.#send(sid, 'Runtime.getHeapUsage')) as { usedSize: number }
        out[name] = MB(u.usedSize)
      } catch (e) {
        out[name] = NaN
        console.error(`${name}: ${e instanceof Error ? e.message : String(e)}`)
      }
    }
    return out
  }
}

async function pageHeap(cdp: CDPSession): Promise<{ mb: number; domNodes: number }> {
  await cdp.send('HeapProfiler.collectGarbage')
  await cdp.send('HeapProfiler.collectGarbage')
  const u = await cdp.send('Runtime.getHeapUsage')
  const dom = await cdp.send('Memory.getDOMCounters')
  return { mb: MB(u.usedSize), domNodes: dom.nodes }
}

const ui = (page: Page, expr: string) =>
  page.evaluate(`(() => { const h = window.__raftlab; const lab = h.ui.lab; const runtime = h.runtime; return (${expr}) })()`)

const load = () => loadavg().map((x) => Math.round(x * 100) / 100)

async function main(): Promise<void> {
  const { root, stop } = await preview(PORT, !process.argv.includes('--no-build'))
  try {
    const loadStart = load()
    const exe = findChromium()
    const browser = await chromium.launch({ chromiumSandbox: false, ...(exe ? { executablePath: exe } : {}) })
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    const cdp = await context.newCDPSession(page)
    await cdp.send('HeapProfiler.enable')
    const workers = new Workers(cdp)
    await page.goto(`${root}?cluster=bench-heap-${Date.now()}&v=1&n=${NODES}&load=1&speed=${SPEED}&store=durable`)
    await page.waitForFunction(`(() => { const h = window.__raftlab; return h && h.ui && h.ui.lab.status.phase === 'running' && h.ui.lab.leaderId() })()`, undefined, { timeout: 60_000 })
    await workers.attach()
    const t0 = Date.now()
    const minutes: {
      minute: number
      mainMB: number
      domNodes: number
      workersMB: Record<string, number>
      virtualMs: number
      opsOk: number
      history: number
      records: number
      marks: number
      checker: unknown
      timeTravel: unknown
    }[] = []
    for (let m = 1; m <= MINUTES; m++) {
      const wait = t0 + m * 60_000 - Date.now()
      if (wait > 0) await page.waitForTimeout(wait)
      const { mb: mainMB, domNodes } = await pageHeap(cdp)
      const workersMB = await workers.heaps()
      const virtualMs = (await ui(page, 'runtime.sched.now')) as number
      const opsOk = (await ui(page, 'runtime.sched.stats.opsOk')) as number
      const history = (await ui(page, 'runtime.sched.getHistory().length')) as number
      const records = (await ui(page, 'lab.scene.feed.recordCount')) as number
      const marks = (await ui(page, 'lab.timetravel.marks.length')) as number
      const checker = await ui(page, 'lab.checks.memory()')
      const timeTravel = await ui(page, '({ actions: runtime.sched.actions.length, checkpoints: runtime.sched.checkpoints.length })')
      minutes.push({ minute: m, mainMB, domNodes, workersMB, virtualMs, opsOk, history, records, marks, checker, timeTravel })
      console.error(
        `minute ${m}: main ${mainMB} MB, ${domNodes} DOM nodes, workers ${JSON.stringify(workersMB)}, virtual ${Math.round(virtualMs / 1000)} s, ${opsOk} ops ok, ` +
          `history ${history}, records ${records}, marks ${marks}, checker ${JSON.stringify(checker)}, record ${JSON.stringify(timeTravel)}, load ${load().join(' ')}`,
      )
    }
    await browser.close()
    const first = minutes[0]
    const last = minutes[minutes.length - 1]
    const workerDelta: Record<string, number> = {}
    for (const name of Object.keys(last.workersMB)) {
      if (first.workersMB[name] !== undefined) workerDelta[name] = Math.round((last.workersMB[name] - first.workersMB[name]) * 100) / 100
    }
    const mainDeltaMB = Math.round((last.mainMB - first.mainMB) * 100) / 100
    const deltas = Object.values(workerDelta)
    const result = {
      nodes: NODES,
      speed: SPEED,
      load: true,
      storage: 'durable',
      minutes: MINUTES,
      mainMB: minutes.map((x) => x.mainMB),
      mainDeltaMB,
      // The growth per work done: how fast the cluster ran depends on the machine's load, and what grows with the run
      // grows with the operations it served.
      mainMBPer10kOps: last.opsOk > first.opsOk ? Math.round(((last.mainMB - first.mainMB) / (last.opsOk - first.opsOk)) * 10_000 * 100) / 100 : null,
      workers: Object.keys(last.workersMB).length,
      workerDeltaMB: workerDelta,
      workerDeltaMaxMB: deltas.length ? Math.max(...deltas.map(Math.abs)) : null,
      workersFirstMB: first.workersMB,
      workersLastMB: last.workersMB,
      virtualSeconds: minutes.map((x) => Math.round(x.virtualMs / 1000)),
      opsOk: minutes.map((x) => x.opsOk),
      historyOps: minutes.map((x) => x.history),
      eventRecords: minutes.map((x) => x.records),
      scrubberMarks: minutes.map((x) => x.marks),
      domNodes: minutes.map((x) => x.domNodes),
      checker: minutes.map((x) => x.checker),
      timeTravelRecord: minutes.map((x) => x.timeTravel),
      loadavgStart: loadStart,
      loadavgEnd: load(),
      cores: cpus().length,
      errors,
      targetMB: TARGET_MB,
      pass: Math.abs(mainDeltaMB) <= TARGET_MB && deltas.length > 0 && deltas.every((d) => Math.abs(d) <= TARGET_MB),
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
