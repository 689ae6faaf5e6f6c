import { test, expect } from '@playwright/test'
import { fastForward, js, openLab, waitLeader } from './ui-support.ts'

test.describe('event log and inspector', () => {
  test('narrates elections in sentences, filters by kind and text, and selecting highlights', async ({ page }) => {
    await openLab(page, 'e-log')
    const leader = await waitLeader(page)
    await page.keyboard.press('v')
    const list = page.getByTestId('event-list')
    await page.getByTestId('event-search').fill('wins the election')
    await expect(list).toContainText(new RegExp(`${leader} wins the election for term \\d+ with \\d of 3 votes and becomes leader`))
    await page.getByTestId('event-search').fill('election timer fired')
    await expect(list).toContainText("election timer fired")

    // Filters: heartbeats are off by default; turning them on shows them.
    await page.getByTestId('event-search').fill('heartbeat to')
    await expect(list.locator('button')).toHaveCount(0)
    await page.getByTestId('filter-heartbeat').click()
    await expect(list.locator('button').first()).toBeVisible()

    // Selecting an event highlights its nodes and message.
    await page.getByTestId('event-search').fill('wins the election')
    await list.locator('button').first().click()
    await expect.poll(() => js<string[]>(page, `lab.record ? lab.record.nodes : []`)).toEqual([leader])
    await expect.poll(() => js<string>(page, `cy.$('edge.hl').length + ':' + (lab.record ? lab.record.seq : 0)`)).toMatch(/^0:\d+/)
    await page.getByTestId('event-search').fill('for its vote')
    await list.locator('button').first().click()
    await expect.poll(() => js<number>(page, `cy.$('edge.hl').length`)).toBe(1)
  })

  test('rejections are explained', async ({ page }) => {
    await openLab(page, 'e-reject')
    const leader = await waitLeader(page)
    const f = ['n1', 'n2', 'n3'].find((n) => n !== leader)!
    // Wipe a follower, then write: the leader's next AppendEntries does not match the empty log, so the
    // follower rejects it and the leader probes back until their logs match.
    await js(page, `lab.wipe('${f}', true)`)
    await fastForward(page, 200)
    await js(page, `lab.submit('set', 'k', 'v')`)
    await fastForward(page, 1000)
    await page.keyboard.press('v')
    await page.getByTestId('event-search').fill('rejects AppendEntries')
    await expect(page.getByTestId('event-list')).toContainText(new RegExp(`${f} rejects AppendEntries from ${leader}: log mismatch at index \\d+`))
  })

  test('the inspector shows hard state, volatile state, progress, disk versus memory, contents and log', async ({ page }) => {
    await openLab(page, 'e-insp')
    const leader = await waitLeader(page)
    await js(page, `lab.submit('set', 'a', '1')`)
    await fastForward(page, 500)
    await js(page, `lab.select('${leader}')`)
    const insp = page.getByTestId('inspector')
    await expect(insp.getByTestId('hard-state')).toContainText('vote')
    await expect(insp.getByTestId('progress')).toContainText('match')
    await expect(insp.getByTestId('disk')).toContainText('durable')
    await expect(insp.getByTestId('inspector-kv')).toContainText('a')
    await expect(insp.getByTestId('inspector-log')).toContainText('set a=1')
  })
})
