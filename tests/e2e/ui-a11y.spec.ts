import { test, expect, type Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { expectNoErrors, js, openLab, waitLeader, watchErrors } from './ui-support.ts'

/**
 * Accessibility: axe finds nothing serious or critical on the main screen (every tab, both themes, projector mode,
 * the dialogs), and every control is reached with the Tab key and shows where the focus is.
 */

async function serious(page: Page, what: string): Promise<void> {
  const r = await new AxeBuilder({ page }).include('.lab').analyze()
  const bad = r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`)
  expect(bad, what).toEqual([])
}

test('axe: no serious or critical findings', async ({ page }) => {
  test.setTimeout(120_000)
  const errors = watchErrors(page)
  await page.setViewportSize({ width: 1920, height: 1080 })
  await openLab(page, 'a11y-axe', '&v=1&n=5&seed=3')
  await waitLeader(page)
  await js(page, `lab.select('n2')`)
  for (const theme of ['light', 'dark']) {
    if (theme === 'dark') await page.keyboard.press('d')
    for (const tab of ['inspector', 'client', 'settings', 'safety', 'events']) {
      await js(page, `lab.setTab('${tab}')`)
      await page.waitForTimeout(150)
      await serious(page, `${theme} ${tab}`)
    }
  }
  await page.keyboard.press('Shift+P')
  await page.waitForTimeout(150)
  await serious(page, 'projector mode')
  await page.keyboard.press('Shift+P')
  await page.keyboard.press('?')
  await expect(page.getByTestId('help-overlay')).toBeVisible()
  await serious(page, 'help')
  await page.keyboard.press('Escape')
  await page.keyboard.press('n')
  await page.waitForTimeout(150)
  await serious(page, 'new cluster dialog')
  await expectNoErrors(errors)
})

test('every control is reached with Tab and shows a visible focus', async ({ page }) => {
  test.setTimeout(120_000)
  const errors = watchErrors(page)
  await page.setViewportSize({ width: 1280, height: 720 })
  await openLab(page, 'a11y-keys', '&v=1&n=3&seed=3')
  await waitLeader(page)
  await js(page, `lab.select('n1')`)
  for (const tab of ['inspector', 'client', 'settings', 'safety', 'events']) {
    await js(page, `lab.setTab('${tab}')`)
    await page.waitForTimeout(100)
    // Mark every enabled, visible control; tab through the page and unmark what gets focus.
    const total = await page.evaluate(() => {
      let n = 0
      for (const el of document.querySelectorAll<HTMLElement>('.lab button, .lab input, .lab select, .lab textarea, .lab a[href], .lab [tabindex]')) {
        const r = el.getBoundingClientRect()
        const hidden = r.width === 0 || r.height === 0 || (el as HTMLButtonElement).disabled || el.tabIndex < 0 || el.closest('[inert]')
        el.toggleAttribute('data-want-focus', !hidden)
        if (!hidden) n++
      }
      return n
    })
    expect(total).toBeGreaterThan(10)
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    const noOutline: string[] = []
    for (let i = 0; i < total + 20; i++) {
      await page.keyboard.press('Tab')
      const f = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null
        if (!el || el === document.body) return null
        el.removeAttribute('data-want-focus')
        const cs = getComputedStyle(el)
        const visible = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || cs.boxShadow !== 'none'
        return { name: el.getAttribute('data-testid') ?? el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? el.tagName, visible }
      })
      if (f && !f.visible) noOutline.push(f.name)
    }
    const missed = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('[data-want-focus]')].map((e) => e.getAttribute('data-testid') ?? e.getAttribute('aria-label') ?? e.textContent?.trim().slice(0, 30)),
    )
    expect(missed, `${tab}: controls Tab never reached`).toEqual([])
    expect([...new Set(noOutline)], `${tab}: focused without a visible outline`).toEqual([])
  }
  await expectNoErrors(errors)
})
