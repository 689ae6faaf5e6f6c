import { test, expect, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { expectNoErrors, fastForward, js, openLab, waitLeader, watchErrors } from './ui-support.ts'

/**
 * Readable from the last row of a lecture hall: text that carries meaning is at least 16 px at 1920x1080 (HTML by its
 * computed size; the canvas timelines and the graph by the size their drawing code uses), node names stay readable
 * with nine nodes at 1280x720, nothing the screen needs is cut off at 1280 and 1024 wide, and projector mode goes
 * bigger. Screenshots go to test-results/readable/ for a person to look at.
 */
const OUT = 'test-results/readable'
const LONG_VALUE = 'a value that is much too long to fit in a column'

async function busyScene(page: Page, name: string, n = 5): Promise<string> {
  await openLab(page, name, `&v=1&n=${n}&seed=3&speed=0.1`)
  const leader = await waitLeader(page)
  await js(page, `lab.setLoad(true)`)
  for (let i = 0; i < 8; i++) await fastForward(page, 100)
  await js(page, `lab.submit('set', 'a-rather-long-key-name', '${LONG_VALUE}', null)`)
  for (let i = 0; i < 4; i++) await fastForward(page, 100)
  await js(page, `lab.setLoad(false)`)
  await fastForward(page, 300)
  return leader
}

/** Visible elements inside `root` whose own text is smaller than `min` px: [text, size]. */
function smallText(page: Page, root: string, min: number): Promise<[string, number][]> {
  return page.evaluate(
    ([sel, lo]) => {
      const out: [string, number][] = []
      for (const host of document.querySelectorAll(sel)) {
        for (const el of host.querySelectorAll<HTMLElement>('*')) {
          const own = [...el.childNodes].some((c) => c.nodeType === Node.TEXT_NODE && c.textContent!.trim() !== '')
          if (!own || el.closest('.sr-only')) continue
          const r = el.getBoundingClientRect()
          if (r.width === 0 || r.height === 0) continue
          const size = parseFloat(getComputedStyle(el).fontSize)
          if (size < lo) out.push([el.textContent!.trim().slice(0, 40), size])
        }
      }
      return out
    },
    [root, min] as const,
  )
}

async function textPx(page: Page): Promise<number> {
  return Number(await page.getByTestId('timeline-scroller').locator('canvas').getAttribute('data-text-px'))
}

test('at 1920x1080 every text that carries meaning is at least 16 px', async ({ page }) => {
  test.setTimeout(120_000)
  const errors = watchErrors(page)
  await page.setViewportSize({ width: 1920, height: 1080 })
  await busyScene(page, 'readable-sizes')
  // HTML: top bar, node actions, legend (open), timelines header, and every tab of the side panel.
  await expect(page.getByTestId('legend').locator('ul')).toBeVisible()
  for (const tab of ['inspector', 'client', 'settings', 'safety', 'events']) {
    await js(page, `lab.setTab('${tab}')`)
    if (tab === 'inspector') await js(page, `lab.select('n2')`)
    await page.waitForTimeout(150)
    expect(await smallText(page, '.lab', 16), `tab ${tab}`).toEqual([])
  }
  // Canvas: the timelines' text and the graph's names and captions, as the drawing code sizes them.
  expect(await textPx(page)).toBeGreaterThanOrEqual(16)
  const sizes = await js<{ name: number; caption: number }>(page, 'graph.textSizes()')
  expect(sizes.name).toBeGreaterThanOrEqual(16)
  expect(sizes.caption).toBeGreaterThanOrEqual(16)
  // With nine nodes too.
  await page.goto('about:blank')
  await openLab(page, 'readable-sizes-9', '&v=1&n=9&seed=3')
  await waitLeader(page)
  expect(await textPx(page)).toBeGreaterThanOrEqual(16)
  const nine = await js<{ name: number; caption: number }>(page, 'graph.textSizes()')
  expect(nine.name).toBeGreaterThanOrEqual(16)
  expect(nine.caption).toBeGreaterThanOrEqual(16)
  await expectNoErrors(errors)
})

test('nine nodes at 1280x720: names at least 16 px and the nodes do not overlap', async ({ page }) => {
  const errors = watchErrors(page)
  await page.setViewportSize({ width: 1280, height: 720 })
  await openLab(page, 'readable-nine', '&v=1&n=9&seed=3')
  await waitLeader(page)
  const sizes = await js<{ name: number }>(page, 'graph.textSizes()')
  expect(sizes.name).toBeGreaterThanOrEqual(16)
  const pos = await js<{ x: number; y: number }[]>(page, `lab.nodeIds().map((id) => graph.nodeClientPosition(id))`)
  const diameter = await js<number>(page, `graph.cy.$id('n1').renderedOuterWidth()`)
  // Each name fits inside its node, and the nodes keep apart.
  expect(diameter).toBeGreaterThan(sizes.name * 2)
  for (let i = 0; i < pos.length; i++)
    for (let j = i + 1; j < pos.length; j++) expect(Math.hypot(pos[i].x - pos[j].x, pos[i].y - pos[j].y)).toBeGreaterThan(diameter * 1.3)
  await expectNoErrors(errors)
})

for (const [w, h] of [
  [1280, 720],
  [1024, 768],
] as const) {
  test(`at ${w}x${h} the top bar is one row with named buttons, and the client's operations fit the panel`, async ({ page }) => {
    test.setTimeout(90_000)
    const errors = watchErrors(page)
    await page.setViewportSize({ width: w, height: h })
    await busyScene(page, `readable-fit-${w}`)
    // Top bar: one row (every control's middle on one line), every button named.
    const bar = page.locator('header.topbar')
    const mids = await bar.locator('button, input, output, .clock').evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect()
        return r.top + r.height / 2
      }),
    )
    expect(Math.max(...mids) - Math.min(...mids)).toBeLessThan(8)
    const box = (await bar.boundingBox())!
    expect(box.height).toBeLessThan(64)
    for (const b of await bar.locator('button').all()) expect((await b.getAttribute('aria-label')) ?? (await b.innerText()).trim()).not.toBe('')
    // The client's operations: inside the panel, the outcome visible, the latency rounded, long text cut with a title.
    await js(page, `lab.setTab('client')`)
    const panel = page.getByTestId('kv-panel')
    const table = panel.getByTestId('kv-ops')
    const tb = (await table.boundingBox())!
    const pb = (await page.locator('aside.panel').boundingBox())!
    expect(tb.x + tb.width).toBeLessThanOrEqual(pb.x + pb.width + 0.5)
    const long = table.locator('tr', { hasText: 'a-rather-long-key-name' })
    const pill = long.locator('.pill')
    await expect(pill).toBeVisible()
    const pbx = (await pill.boundingBox())!
    expect(pbx.x + pbx.width).toBeLessThanOrEqual(pb.x + pb.width)
    await expect(long.locator(`[title="set a-rather-long-key-name=${LONG_VALUE}"]`)).toBeVisible()
    for (const l of await table.getByTestId('kv-latency').allInnerTexts()) expect(l).toMatch(/^\d+ ms$/)
    mkdirSync(OUT, { recursive: true })
    await page.screenshot({ path: `${OUT}/client-${w}x${h}.png` })
    await expectNoErrors(errors)
  })
}

