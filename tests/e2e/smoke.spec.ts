import { test, expect } from '@playwright/test'

test('the app loads without console errors', async ({ page }) => {
  const errors: string[] = []
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
  page.on('pageerror', (e) => errors.push(String(e)))
  await page.goto('./')
  await expect(page.getByRole('heading', { name: 'Raft Lab' })).toBeVisible()
  expect(errors).toEqual([])
})
