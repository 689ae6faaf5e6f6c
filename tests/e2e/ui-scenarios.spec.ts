/**
 * Narrated scenarios (src/ui/state/scenarios.svelte.ts, src/ui/scenario/lesson.svelte.ts): each script of src/scenario/scripts opens from its link and
 * plays to its end, with the same run as the test runner's in Node (the same printed lines, the same trace hash);
 * a question, then its answer; the Figure 8 schedule with the bug switched on from the link ends on the live
 * checker's violation; an unknown name leaves the user's cluster as it was; Exit brings it back untouched.
 * Tests play fast (`speed=100`, and Next while the script plays skips to the next point).
 */
import { test, expect, type Page } from '@playwright/test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseScript } from '../../src/scenario/script.ts'
import { ScriptPlayer } from '../../src/scenario/run.ts'
import { SimScenarioCluster } from '../../src/scenario/sim-cluster.ts'
import type { UnsafeSwitch } from '../../src/scenario/script.ts'
import { fastForward, openLab, waitLeader, watchErrors, type Handle } from './ui-support.ts'

/** Where README screenshots go when set. */
const SHOTS = process.env.SHOTS

const DIR = join(import.meta.dirname, '../../src/scenario/scripts')
const NAMES = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .map((f) => f.replace(/\.txt$/, ''))
  .sort()

/** The test runner's run of a script in this process: every printed line (as the page's transcript has them) and the trace hash. */
function nodeRun(name: string, unsafe: UnsafeSwitch[] = []): { transcript: string[]; hash: string; blocks: { source: string; output: string[] }[] } {
  const script = parseScript(readFileSync(join(DIR, `${name}.txt`), 'utf8'), name)
  const player = new ScriptPlayer(script, (spec) => new SimScenarioCluster({ ...spec, unsafe: [...new Set([...spec.unsafe, ...unsafe])] }))
  const transcript: string[] = []
  const blocks: { source: string; output: string[] }[] = []
  for (let r = player.next(); r !== undefined; r = player.next()) {
    blocks.push({ source: r.block.source, output: r.output })
    if (r.block.command.kind === 'say' || r.block.command.kind === 'ask') continue
    transcript.push(`> ${r.block.source}`, ...r.output)
  }
  return { transcript, hash: (player.cluster as SimScenarioCluster).sim.traceHash(), blocks }
}

async function card(page: Page): Promise<string | null> {
  return page.getByTestId('scenario-card').getAttribute('data-card', { timeout: 30_000 })
}

/** Where the card is: its kind and narration point. */
async function at(page: Page): Promise<string> {
  const c = page.getByTestId('scenario-card')
  return `${await c.getAttribute('data-card', { timeout: 30_000 })}:${await c.getAttribute('data-point')}`
}

/** Press Next (the button) until the scenario ends; returns the page's transcript and trace hash. */
async function playToEnd(page: Page): Promise<{ transcript: string[]; hash: string }> {
  for (let i = 0; i < 400; i++) {
    const was = await at(page)
    if (was.startsWith('end') || was.startsWith('error')) break
    if (!was.startsWith('starting')) {
      // While the script plays it can reach its end (the violation stops it) between reading the card and the
      // click: the button is then gone, which is the end this loop waits for, not a failure.
      await page
        .getByTestId('scenario-next')
        .click({ timeout: 10_000 })
        .catch(async (e: unknown) => {
          if (!/^(end|error)/.test(await at(page))) throw e
        })
    }
    // The next point, or the script playing (the next click then skips ahead).
    await page.waitForFunction(
      (w) => {
        const el = document.querySelector('[data-testid=scenario-card]')
        const now = `${el?.getAttribute('data-card')}:${el?.getAttribute('data-point')}`
        return now !== w || now.startsWith('playing')
      },
      was,
      { timeout: 30_000 },
    )
  }
  expect(await card(page)).toBe('end')
  return page.evaluate(() => {
    const h = (window as unknown as { __raftlab: Handle }).__raftlab
    return { transcript: h.ui.lab.scenarios.lesson!.transcript.slice(), hash: h.runtime.sched!.trace.hex() }
  })
}

/** Take every next step at once, from inside the page (what the Next button calls); returns as playToEnd. */
async function runToEnd(page: Page): Promise<{ transcript: string[]; hash: string }> {
  await expect(page.getByTestId('scenario-card')).toBeVisible({ timeout: 30_000 })
  return page.evaluate(async () => {
    const h = (window as unknown as { __raftlab: Handle }).__raftlab
    const lesson = () => h.ui.lab.scenarios.lesson!
    for (let i = 0; i < 100_000; i++) {
      const k = lesson().card?.k
      if (k === 'end' || k === 'error') break
      lesson().next()
      await new Promise((r) => setTimeout(r, 2))
    }
    return { transcript: lesson().transcript.slice(), hash: h.runtime.sched!.trace.hex() }
  })
}

