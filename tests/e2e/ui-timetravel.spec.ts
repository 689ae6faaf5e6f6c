/**
 * Time travel in the browser: a run in Web Workers on IndexedDB is rebuilt from its record (in Node, and in the page
 * in-process) with the same trace hash; the Time scrubber shows the past and goes back to live; "Continue from here"
 * forks a run that equals the original up to the fork and survives a reload; import refuses bad files with a
 * sentence and leaves the cluster untouched; a link to a moment opens that run paused at that time.
 */
import { test, expect, type Page } from '@playwright/test'
import type { RunRecord } from '../../src/browser/record.ts'
import { Replay } from '../../src/browser/replay.ts'
import { js, openLab, waitReady, watchErrors } from './ui-support.ts'

/** A fresh seeded cluster with load, a crash and restart, a partition and a heal, all through the app's own actions. */
async function makeRun(page: Page): Promise<{ rec: RunRecord; hashAt: Record<number, string> }> {
  return page.evaluate(async () => {
    const { runtime, ui } = window.__raftlab
    const lab = ui!.lab
    const spec = structuredClone(runtime.sched!.spec)
    await runtime.newCluster({ ...spec, seed: 9090, network: { ...spec.network, defaults: { ...spec.network.defaults, drop: 0.02 } } })
    lab.timetravel.resetMarks()
    lab.scene.feed.reset()
    const hashAt: Record<number, string> = {}
    const d = runtime.driver!
    const mark = () => (hashAt[runtime.sched!.now] = runtime.sched!.trace.hex())
    // Each mark is the hash once the actions at that time took effect (a replay to that time applies them too).
    lab.setLoad(true)
    await d.fastForward(1000)
    await lab.crash('n2')
    mark()
    await d.fastForward(500)
    await lab.restart('n2')
    await lab.isolateOrReconnect('n1')
    mark()
    await d.fastForward(600)
    await lab.heal()
    await lab.timeout('n3')
    mark()
    await d.fastForward(700)
    mark()
    const rec = (runtime.sched as unknown as { record(): RunRecord }).record()
    return { rec: JSON.parse(JSON.stringify(rec)) as RunRecord, hashAt }
  })
}

test('a run in workers on IndexedDB is rebuilt in Node and in the page with the same trace hash', async ({ page }) => {
  const errors = watchErrors(page)
  await openLab(page, 'e2e-tt-replay')
  const { rec, hashAt } = await makeRun(page)
  expect(rec.actions.map((a) => a.k)).toEqual(expect.arrayContaining(['load', 'crash', 'boot', 'net', 'input']))
  // In Node: in-process hosts on memory disks.
  const r = new Replay(rec)
  for (const t of Object.keys(hashAt).map(Number).sort((a, b) => a - b)) {
    await r.advance(t)
    expect({ t, h: r.sched.trace.hex() }).toEqual({ t, h: hashAt[t] })
  }
  // In the page, through the scrubber: End then back one second with Page Down.
  const slider = page.getByRole('slider', { name: 'Time' })
  await slider.focus()
  const t0 = Number(Object.keys(hashAt).sort((a, b) => Number(a) - Number(b))[1])
  await page.evaluate((t) => window.__raftlab.ui!.lab.timetravel.goTo(t), t0)
  await expect(page.getByTestId('tt-status')).toHaveText(`Viewing the past: t = ${(t0 / 1000).toFixed(1)} s`)
  expect(await js<string>(page, 'runtime.sched.trace.hex()')).toBe(hashAt[t0])
  expect(errors).toEqual([])
})

