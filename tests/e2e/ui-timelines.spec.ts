import { test, expect } from '@playwright/test'
import { fastForward, js, openLab, waitLeader } from './ui-support.ts'

test.describe('log timelines', () => {
  test('one row per node with commit, applied and snapshot; long logs scroll and follow the tail', async ({ page }) => {
    test.setTimeout(120_000)
    await openLab(page, 't-rows', '&v=1&n=3&snap=30&speed=1')
    await waitLeader(page)
    await js(page, `lab.setLoad(true)`)
    for (let i = 0; i < 60; i++) await fastForward(page, 100)
    await js(page, `lab.setLoad(false)`)
    await fastForward(page, 500)
    const rows = page.getByTestId('timeline-rows').locator('li')
    await expect(rows).toHaveCount(3)
    for (let i = 0; i < 3; i++) {
      const r = rows.nth(i)
      expect(Number(await r.getAttribute('data-last'))).toBeGreaterThan(40)
      expect(Number(await r.getAttribute('data-commit'))).toBeGreaterThan(40)
      expect(Number(await r.getAttribute('data-applied'))).toBeGreaterThan(40)
      // A snapshot every 30 entries compacts the log: the row starts with the snapshot bracket.
      expect(Number(await r.getAttribute('data-snapshot'))).toBeGreaterThanOrEqual(30)
    }
    // The canvas names every row for screen readers.
    await expect(page.getByTestId('timeline-scroller').locator('canvas')).toHaveAttribute('aria-label', /n1: entries \d+–\d+, commit \d+/)

    const scroller = page.getByTestId('timeline-scroller')
    const atEnd = () => scroller.evaluate((el) => Math.abs(el.scrollLeft - (el.scrollWidth - el.clientWidth)) < 2)
    await expect.poll(atEnd).toBe(true)
    expect(await scroller.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true)
    await scroller.evaluate((el) => (el.scrollLeft = 0))
    await expect(page.getByTestId('follow-tail')).toBeVisible()
    await page.getByTestId('follow-tail').click()
    await expect.poll(atEnd).toBe(true)
    await expect(page.getByTestId('follow-tail')).toBeHidden()

    // Narrower entries: more of the log fits.
    const w0 = await scroller.evaluate((el) => el.scrollWidth)
    await page.getByRole('button', { name: 'Narrower entries' }).click()
    await expect.poll(() => scroller.evaluate((el) => el.scrollWidth)).toBeLessThan(w0)
  })

  test('clicking a row selects its node', async ({ page }) => {
    await openLab(page, 't-click')
    await waitLeader(page)
    const canvas = page.getByTestId('timeline-scroller').locator('canvas')
    const box = (await canvas.boundingBox())!
    // Header is 24 px; rows follow. Click the second row's label.
    const rowH = await js<number>(page, `(() => { const n = lab.nodeIds().length; return Math.max(20, Math.min(46, Math.floor((${box.height} - 26) / n))) })()`)
    await page.mouse.click(box.x + 20, box.y + 24 + rowH * 1.5)
    await expect.poll(() => js<string | null>(page, `lab.selected`)).toBe('n2')
  })
})
