import { test, expect, type Page } from '@playwright/test'
import { existsSync, mkdirSync } from 'node:fs'
import { expectNoErrors, fastForward, js, openLab, waitLeader, watchErrors } from './ui-support.ts'

/**
 * Screenshots at projector sizes, of a moment worth teaching: the leader cut off with one follower while clients
 * write, a new leader elected on the majority side, the old leader's uncommitted entries in conflict.
 * They go to test-results/screens/; with UPDATE_SCREENSHOTS=1 also to docs/ (the README's pictures).
 */
const OUT = 'test-results/screens'
const DOCS = process.env.UPDATE_SCREENSHOTS === '1'

async function scene(page: Page, name: string): Promise<void> {
  await openLab(page, name, '&v=1&n=5&seed=3&speed=0.1')
  const leader = await waitLeader(page)
  await js(page, `lab.setLoad(true)`)
  for (let i = 0; i < 6; i++) await fastForward(page, 100)
  const buddy = ['n1', 'n2', 'n3', 'n4', 'n5'].find((n) => n !== leader)!
  await js(page, `(lab.setMulti(['${leader}', '${buddy}']), lab.partitionSelected())`)
  for (let i = 0; i < 12; i++) await fastForward(page, 100)
  await js(page, `lab.select('${leader}')`)
  await js(page, `runtime.driver.play()`)
  await page.waitForTimeout(1500)
}

for (const [w, h, file] of [
  [1920, 1080, 'screenshot.png'],
  [1280, 720, 'screenshot-1280x720.png'],
] as const) {
  test(`screenshot at ${w}x${h}`, async ({ page }) => {
    test.setTimeout(120_000)
    const errors = watchErrors(page)
    await page.setViewportSize({ width: w, height: h })
    await scene(page, `shot-${w}`)
    await expect(page.getByRole('heading', { name: 'Raft Lab' })).toBeVisible()
    await expect(page.getByTestId('graph')).toBeVisible()
    await expect(page.getByTestId('timelines')).toBeVisible()
    mkdirSync(OUT, { recursive: true })
    await page.screenshot({ path: `${OUT}/${file}` })
    if (DOCS) await page.screenshot({ path: `docs/${file}` })
    expect(existsSync(`${OUT}/${file}`)).toBe(true)
    await page.keyboard.press('d')
    await page.waitForTimeout(300)
    await page.screenshot({ path: `${OUT}/dark-${file}` })
    if (DOCS) await page.screenshot({ path: `docs/dark-${file}` })
    await js(page, `runtime.driver.pause()`)
    await expectNoErrors(errors)
  })
}
