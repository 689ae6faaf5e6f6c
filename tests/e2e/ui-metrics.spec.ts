import { test, expect, type Page } from '@playwright/test'
import { mkdirSync, readFileSync } from 'node:fs'
import { expectNoErrors, fastForward, js, openLab, waitLeader, watchErrors } from './ui-support.ts'

const OUT = 'test-results/screens'
const NODES = ['n1', 'n2', 'n3', 'n4', 'n5']

/** Texts under `testid` drawn smaller than 16 px (nothing that carries meaning may be, at 1920x1080). */
function smallText(page: Page, testid: string): Promise<string[]> {
  return page.getByTestId(testid).evaluate((root) => {
    const out: string[] = []
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement
      if (!el || !n.textContent?.trim() || el.getClientRects().length === 0) continue
      const px = parseFloat(getComputedStyle(el).fontSize)
      if (px < 16) out.push(`${n.textContent.trim().slice(0, 30)} (${px}px)`)
    }
    return out
  })
}

async function run(page: Page, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) await fastForward(page, 100)
}

test.describe('metrics tab', () => {
  test('plots of a running cluster under load, sane numbers, CSV export', async ({ page }) => {
    test.setTimeout(120_000)
    const errors = watchErrors(page)
    await page.setViewportSize({ width: 1920, height: 1080 })
    await openLab(page, 'm-plots', '&v=1&n=5&seed=3')
    // uPlot is not part of the first load: it arrives with the tab.
    const before = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name))
    expect(before.some((n) => /MetricsTab/.test(n))).toBe(false)
    await page.keyboard.press('m')
    const panel = page.getByTestId('metrics-panel')
    await expect(panel).toBeVisible()
    const after = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name))
    expect(after.some((n) => /MetricsTab/.test(n))).toBe(true)

    await waitLeader(page)
    await js(page, `lab.setLoad(true)`)
    await run(page, 1500)

    for (const id of ['plot-elections', 'plot-commit', 'plot-histogram', 'plot-throughput', 'plot-apply', 'plot-health', 'plot-behind', 'plot-messages']) {
      const plot = page.getByTestId(id)
      await expect(plot.locator('canvas')).toHaveCount(1)
      await expect.poll(async () => Number(await plot.getAttribute('data-points'))).toBeGreaterThan(0)
      await expect(page.getByTestId(`${id}-caption`)).not.toBeEmpty()
    }
    await expect.poll(async () => Number(await page.getByTestId('metric-elections').textContent())).toBeGreaterThanOrEqual(1)
    await expect.poll(async () => Number(await page.getByTestId('metric-commit-rate').getAttribute('data-value'))).toBeGreaterThan(0)
    await expect(page.getByTestId('metric-commit-p50')).toHaveText(/^\d+(\.\d)? ms$/)
    await expect(page.getByTestId('metric-leader-share')).toHaveText(/^\d+%$/)
    await expect(page.getByTestId('plot-elections-caption')).toContainText(/Election latency.*last \d+ ms/)
    await expect(page.getByTestId('metrics-nodes').locator('tbody tr')).toHaveCount(5)
    expect(await smallText(page, 'metrics-tab')).toEqual([])

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('metrics-csv').click()])
    expect(download.suggestedFilename()).toMatch(/\.csv$/)
    const text = readFileSync(await download.path(), 'utf8')
    const lines = text.trim().split('\n')
    expect(lines[0].split(',').slice(0, 3)).toEqual(['time_s', 'elections', 'campaigns'])
    expect(lines[0]).toContain('msgs_heartbeat_per_s')
    expect(lines.length).toBeGreaterThan(5)
    const cols = lines[0].split(',').length
    for (const l of lines.slice(1)) expect(l.split(',').length).toBe(cols)
    const committed = lines.slice(1).map((l) => Number(l.split(',')[6]))
    expect(committed.some((x) => x > 0)).toBe(true)

    mkdirSync(OUT, { recursive: true })
    await page.screenshot({ path: `${OUT}/metrics-1920.png` })
    for (const y of [800, 1600, 2400]) {
      await page.locator('.tab-body').evaluate((e, top) => (e.scrollTop = top), y)
      await page.screenshot({ path: `${OUT}/metrics-1920-${y}.png` })
    }
    await page.keyboard.press('d')
    await page.waitForTimeout(300)
    await page.screenshot({ path: `${OUT}/metrics-dark-1920.png` })
    await page.setViewportSize({ width: 1280, height: 720 })
    await page.waitForTimeout(300)
    await page.screenshot({ path: `${OUT}/metrics-dark-1280.png` })
    await expectNoErrors(errors)
  })

  test('history lane: ok bars with their index; a write in the minority ends unknown and is not in the state', async ({ page }) => {
    test.setTimeout(120_000)
    const errors = watchErrors(page)
    await page.setViewportSize({ width: 1280, height: 720 })
    await openLab(page, 'm-history', '&v=1&n=5&seed=3')
    const leader = await waitLeader(page)
    await js(page, `lab.setLoad(true)`)
    await run(page, 600)
    await page.keyboard.press('m')
    await page.getByTestId('metrics-view-history').click()
    const lane = page.getByTestId('history-lane')
    await expect(lane).toBeVisible()
    // Operations before the tab opened come from the checker's history, which has no log index: run some more.
    await run(page, 500)
    const ok = lane.locator('[data-testid="history-bar"][data-status="ok"][data-index]')
    await expect.poll(() => ok.count()).toBeGreaterThan(3)
    expect(Number(await ok.first().getAttribute('data-index'))).toBeGreaterThan(0)
    await expect(ok.first()).toHaveAttribute('title', /: ok, log index \d+, answered by n\d/)

    // Cut the leader off with one follower, and write to it at once (it is still the only leader).
    const buddy = NODES.find((n) => n !== leader)!
    await js(page, `(lab.setMulti(['${leader}', '${buddy}']), lab.partitionSelected())`)
    await expect.poll(() => js<string[][]>(page, `runtime.sched.network.config.partition`)).toContainEqual([leader, buddy].sort())
    expect(await js<string | null>(page, `runtime.sched.likelyLeader()`)).toBe(leader)
    await js(page, `lab.submit('set', 'minority', 'lost')`)
    // The client gives up after 3 s of virtual time: the outcome is unknown.
    await run(page, 3500)
    await js(page, `lab.heal()`)
    await run(page, 1500)
    await expect.poll(() => js<string | null>(page, `lab.leaderId()`)).not.toBe(leader)

    const row = page.getByTestId('history-yours').getByTestId('history-op').first()
    await expect(row).toHaveAttribute('data-status', 'unknown')
    await expect(row).toContainText('set minority=lost')
    await expect(row.getByTestId('history-state')).toHaveAttribute('data-state', 'not', { timeout: 10_000 })
    await expect(row.getByTestId('history-state')).toContainText('not in the current state')
    await expect(row.getByTestId('history-state')).toContainText(/rolled back/)
    // Its bar ended 2 s ago: widen the lane's span to see it.
    await page.getByTestId('history-span').selectOption('5000')
    await expect(lane.locator('[data-testid="history-bar"][data-status="unknown"]').first()).toHaveAttribute('title', /set minority=lost: unknown/)

    // The history so far is linearizable (the unknown write may simply never have happened).
    await page.getByTestId('history-check').click()
    await expect(page.getByTestId('history-verdict')).toHaveAttribute('data-kind', 'ok', { timeout: 20_000 })
    await expect(page.getByTestId('history-verdict')).toContainText('Linearizable')
    mkdirSync(OUT, { recursive: true })
    await page.screenshot({ path: `${OUT}/history-1280.png` })
    await page.setViewportSize({ width: 1920, height: 1080 })
    await page.waitForTimeout(300)
    await page.screenshot({ path: `${OUT}/history-1920.png` })
    await expectNoErrors(errors)
  })
})

