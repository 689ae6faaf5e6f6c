import { test, expect } from '@playwright/test'
import { clickNode, fastForward, js, openLab, waitLeader } from './ui-support.ts'

test.describe('key/value client', () => {
  test('set, get, cas and delete: outcome, latency, log index', async ({ page }) => {
    await openLab(page, 'k-ops')
    await waitLeader(page)
    await page.keyboard.press('k')
    const panel = page.getByTestId('kv-panel')
    await expect(panel).toBeVisible()

    const send = async (op: string, key: string, value?: string, expected?: string) => {
      await panel.getByTestId('kv-op').selectOption(op)
      await panel.getByTestId('kv-key').fill(key)
      if (value !== undefined) await panel.getByTestId('kv-value').fill(value)
      if (expected !== undefined) await panel.getByTestId('kv-expected').fill(expected)
      await panel.getByTestId('kv-send').click()
      await fastForward(page, 300)
    }
    await send('set', 'color', 'blue')
    const row = panel.getByTestId('kv-ops').locator('tr').first()
    await expect(row).toHaveAttribute('data-status', 'ok')
    await expect(row).toContainText('set color=blue')
    await expect(row).toContainText(/\d+ ms/)
    await expect(row).toContainText(/@\d+/)

    await send('get', 'color')
    await expect(panel.getByTestId('kv-ops').locator('tr').first()).toContainText('= blue')
    await send('cas', 'color', 'green', 'blue')
    await expect(panel.getByTestId('kv-ops').locator('tr').first()).toContainText('swapped')
    await send('cas', 'color', 'red', 'blue')
    await expect(panel.getByTestId('kv-ops').locator('tr').first()).toContainText('no, value green')
    await send('delete', 'color')
    await expect(panel.getByTestId('kv-ops').locator('tr').first()).toHaveAttribute('data-status', 'ok')
  })

  test('an operation that cannot reach a majority ends as unknown after the timeout', async ({ page }) => {
    await openLab(page, 'k-unknown')
    await waitLeader(page)
    // Isolate every node (X on each): nobody can reach a majority, so the write gets no answer.
    for (const n of ['n1', 'n2', 'n3']) {
      await clickNode(page, n)
      await page.keyboard.press('x')
    }
    await expect.poll(() => js<string[]>(page, `runtime.sched.network.config.isolated`)).toEqual(['n1', 'n2', 'n3'])
    await page.keyboard.press('k')
    const panel = page.getByTestId('kv-panel')
    await panel.getByTestId('kv-key').fill('lost')
    await panel.getByTestId('kv-send').click()
    await fastForward(page, 3500)
    const row = panel.getByTestId('kv-ops').locator('tr').first()
    await expect(row).toHaveAttribute('data-status', 'unknown')
    await expect(row).toContainText('unknown')
  })

  test('each node’s contents: a paused follower lags behind and is highlighted', async ({ page }) => {
    await openLab(page, 'k-lag')
    const leader = await waitLeader(page)
    const follower = ['n1', 'n2', 'n3'].find((n) => n !== leader)!
    await clickNode(page, follower)
    await page.keyboard.press('p')
    await page.keyboard.press('k')
    const panel = page.getByTestId('kv-panel')
    await panel.getByTestId('kv-key').fill('x')
    await panel.getByTestId('kv-value').fill('42')
    await panel.getByTestId('kv-send').click()
    await fastForward(page, 500)
    const table = panel.getByTestId('kv-contents')
    await expect(table.locator(`td[data-node="${leader}"][data-key="x"]`)).toHaveText('42')
    await expect(table.locator(`td[data-node="${follower}"][data-key="x"]`)).toHaveClass(/differs/)
    // Resumed, it catches up.
    await js(page, `lab.pauseOrResume('${follower}')`)
    await fastForward(page, 500)
    await expect(table.locator(`td[data-node="${follower}"][data-key="x"]`)).toHaveText('42')
  })

  test('the load switch runs a steady workload', async ({ page }) => {
    await openLab(page, 'k-load')
    await waitLeader(page)
    await page.keyboard.press('k')
    await page.getByTestId('load').check()
    for (let i = 0; i < 10; i++) await fastForward(page, 100)
    await expect(page.getByTestId('load-stats')).toContainText(/[1-9]\d* ok/)
    await page.keyboard.press('l')
    await expect(page.getByTestId('load')).not.toBeChecked()
  })
})
