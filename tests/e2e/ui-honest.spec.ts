/**
 * Honest screens: every defect found hands-on gets a test here (the lecture-hall issue "Honest screens").
 * Set SHOTS=<dir> to also save screenshots of the screens these tests reach (for looking at, not for committing).
 */
import { test, expect, type Page } from '@playwright/test'
import { clickNode, expectNoErrors, fastForward, js, openLab, waitLeader, waitReady, watchErrors } from './ui-support.ts'

const SHOTS = process.env.SHOTS

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return
  const size = page.viewportSize()
  await page.screenshot({ path: `${SHOTS}/${name}-${size?.width ?? 0}.png` })
}

/** Write a key through the cluster and wait until the write is acknowledged. */
async function write(page: Page, key: string, value: string): Promise<void> {
  await js(page, `(window.__w = runtime.sched.submit('t', { op: 'set', key: '${key}', value: '${value}' }), window.__w.then((r) => (window.__wr = r.status)), 0)`)
  await expect(async () => {
    await fastForward(page, 100)
    expect(await js<string | undefined>(page, `window.__wr`)).toBe('ok')
  }).toPass({ timeout: 20_000 })
  await js(page, `(window.__wr = undefined, 0)`)
}

async function readOnLeader(page: Page, key: string): Promise<string | undefined> {
  const l = await waitLeader(page)
  await fastForward(page, 300)
  const kv = await js<[string, string][]>(page, `runtime.sched.kv('${l}')`)
  return kv.find(([k]) => k === key)?.[1]
}