test('every scenario opens from its link, plays to its end, and is the run of the test runner in Node', async ({ page }) => {
  test.setTimeout(120_000)
  const errors = watchErrors(page)
  for (const name of NAMES) {
    await page.goto(`./?cluster=e2e-scenarios&autoplay=0&speed=100&scenario=${name}`)
    const header = parseScript(readFileSync(join(DIR, `${name}.txt`), 'utf8'), name).header
    await expect(page.getByTestId('scenario-title')).toHaveText(header.title)
    const got = await runToEnd(page)
    expect(await card(page)).toBe('end')
    await expect(page.getByTestId('scenario-paper')).toHaveText(`Read: ${header.paper}`)
    const want = nodeRun(name)
    expect(got.transcript, name).toEqual(want.transcript)
    expect(got.hash, name).toBe(want.hash)
  }
  expect(errors).toEqual([])
})

test('a question pauses, and its answer comes on the next key press', async ({ page }) => {
  const errors = watchErrors(page)
  await page.goto('./?cluster=e2e-scenarios&autoplay=0&speed=100&scenario=election')
  await expect(page.getByTestId('scenario-saved')).toContainText('not saved')
  while ((await card(page)) !== 'ask') {
    await page.keyboard.press('ArrowRight')
    await page.waitForTimeout(50)
  }
  await expect(page.getByTestId('scenario-question')).toHaveText('Will n1 win the election?')
  await expect(page.getByTestId('scenario-next')).toHaveText('Show answer')
  if (SHOTS) {
    // README: a paused narration point at 1920x1080 and 1280x720 (`SHOTS=docs/screenshots`).
    for (const [w, h] of [[1920, 1080], [1280, 720]]) {
      await page.setViewportSize({ width: w, height: h })
      await page.waitForTimeout(500)
      await page.screenshot({ path: `${SHOTS}/scenario-narration-${w}.png` })
    }
  }
  // The answer is not shown before the key press.
  await expect(page.getByTestId('scenario-answer')).toHaveCount(0)
  await page.locator('body').focus()
  await page.keyboard.press('Space')
  await expect(page.getByTestId('scenario-card')).toHaveAttribute('data-card', 'answer', { timeout: 30_000 })
  const blocks = nodeRun('election').blocks
  const at = blocks.findIndex((b) => b.source === 'ask Will n1 win the election?')
  await expect(page.getByTestId('scenario-answer').locator('li')).toHaveText(blocks[at + 1].output)
  expect(blocks[at + 1].output).toContain('n1: leader term 1')
  expect(errors).toEqual([])
})

test('the Figure 8 schedule with the bug switched on from the link ends on the live checker’s violation', async ({ page }) => {
  const errors = watchErrors(page)
  await page.goto('./?cluster=e2e-scenarios&autoplay=0&speed=100&scenario=figure8&unsafe=commitOldTermEntries')
  await expect(page.getByTestId('scenario-variant')).toContainText('commitOldTermEntries')
  const got = await playToEnd(page)
  await expect(page.getByTestId('scenario-stopped')).toBeVisible()
  const v = page.getByTestId('violation')
  await expect(v).toBeVisible()
  const property = await v.getAttribute('data-property')
  // The run is the test runner's with the switch on, up to the violation where the page stopped.
  const want = nodeRun('figure8', ['commitOldTermEntries'])
  const stop = want.transcript.findIndex((l) => l.startsWith('VIOLATION'))
  expect(got.transcript).toEqual(want.transcript.slice(0, stop + want.transcript.slice(stop).findIndex((l) => l === 'stopped at the violation') + 1))
  expect(want.transcript[stop]).toContain(`VIOLATION ${property}`)
  expect(errors).toEqual([])
})

test('the same link gives the same run twice', async ({ page }) => {
  const runs: { transcript: string[]; hash: string }[] = []
  for (let i = 0; i < 2; i++) {
    await page.goto('./?cluster=e2e-scenarios&autoplay=0&speed=100&scenario=split-vote')
    runs.push(await playToEnd(page))
  }
  expect(runs[1]).toEqual(runs[0])
  expect(runs[0].hash).toBe(nodeRun('split-vote').hash)
})

