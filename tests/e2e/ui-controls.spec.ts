import { test, expect } from '@playwright/test'
import { clickNode, fastForward, js, openLab, waitLeader } from './ui-support.ts'

const clock = (page: import('@playwright/test').Page) => js<number>(page, `runtime.sched.now`)
const mode = (page: import('@playwright/test').Page) => js<string>(page, `runtime.driver.mode`)
const state = (page: import('@playwright/test').Page, id: string) => js<string>(page, `runtime.sched.nodeState('${id}')`)

test.describe('controls', () => {
  test('play, pause, step, speed and fast-forward, by button and by key', async ({ page }) => {
    await openLab(page, 'c-time')
    expect(await mode(page)).toBe('paused')
    await page.getByTestId('play').click()
    expect(await mode(page)).toBe('running')
    await page.keyboard.press('Space')
    expect(await mode(page)).toBe('paused')

    const t0 = await clock(page)
    await page.getByTestId('step').click()
    await expect.poll(() => clock(page)).toBeGreaterThan(t0)
    const t1 = await clock(page)
    await page.keyboard.press('.')
    await expect.poll(() => clock(page)).toBeGreaterThan(t1)

    // Speed: logarithmic slider and [ ] keys, 1/100x to 100x.
    await js(page, `runtime.driver.setSpeed(1)`)
    await page.keyboard.press(']')
    await expect(page.getByTestId('speed-value')).toHaveText('2×')
    await page.keyboard.press('[')
    await page.keyboard.press('[')
    await expect(page.getByTestId('speed-value')).toHaveText('0.5×')
    await page.getByTestId('speed').fill('0')
    await expect(page.getByTestId('speed-value')).toHaveText('0.01×')
    await page.getByTestId('speed').fill('1000')
    await expect(page.getByTestId('speed-value')).toHaveText('100×')

    // Fast-forward N seconds of virtual time.
    const t2 = await clock(page)
    await page.getByTestId('ff-seconds').fill('2')
    await page.getByTestId('ff').click()
    await expect.poll(() => clock(page)).toBeGreaterThanOrEqual(t2 + 2000)
    const t3 = await clock(page)
    await page.keyboard.press('f')
    await expect.poll(() => clock(page)).toBeGreaterThanOrEqual(t3 + 2000)
    await expect(page.getByTestId('clock')).toContainText('t = ')
  })

  test('the help overlay lists the shortcuts and closes with Escape', async ({ page }) => {
    await openLab(page, 'c-help')
    await page.keyboard.press('?')
    const help = page.getByTestId('help-overlay')
    await expect(help).toBeVisible()
    for (const text of ['Play / pause', 'Single step', 'Fast-forward', 'Crash / restart', 'Transfer leadership', 'Heal the network']) {
      await expect(help).toContainText(text)
    }
    await page.keyboard.press('Escape')
    await expect(help).toBeHidden()
    await page.getByTestId('help').click()
    await expect(help).toBeVisible()
  })

  test('per node: crash, restart, pause, resume, election timeout, wipe, transfer leadership', async ({ page }) => {
    test.setTimeout(120_000)
    await openLab(page, 'c-node')
    const leader = await waitLeader(page)
    const other = ['n1', 'n2', 'n3'].find((n) => n !== leader)!
    await clickNode(page, other)

    await page.getByTestId('crash').click()
    await expect.poll(() => state(page, other)).toBe('crashed')
    await page.getByTestId('restart').click()
    await expect.poll(() => state(page, other)).toBe('up')

    await page.keyboard.press('p')
    await expect.poll(() => state(page, other)).toBe('paused')
    await page.keyboard.press('p')
    await expect.poll(() => state(page, other)).toBe('up')

    // Election timeout: the follower campaigns (pre-vote first) for the next term.
    const term = await js<number>(page, `runtime.sched.summary('${other}').term`)
    await page.getByTestId('timeout').click()
    await fastForward(page, 5)
    await page.getByTestId('tab-events').click()
    await page.getByTestId('event-search').fill(`${other} was told to campaign`)
    await expect(page.getByTestId('event-list')).toContainText(`${other} was told to campaign`)
    await page.getByTestId('event-search').fill('')
    await fastForward(page, 1000)
    expect(await js<number>(page, `Math.max(...['n1','n2','n3'].map((n) => runtime.sched.summary(n).term))`)).toBeGreaterThanOrEqual(term)

    // Transfer leadership to this node (shortcut T).
    await waitLeader(page)
    await clickNode(page, other)
    if ((await js<string | null>(page, `lab.leaderId()`)) !== other) {
      await page.keyboard.press('t')
      for (let i = 0; i < 20 && (await js<string | null>(page, `lab.leaderId()`)) !== other; i++) await fastForward(page, 100)
      expect(await js<string | null>(page, `lab.leaderId()`)).toBe(other)
    }

    // Wipe disk: the node restarts empty and catches up.
    const victim = ['n1', 'n2', 'n3'].find((n) => n !== other)!
    await clickNode(page, victim)
    await page.getByTestId('wipe').click()
    await expect.poll(() => js<boolean>(page, `runtime.sched.recovery('${victim}')?.empty === true && runtime.sched.nodeState('${victim}') === 'up'`)).toBe(true)
  })

  test('storage switch, theme, side panel, and the new-cluster dialog with presets', async ({ page }) => {
    await openLab(page, 'c-misc')
    await page.getByTestId('storage-volatile').click()
    await expect.poll(() => js<string>(page, `runtime.sched.spec.storage`)).toBe('volatile')
    await page.getByTestId('storage-durable').click()
    await expect.poll(() => js<string>(page, `runtime.sched.spec.storage`)).toBe('durable')

    const theme = await page.evaluate(() => document.documentElement.dataset.theme)
    await page.keyboard.press('d')
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).not.toBe(theme)

    await page.keyboard.press('g')
    await expect(page.getByTestId('tab-inspector')).toBeHidden()
    await page.getByTestId('panel-toggle').click()
    await expect(page.getByTestId('tab-inspector')).toBeVisible()

    await page.getByTestId('new-cluster').click()
    const dlg = page.getByTestId('new-cluster-dialog')
    await expect(dlg).toBeVisible()
    await dlg.getByTestId('preset-five').click()
    await expect(dlg).toBeHidden()
    await expect.poll(() => js<string[]>(page, `lab.nodeIds()`)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5'])
    await expect(page.locator('.preset')).toHaveText('5 nodes')

    await page.keyboard.press('n')
    await dlg.getByTestId('nc-nodes').fill('4')
    await dlg.getByTestId('nc-seed').fill('77')
    await dlg.getByTestId('nc-start').click()
    await expect.poll(() => js<string[]>(page, `lab.nodeIds()`)).toEqual(['n1', 'n2', 'n3', 'n4'])
    expect(await js<number>(page, `runtime.sched.spec.seed`)).toBe(77)
  })

  test('network and Raft parameters apply live', async ({ page }) => {
    await openLab(page, 'c-net')
    await page.getByTestId('tab-settings').click()
    await page.getByTestId('net-latency').fill('25')
    await page.getByTestId('net-latency').press('Enter')
    await page.getByTestId('net-drop').fill('0.1')
    await page.getByTestId('net-drop').press('Enter')
    await expect.poll(() => js<number>(page, `runtime.sched.network.config.defaults.latency`)).toBe(25)
    await expect.poll(() => js<number>(page, `runtime.sched.network.config.defaults.drop`)).toBe(0.1)

    // One link: n1 -> n2 gets its own latency.
    await page.getByTestId('link-from').selectOption('n1')
    await page.getByTestId('link-to').selectOption('n2')
    await page.getByTestId('link-latency').fill('300')
    await page.getByTestId('link-latency').press('Enter')
    await expect.poll(() => js<number>(page, `runtime.sched.network.params('n1', 'n2').latency`)).toBe(300)

    await page.getByTestId('param-et').fill('20')
    await page.getByTestId('param-hb').fill('3')
    await page.getByTestId('param-pv').uncheck()
    await page.getByTestId('param-apply').click()
    await expect.poll(() => js<number>(page, `runtime.sched.spec.params.electionTick`)).toBe(20)
    expect(await js<boolean>(page, `runtime.sched.spec.params.preVote`)).toBe(false)
    await fastForward(page, 1000)
    // The nodes run with the new timeout: [20, 40) ticks.
    const timeouts = await js<number[]>(page, `['n1','n2','n3'].map((n) => runtime.sched.summary(n).electionTimeout)`)
    for (const t of timeouts) expect(t).toBeGreaterThanOrEqual(20)
  })
})