for (const viewport of [
  { width: 1920, height: 1080 },
  { width: 1280, height: 720 },
]) {
  // The screens are tested at both sizes only when screenshots are wanted; the behaviour once.
  if (!SHOTS && viewport.width !== 1920) continue

  test.describe(`honest screens ${viewport.width}x${viewport.height}`, () => {
    test.use({ viewport })

    test('volatile storage: a reload says that memory was lost and nothing recovered, in the banner and the events', async ({ page }) => {
      const errors = watchErrors(page)
      await openLab(page, 'h-vol', '&store=volatile')
      await waitLeader(page)
      await write(page, 'gone', 'soon')
      await page.reload()
      await waitReady(page)
      const banners = page.getByTestId('banners')
      await expect(banners).toContainText('nothing was recovered')
      await expect(banners).not.toContainText('recovered from its disk')
      await page.getByTestId('tab-events').click()
      await page.getByTestId('event-search').fill('nothing to recover')
      await expect(page.getByTestId('event-list')).toContainText('n1 started empty: its storage is volatile')
      await expect(page.getByTestId('event-list')).not.toContainText('recovered from its disk')
      await shot(page, 'volatile-reload')
      await expectNoErrors(errors)
    })

    test('a durable reload says that a lower recovered commit is correct Raft', async ({ page }) => {
      await openLab(page, 'h-dur')
      await waitLeader(page)
      await write(page, 'a', '1')
      await page.reload()
      await waitReady(page)
      await expect(page.getByTestId('banners')).toContainText('correct Raft')
    })

    test('a share link with another setup asks first; "Keep" keeps the stored cluster and its keys', async ({ page }) => {
      const errors = watchErrors(page)
      await openLab(page, 'h-keep')
      await waitLeader(page)
      await write(page, 'before', 'kept')
      await page.goto('./?cluster=h-keep&autoplay=0&n=5&seed=8')
      await waitReady(page)
      const dlg = page.getByTestId('share-choice')
      await expect(dlg).toBeVisible()
      await expect(page.getByTestId('share-choice-stored')).toContainText('3 nodes')
      const entries = await js<number>(page, `Math.max(...lab.view.nodes.map((n) => n.summary.lastIndex))`)
      expect(entries).toBeGreaterThanOrEqual(2)
      await expect(page.getByTestId('share-choice-stored')).toContainText(`a log of ${entries} entries`)
      await expect(page.getByTestId('share-choice-stored')).toContainText('last opened')
      await expect(page.getByTestId('share-choice-link')).toContainText('5 nodes')
      // Nothing runs while the user decides.
      expect(await js<string>(page, `runtime.driver.mode`)).toBe('paused')
      await shot(page, 'share-choice')
      await page.getByTestId('share-choice-keep').click()
      await expect(dlg).toBeHidden()
      expect(await js<string[]>(page, `lab.nodeIds()`)).toEqual(['n1', 'n2', 'n3'])
      expect(await readOnLeader(page, 'before')).toBe('kept')
      // The link is forgotten: a reload recovers the stored cluster again, without asking.
      expect(new URL(page.url()).searchParams.has('n')).toBe(false)
      await page.reload()
      await waitReady(page)
      await expect(dlg).toBeHidden()
      expect(await readOnLeader(page, 'before')).toBe('kept')
      await expectNoErrors(errors)
    })

    test('a share link with another setup: "Open the link’s cluster" discards the stored one, as it says', async ({ page }) => {
      await openLab(page, 'h-open')
      await waitLeader(page)
      await write(page, 'before', 'x')
      await page.goto('./?cluster=h-open&autoplay=0&n=5&seed=8')
      await waitReady(page)
      await page.getByTestId('share-choice-open').click()
      await expect(page.getByTestId('share-choice')).toBeHidden()
      await expect.poll(() => js<string[]>(page, `lab.nodeIds()`)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5'])
      expect(await js<number>(page, `runtime.sched.spec.seed`)).toBe(8)
      expect(await readOnLeader(page, 'before')).toBeUndefined()
    })

    test('a share link with another setup can open beside the stored cluster: both survive', async ({ page }) => {
      await openLab(page, 'h-beside')
      await waitLeader(page)
      await write(page, 'before', 'kept')
      await page.goto('./?cluster=h-beside&autoplay=0&n=5&seed=8')
      await waitReady(page)
      await expect(page.getByTestId('share-choice-beside')).toContainText('h-beside-2')
      await page.getByTestId('share-choice-beside').click()
      await page.waitForURL(/cluster=h-beside-2/)
      await waitReady(page)
      await expect(page.getByTestId('share-choice')).toBeHidden()
      expect(await js<string[]>(page, `lab.nodeIds()`)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5'])
      await page.goto('./?cluster=h-beside&autoplay=0')
      await waitReady(page)
      expect(await js<string[]>(page, `lab.nodeIds()`)).toEqual(['n1', 'n2', 'n3'])
      expect(await readOnLeader(page, 'before')).toBe('kept')
    })

    test('a link opened while another tab holds the cluster keeps its setup through "Take over here"', async ({ page, context }) => {
      await openLab(page, 'h-take')
      await waitLeader(page)
      await write(page, 'before', 'kept')
      const other = await context.newPage()
      await other.goto('./?cluster=h-take&autoplay=0&n=5&seed=8')
      await expect(other.getByTestId('banners')).toContainText('already running in another tab')
      await other.getByRole('button', { name: 'Take over here' }).click()
      await expect(other.getByTestId('share-choice')).toBeVisible({ timeout: 20_000 })
      await expect(other.getByTestId('share-choice-link')).toContainText('5 nodes')
      await other.getByTestId('share-choice-open').click()
      await expect.poll(() => js<string[]>(other, `lab.nodeIds()`)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5'])
    })

    test('the inspector of a crashed node shows that its memory is gone and what its disk holds', async ({ page }) => {
      await openLab(page, 'h-crash')
      const l = await waitLeader(page)
      await write(page, 'k', 'v')
      await clickNode(page, l)
      await expect(page.getByTestId('progress')).toBeVisible()
      await page.getByTestId('crash').click()
      await expect.poll(() => js<string>(page, `runtime.sched.nodeState('${l}')`)).toBe('crashed')
      const insp = page.getByTestId('inspector')
      await expect(insp.getByTestId('memory-gone')).toContainText('its memory is gone')
      await expect(insp.getByTestId('progress')).toHaveCount(0)
      await expect(insp).not.toContainText('Volatile state')
      await expect(insp.getByTestId('inspector-kv')).toHaveCount(0)
      await expect(insp.getByTestId('disk')).toContainText('log up to index')
      await expect(insp.locator('header .pill')).toHaveText('crashed')
      await shot(page, 'crashed-inspector')
    })

    test('the hard state does not call commit persisted: it shows what the disk holds', async ({ page }) => {
      await openLab(page, 'h-hard')
      const l = await waitLeader(page)
      await write(page, 'k', 'v')
      await clickNode(page, l)
      const insp = page.getByTestId('inspector')
      await expect(insp).not.toContainText('persisted before sending')
      await expect(insp.getByTestId('hard-commit')).toContainText('on disk')
      const mem = await js<number>(page, `runtime.sched.summary('${l}').commit`)
      const disk = await js<number>(page, `runtime.sched.summary('${l}').persistedCommit`)
      expect(disk).toBeLessThanOrEqual(mem)
      await expect(insp.getByTestId('hard-commit')).toContainText(String(mem))
    })

    test('a node being removed is drawn as leaving, not as a joining learner, and the pill says the leader removes itself', async ({ page }) => {
      await openLab(page, 'h-remove')
      const l = await waitLeader(page)
      await js(page, `(lab.removeNode('${l}', true), 0)`)
      await expect(page.getByTestId('busy')).toContainText('itself')
      await expect(page.getByTestId('busy')).not.toContainText(`asking ${l} to remove ${l}`)
      let outOfConfig = 0
      for (let i = 0; i < 60; i++) {
        const present = await js<boolean>(page, `lab.nodeIds().includes('${l}')`)
        if (!present) break
        const voters = await js<string[]>(page, `lab.view.voters`)
        const classes = await js<string>(page, `graph.cy.$id('${l}').classes().join(' ')`)
        const view = await js<{ joining: boolean; leaving: boolean } | undefined>(page, `lab.view.nodes.find((n) => n.id === '${l}')`)
        if (voters.length > 0 && !voters.includes(l)) {
          outOfConfig++
          expect(classes).not.toContain('joining')
          expect(view?.joining).toBe(false)
          expect(view?.leaving).toBe(true)
          if (outOfConfig === 1) {
            await page.waitForTimeout(100)
            await shot(page, 'leaving')
          }
        }
        // Then let the page draw (and publish its panels) once before looking again: the view is what is drawn.
        const drawn = await js<number>(page, `lab.loop.drawnFrames`)
        await fastForward(page, 20)
        await expect.poll(() => js<number>(page, `lab.loop.drawnFrames`), { timeout: 5_000 }).toBeGreaterThan(drawn)
      }
      expect(outOfConfig).toBeGreaterThan(0)
      await expect.poll(() => js<string[]>(page, `lab.nodeIds()`), { timeout: 20_000 }).not.toContain(l)
    })

    test('an election timeout forced on a follower that hears its leader says why nothing happens, on the graph', async ({ page }) => {
      await openLab(page, 'h-timeout')
      const l = await waitLeader(page)
      await fastForward(page, 500)
      const ids = await js<string[]>(page, `lab.nodeIds()`)
      const f = ids.find((id) => id !== l)!
      await clickNode(page, f)
      await page.getByTestId('timeout').click()
      let text = ''
      await expect(async () => {
        await fastForward(page, 20)
        const shown = await js<{ node: string; text: string }[]>(page, `graph.calloutsShown()`)
        text = shown.find((c) => c.node === f)?.text ?? ''
        expect(text).not.toBe('')
      }).toPass({ timeout: 20_000 })
      expect(text).toMatch(/leader/)
      expect(await js<string>(page, `runtime.sched.summary('${f}').role`)).toBe('follower')
      await shot(page, 'timeout-callout')
      // On the leader a timeout does nothing at all (its button is disabled; the E key still fires it): the callout
      // says so at once.
      await clickNode(page, l)
      await expect(page.getByTestId('timeout')).toBeDisabled()
      await page.keyboard.press('e')
      await expect.poll(async () => (await js<{ node: string; text: string }[]>(page, `graph.calloutsShown()`)).find((c) => c.node === l)?.text ?? '').toContain('Already leader')
    })

    test('fast-forward: a labelled seconds box, out-of-range input refused with a sentence, and a Stop button', async ({ page }) => {
      await openLab(page, 'h-ff')
      const box = page.getByLabel('Fast-forward by (seconds)')
      await expect(box).toBeVisible()
      const t0 = await js<number>(page, `runtime.sched.now`)
      await box.fill('100000')
      await page.getByTestId('ff').click()
      await expect(page.getByTestId('banners')).toContainText('0.1 to 600 seconds')
      await expect(page.getByTestId('banners')).toContainText('100000')
      expect(await js<number>(page, `runtime.sched.now`)).toBe(t0)
      expect(await box.inputValue()).toBe('100000')

      await box.fill('600')
      await page.getByTestId('ff').click()
      const stop = page.getByTestId('ff-stop')
      await expect(stop).toBeVisible()
      await shot(page, 'ff-running')
      await stop.click()
      await expect(page.getByTestId('ff')).toBeVisible({ timeout: 20_000 })
      await expect(page.getByTestId('busy')).toHaveCount(0)
      expect(await js<number>(page, `runtime.sched.now`)).toBeLessThan(t0 + 600_000)
      // Escape stops it too.
      await page.getByTestId('ff').click()
      await expect(stop).toBeVisible()
      await page.keyboard.press('Escape')
      await expect(page.getByTestId('ff')).toBeVisible({ timeout: 20_000 })
      expect(await js<number>(page, `runtime.sched.now`)).toBeLessThan(t0 + 1_200_000)
    })
  })
}