test('an unknown scenario is named in a sentence and the stored cluster comes back as it was', async ({ page }) => {
  const errors = watchErrors(page)
  await openLab(page, 'e2e-scenario-unknown')
  await waitLeader(page)
  await fastForward(page, 300)
  const before = await page.evaluate(() => {
    const s = (window as unknown as { __raftlab: Handle }).__raftlab.runtime.sched!
    return s.nodeIds().map((id) => s.summary(id)?.lastIndex ?? -1)
  })
  await page.goto('./?cluster=e2e-scenario-unknown&autoplay=0&scenario=no-such-thing')
  await expect(page.getByTestId('banner').filter({ hasText: 'There is no scenario called “no-such-thing”' })).toBeVisible()
  await expect(page.getByTestId('banners')).toHaveAttribute('data-phase', 'running', { timeout: 30_000 })
  const after = await page.evaluate(() => {
    const h = (window as unknown as { __raftlab: Handle }).__raftlab
    const s = h.runtime.sched!
    return { last: s.nodeIds().map((id) => s.recovery(id)?.lastIndex ?? -1), lesson: h.runtime.inLesson, url: location.search }
  })
  expect(after.lesson).toBe(false)
  expect(after.last).toEqual(before)
  expect(new URLSearchParams(after.url).has('scenario')).toBe(false)
  await expect(page.getByTestId('scenario-card')).toHaveCount(0)
  // A name that is not a scenario's shape is not repeated, and nothing of it is rendered as HTML.
  await page.goto('./?cluster=e2e-scenario-unknown&autoplay=0&scenario=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E')
  await expect(page.getByTestId('banner').filter({ hasText: 'There is no scenario called “?”' })).toBeVisible()
  await expect(page.locator('img[src=x]')).toHaveCount(0)
  expect(errors).toEqual([])
})

test('a scenario from the menu runs beside the user’s cluster, and Exit brings that cluster back untouched', async ({ page }) => {
  const errors = watchErrors(page)
  await openLab(page, 'e2e-scenario-menu')
  await waitLeader(page)
  const before = await page.evaluate(() => {
    const s = (window as unknown as { __raftlab: Handle }).__raftlab.runtime.sched!
    return { hash: s.trace.hex(), now: s.now }
  })
  await page.getByTestId('scenarios').click()
  const item = page.getByTestId('scenario-item-partitioned-leader')
  await expect(item).toContainText('A partitioned old leader cannot commit')
  await item.click()
  await expect(page.getByTestId('scenario-card')).toHaveAttribute('data-card', 'say', { timeout: 30_000 })
  expect(await page.evaluate(() => location.search)).toContain('scenario=partitioned-leader')
  // While it plays, the cluster follows the script: a node action is refused with a sentence.
  await page.getByTestId('step').click()
  await expect(page.getByTestId('banner').filter({ hasText: 'A scenario is playing' })).toBeVisible()
  await page.getByTestId('scenario-exit').click()
  await expect(page.getByTestId('scenario-card')).toHaveCount(0)
  const after = await page.evaluate(() => {
    const h = (window as unknown as { __raftlab: Handle }).__raftlab
    return { hash: h.runtime.sched!.trace.hex(), now: h.runtime.sched!.now, lesson: h.runtime.inLesson, url: location.search }
  })
  expect({ hash: after.hash, now: after.now }).toEqual(before)
  expect(after.lesson).toBe(false)
  expect(new URLSearchParams(after.url).has('scenario')).toBe(false)
  expect(errors).toEqual([])
})

test('in Chinese the scenario card speaks Chinese (the script’s own sentences stay as written)', async ({ page }) => {
  const errors = watchErrors(page)
  await page.goto('./?cluster=e2e-scenarios&autoplay=0&speed=100&lang=zh&scenario=election')
  await expect(page.getByTestId('scenario-card')).toHaveAttribute('data-card', 'say', { timeout: 30_000 })
  await expect(page.getByTestId('scenario-next')).toHaveText('下一步')
  await expect(page.getByTestId('scenario-exit')).toHaveText('退出场景')
  await expect(page.getByTestId('scenario-saved')).toContainText('不会保存')
  await expect(page.getByTestId('scenario-progress')).toHaveText(/^第 1 \/ \d+ 个要点$/)
  expect(errors).toEqual([])
})

test('Exit from a scenario opened by its link opens the cluster stored in this browser, and a reload no longer plays it', async ({ page }) => {
  const errors = watchErrors(page)
  await page.goto('./?cluster=e2e-scenario-exit&autoplay=0&speed=100&scenario=election')
  await expect(page.getByTestId('scenario-card')).toHaveAttribute('data-card', 'say', { timeout: 30_000 })
  await page.getByTestId('scenario-exit').click()
  await expect(page.getByTestId('scenario-card')).toHaveCount(0)
  await expect(page.getByTestId('banners')).toHaveAttribute('data-phase', 'running', { timeout: 30_000 })
  const s = await page.evaluate(() => {
    const h = (window as unknown as { __raftlab: Handle }).__raftlab
    return { lesson: h.runtime.inLesson, storage: h.runtime.sched!.spec.storage, name: h.runtime.sched!.spec.name, url: location.search }
  })
  expect(s).toMatchObject({ lesson: false, storage: 'durable', name: 'e2e-scenario-exit' })
  expect(new URLSearchParams(s.url).has('scenario')).toBe(false)
  await page.reload()
  await expect(page.getByTestId('banners')).toHaveAttribute('data-phase', 'running', { timeout: 30_000 })
  await expect(page.getByTestId('scenario-card')).toHaveCount(0)
  expect(errors).toEqual([])
})