test('the Time slider: keyboard, the past on screen, back to live', async ({ page }) => {
  const errors = watchErrors(page)
  await openLab(page, 'e2e-tt-slider')
  const { rec } = await makeRun(page)
  const liveHash = await js<string>(page, 'runtime.sched.trace.hex()')
  const slider = page.getByRole('slider', { name: 'Time' })
  await expect(slider).toHaveAttribute('aria-valuemax', String(Math.round(rec.end)))
  await slider.focus()
  await page.keyboard.press('Home')
  await expect(page.getByTestId('tt-status')).toHaveText('Viewing the past: t = 0.0 s')
  await page.keyboard.press('PageUp')
  await expect(page.getByTestId('tt-status')).toHaveText('Viewing the past: t = 1.0 s')
  await page.keyboard.press('ArrowRight')
  await expect(slider).toHaveAttribute('aria-valuenow', '1100')
  await page.keyboard.press('ArrowLeft')
  await page.keyboard.press('ArrowLeft')
  await expect(slider).toHaveAttribute('aria-valuenow', '900')
  // The slider shows where it goes at once; the rebuilt cluster gets there a moment later.
  await expect.poll(() => js<number>(page, 'lab.timetravel.viewing')).toBe(900)
  // One event forward and back.
  await page.keyboard.press('.')
  await expect.poll(() => js<number>(page, 'lab.timetravel.viewing')).toBeGreaterThan(900)
  const fwd = await js<number>(page, 'lab.timetravel.viewing')
  await page.keyboard.press(',')
  await expect.poll(() => js<number>(page, 'lab.timetravel.viewing')).toBeLessThan(fwd)
  // The crash of n2 at 1 s: at 1.2 s the screen's cluster has n2 crashed.
  await page.evaluate(() => window.__raftlab.ui!.lab.timetravel.goTo(1200))
  await expect(page.getByTestId('tt-status')).toHaveText('Viewing the past: t = 1.2 s')
  expect(await js<string>(page, 'runtime.sched.nodeState("n2")')).toBe('crashed')
  if (process.env.SHOTS) {
    // README: the scrubber in the past at 1920x1080 and 1280x720 (`SHOTS=docs/screenshots`).
    for (const [w, h] of [[1920, 1080], [1280, 720]]) {
      await page.setViewportSize({ width: w, height: h })
      await page.waitForTimeout(800)
      await page.screenshot({ path: `${process.env.SHOTS}/scrubber-${w}.png` })
    }
  }
  expect(await js<number>(page, 'lab.view.now')).toBe(1200)
  // Acting on the past is refused with a sentence; the past is unchanged.
  await page.evaluate(() => window.__raftlab.ui!.lab.crash('n1'))
  await expect(page.getByTestId('banners')).toContainText('You are viewing the past')
  expect(await js<string>(page, 'runtime.sched.nodeState("n1")')).not.toBe('crashed')
  await page.getByTestId('tt-live').click()
  await expect(page.getByTestId('tt-status')).toHaveText('Live')
  expect(await js<string>(page, 'runtime.sched.trace.hex()')).toBe(liveHash)
  expect(await js<number>(page, 'runtime.sched.now')).toBe(rec.end)
  expect(errors).toEqual([])
})

test('continue from here: the forked run equals the original up to the fork, and a reload recovers it', async ({ page }) => {
  const errors = watchErrors(page)
  await openLab(page, 'e2e-tt-fork')
  const { rec, hashAt } = await makeRun(page)
  const times = Object.keys(hashAt).map(Number).sort((a, b) => a - b)
  const T = times[1]
  await page.evaluate((t) => window.__raftlab.ui!.lab.timetravel.goTo(t), T)
  await expect(page.getByTestId('tt-status')).toHaveText(`Viewing the past: t = ${(T / 1000).toFixed(1)} s`)
  const atFork = await page.evaluate(() => {
    const s = window.__raftlab.runtime.sched!
    return { h: s.trace.hex(), commit: Math.max(...s.nodeIds().map((id) => s.summary(id)?.commit ?? 0)) }
  })
  expect(atFork.h).toBe(hashAt[T])
  await page.getByTestId('tt-fork').click()
  await expect(page.getByTestId('tt-status')).toHaveText('Live')
  const forked = await page.evaluate(async () => {
    const { runtime } = window.__raftlab
    const s = runtime.sched as unknown as { record(): RunRecord; now: number; nodeState(id: string): string }
    const states = ['n1', 'n2', 'n3'].map((id) => s.nodeState(id))
    await runtime.driver!.fastForward(600)
    return { rec: s.record(), now: s.now, states, violation: window.__raftlab.ui!.lab.checks.violation, hash: runtime.sched!.trace.hex() }
  })
  // The forked record is the original's up to T, then the restarts into workers.
  const upTo = (r: RunRecord) => r.actions.filter((a) => a.t <= T && !(a.t === T && (a.k === 'crash' || a.k === 'boot'))).map((a) => JSON.stringify(a))
  expect(forked.violation).toBe(null)
  expect(upTo(forked.rec)).toEqual(upTo(rec))
  expect(upTo(rec).length).toBeGreaterThanOrEqual(3)
  expect(forked.now).toBe(T + 600)
  // The fork's first action (its restarts into workers, at T) was taken on the original's trace at T.
  const first = forked.rec.actions.findIndex((a) => a.t === T && a.k === 'crash')
  expect(forked.rec.actions[first].h).toBe(hashAt[T])
  // Rebuilt from the forked record in Node, the run passes the original's hash at T and ends on the forked run's hash.
  const r = new Replay(forked.rec)
  await r.advance(forked.rec.end)
  expect(r.sched.trace.hex()).toBe(forked.hash)
  // The nodes' IndexedDB disks hold the forked state: a reload recovers at least what was committed at T.
  await page.reload()
  await waitReady(page)
  await expect
    .poll(() => js<number>(page, 'Math.max(...runtime.sched.nodeIds().map((id) => runtime.sched.recovery(id)?.commit ?? runtime.sched.summary(id)?.commit ?? 0))'))
    .toBeGreaterThanOrEqual(atFork.commit)
  expect(atFork.commit).toBeGreaterThan(5)
  expect(errors).toEqual([])
})