test('event sentences are shown whole, never cut', async ({ page }) => {
  const errors = watchErrors(page)
  await page.setViewportSize({ width: 1280, height: 720 })
  await busyScene(page, 'readable-events')
  await js(page, `lab.setTab('events')`)
  const texts = page.getByTestId('event-list').locator('.row .text')
  await expect(texts.first()).toBeVisible()
  const cut = await texts.evaluateAll((els) =>
    els.filter((e) => e.scrollHeight > e.clientHeight + 1 || e.getBoundingClientRect().bottom > e.parentElement!.getBoundingClientRect().bottom + 1).map((e) => e.textContent),
  )
  expect(cut).toEqual([])
  // Some sentences need three lines in this narrow panel, and get them.
  const lines = await texts.evaluateAll((els) => Math.max(...els.map((e) => Math.round(e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)))))
  expect(lines).toBeGreaterThanOrEqual(3)
  await expectNoErrors(errors)
})

test('projector mode (Shift+P): bigger, no side panel, presenter keys step and blank the screen', async ({ page }) => {
  const errors = watchErrors(page)
  await page.setViewportSize({ width: 1920, height: 1080 })
  await openLab(page, 'readable-projector', '&v=1&n=5&seed=3')
  await waitLeader(page)
  const before = await js<{ name: number; caption: number }>(page, 'graph.textSizes()')
  const rootBefore = await page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize))
  await expect(page.locator('aside.panel')).toBeVisible()
  await page.keyboard.press('Shift+P')
  await expect(page.getByTestId('projector')).toHaveAttribute('aria-pressed', 'true')
  await expect(page.locator('aside.panel')).toHaveCount(0)
  await expect.poll(() => textPx(page)).toBeGreaterThanOrEqual(20)
  await expect.poll(async () => (await js<{ name: number }>(page, 'graph.textSizes()')).name).toBeGreaterThan(before.name)
  expect((await js<{ caption: number }>(page, 'graph.textSizes()')).caption).toBeGreaterThan(before.caption)
  expect(await page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize))).toBeGreaterThan(rootBefore)
  // The top bar still fits: its last button is on screen.
  const help = (await page.getByTestId('help').boundingBox())!
  expect(help.x + help.width).toBeLessThanOrEqual(1920)
  // High contrast: muted text is near black on white.
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--muted').trim())).toBe('#2b2f36')
  // Presenter keys: PageDown (a clicker's "next") steps; without narration yet, a step is the next event.
  const events = await js<number>(page, 'lab.feed.recordCount')
  await page.keyboard.press('PageDown')
  await expect.poll(() => js<number>(page, 'lab.feed.recordCount')).toBeGreaterThan(events)
  await page.keyboard.press('b')
  await expect(page.getByTestId('blank-screen')).toBeVisible()
  // While blank, other keys do nothing.
  await page.keyboard.press('g')
  await expect(page.locator('aside.panel')).toHaveCount(0)
  await page.keyboard.press('b')
  await expect(page.getByTestId('blank-screen')).toHaveCount(0)
  mkdirSync(OUT, { recursive: true })
  await page.screenshot({ path: `${OUT}/projector-1920x1080.png` })
  await page.keyboard.press('Shift+P')
  await expect(page.locator('aside.panel')).toBeVisible()
  await expect.poll(() => textPx(page)).toBe(16)
  // Out of projector mode the presenter keys are ordinary again: b does not blank.
  await page.keyboard.press('b')
  await expect(page.getByTestId('blank-screen')).toHaveCount(0)
  await expectNoErrors(errors)
})

for (const [w, h] of [
  [1920, 1080],
  [1280, 720],
  [1024, 768],
] as const) {
  test(`screens at ${w}x${h}`, async ({ page }) => {
    test.setTimeout(120_000)
    const errors = watchErrors(page)
    await page.setViewportSize({ width: w, height: h })
    const leader = await busyScene(page, `readable-${w}`, w === 1280 ? 9 : 5)
    const other = (await js<string[]>(page, 'lab.nodeIds()')).find((id) => id !== leader)!
    await js(page, `lab.select('${other}')`)
    await js(page, `lab.crashOrRestart()`)
    await fastForward(page, 200)
    mkdirSync(OUT, { recursive: true })
    await page.screenshot({ path: `${OUT}/main-${w}x${h}.png` })
    await js(page, `lab.setTab('events')`)
    await page.waitForTimeout(200)
    await page.screenshot({ path: `${OUT}/events-${w}x${h}.png` })
    await expect(page.getByTestId('timelines')).toBeVisible()
    await expectNoErrors(errors)
  })
}