test('a stale read (an unsafe switch) is not linearizable: the verdict says so and highlights the failing fragment', async ({ page }) => {
  test.setTimeout(120_000)
  const errors = watchErrors(page)
  await page.setViewportSize({ width: 1920, height: 1080 })
  await openLab(page, 'm-stale', '&v=1&n=5&seed=3')
  const old = await waitLeader(page)
  // The old leader keeps leading without a quorum and answers reads from its own state.
  await js(page, `lab.setParams({ checkQuorum: false, unsafe: { leaseReadsWithoutCheck: true } })`)
  await run(page, 300)
  await js(page, `lab.submit('set', 'x', 'old')`)
  await run(page, 300)
  const buddy = NODES.find((n) => n !== old)!
  await js(page, `(lab.setMulti(['${old}', '${buddy}']), lab.partitionSelected())`)
  let fresh: string | null = null
  for (let i = 0; i < 30 && !fresh; i++) {
    await run(page, 100)
    fresh = await js<string | null>(page, `(() => { const s = runtime.sched; return s.nodeIds().find((id) => id !== '${old}' && s.summary(id)?.role === 'leader') ?? null })()`)
  }
  expect(fresh).not.toBeNull()
  await js(page, `lab.submit('set', 'x', 'new')`)
  await run(page, 500)
  // With the new leader paused, the client's best guess is the old leader: it answers from its stale state.
  await js(page, `lab.pauseOrResume('${fresh}')`)
  await run(page, 100)
  await js(page, `lab.submit('get', 'x')`)
  await run(page, 500)

  await page.keyboard.press('m')
  await page.getByTestId('metrics-view-history').click()
  await page.getByTestId('history-check').click()
  const verdict = page.getByTestId('history-verdict')
  await expect(verdict).toHaveAttribute('data-kind', 'fail', { timeout: 20_000 })
  await expect(verdict).toContainText('Not linearizable')
  await expect(verdict).toContainText('“x”')
  await expect(page.getByTestId('history-fragment').locator('li')).not.toHaveCount(0)
  const stale = page.getByTestId('history-yours').getByTestId('history-op').first()
  await expect(stale).toContainText('get x')
  await expect(stale).toHaveClass(/failing/)
  mkdirSync(OUT, { recursive: true })
  await page.screenshot({ path: `${OUT}/history-fail-1920.png` })
  expect(await smallText(page, 'metrics-tab')).toEqual([])
  await expectNoErrors(errors)
})