test('import refuses bad files with a sentence and leaves the cluster untouched; a moment link opens paused there', async ({ page }) => {
  const errors = watchErrors(page)
  await openLab(page, 'e2e-tt-import')
  const { rec } = await makeRun(page)
  const before = await js<string>(page, 'runtime.sched.trace.hex()')
  const good = JSON.stringify(rec)
  const cases: [string, string][] = [
    [JSON.stringify({ ...rec, version: 7 }), 'has version 7'],
    [good.slice(0, good.length / 2), 'not complete JSON'],
    [JSON.stringify({ ...rec, actions: [...rec.actions, { t: rec.end, k: 'crash', node: 'n9' }] }), 'names node n9'],
    [JSON.stringify({ ...rec, spec: { ...rec.spec, seed: 'x' } }), '"spec.seed" is not a whole number'],
    [JSON.stringify({ ...rec, actions: [{ t: 5, k: 'load', on: 'yes' }] }), 'says neither on nor off'],
  ]
  for (const [text, sentence] of cases) {
    await page.getByTestId('tt-file').setInputFiles({ name: 'run.json', mimeType: 'application/json', buffer: Buffer.from(text) })
    await expect(page.getByTestId('banners')).toContainText(sentence)
    await expect(page.getByTestId('banners')).toContainText('Nothing was changed.')
    expect(await js<string>(page, 'runtime.sched.trace.hex()')).toBe(before)
    expect(await js<number | null>(page, 'lab.timetravel.viewing')).toBe(null)
  }
  // A huge file is refused before it is read.
  await page.getByTestId('tt-file').setInputFiles({ name: 'big.json', mimeType: 'application/json', buffer: Buffer.alloc(21 * 1024 * 1024, 32) })
  await expect(page.getByTestId('banners')).toContainText('at most 20 MB')
  expect(await js<string>(page, 'runtime.sched.trace.hex()')).toBe(before)
  // A good file is shown at its end, paused, beside the untouched cluster.
  await page.getByTestId('tt-file').setInputFiles({ name: 'run.json', mimeType: 'application/json', buffer: Buffer.from(good) })
  await expect(page.getByTestId('tt-status')).toHaveText(`Viewing the past: t = ${(rec.end / 1000).toFixed(1)} s`)
  expect(await js<string>(page, 'runtime.sched.trace.hex()')).toBe(before)
  // A link to the moment at 2 s: opening it shows that run at 2 s, paused.
  await page.evaluate(() => window.__raftlab.ui!.lab.timetravel.goTo(2000))
  await expect(page.getByTestId('tt-status')).toHaveText('Viewing the past: t = 2.0 s')
  const link = await page.evaluate(() => window.__raftlab.ui!.lab.timetravel.momentLink())
  const hash2 = await js<string>(page, 'runtime.sched.trace.hex()')
  expect(link!.length).toBeLessThan(8000)
  await page.getByTestId('tt-live').click()
  await page.goto(link!.replace(/autoplay=0&?/, 'autoplay=0&'))
  await waitReady(page)
  await expect(page.getByTestId('tt-status')).toHaveText('Viewing the past: t = 2.0 s', { timeout: 20_000 })
  expect(await js<string>(page, 'runtime.sched.trace.hex()')).toBe(hash2)
  expect(await js<string>(page, 'runtime.driver.mode')).toBe('paused')
  expect(errors).toEqual([])
})
