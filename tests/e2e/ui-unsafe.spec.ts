/**
 * Unsafe switches and the live checkers in the browser: a link turns a deliberate bug on, the screen says the cluster
 * is unsafe, and a schedule that exploits the bug ends on the checker's violation, with the cluster stopped on the
 * event that broke the property. The same schedule without the switch runs to its end with no violation.
 *
 * Set SHOTS=<dir> to also save screenshots of the violation at 1920x1080 and 1280x720 (for looking at).
 */
import { test, expect, type Page } from '@playwright/test'
import { expectNoErrors, fastForward, js, openLab, waitLeader, watchErrors } from './ui-support.ts'
import { staleCandidate } from './unsafe-stage.ts'

const SHOTS = process.env.SHOTS

test.describe('unsafe switches and live checkers', () => {
  test('a link with skipLogUpToDateCheck marks the cluster unsafe, and the checker stops it on Leader Completeness', async ({ page }) => {
    const errors = watchErrors(page)
    await page.setViewportSize({ width: 1920, height: 1080 })
    await openLab(page, 'unsafe-skiplog', '&v=1&n=3&seed=3&unsafe=skipLogUpToDateCheck')
    expect(await js(page, 'runtime.sched.spec.params.unsafe')).toEqual({ skipLogUpToDateCheck: true })
    const mark = page.getByTestId('unsafe-mark')
    await expect(mark).toBeVisible()
    await expect(mark).toContainText('Unsafe cluster')
    await expect(mark).toContainText('Vote for any log')
    await expect(page.getByTestId('violation')).toHaveCount(0)

    const { leader, stale, until } = await staleCandidate(page)

    const card = page.getByTestId('violation')
    await expect(card).toBeVisible()
    await expect(card).toHaveAttribute('data-property', 'LeaderCompleteness')
    await expect(card).toHaveAttribute('data-index', '2')
    await expect(card).toHaveAttribute('data-term', '1')
    await expect(card).toHaveAttribute('data-nodes', `${stale} ${leader}`)
    await expect(page.getByTestId('violation-sentence')).toHaveText(
      `Leader Completeness is broken at index 2, term 1 (nodes ${stale} and ${leader}). The checkers stopped the cluster on the event that broke it, and check nothing after it.`,
    )
    await expect(card).toContainText(`leader of term 2 lacks entry 2`)

    // Stopped on that event: the driver is paused, the fast-forward ended there, and time stands still.
    const v = await js<{ time: number }>(page, 'lab.checks.violation')
    const now = await js<number>(page, 'runtime.sched.now')
    expect(now).toBe(v.time)
    expect(now).toBeLessThan(until)
    expect(await js(page, 'runtime.driver.mode')).toBe('paused')
    expect(await js(page, `runtime.sched.summary('${stale}').role`)).toBe('leader')
    await page.waitForTimeout(500)
    expect(await js<number>(page, 'runtime.sched.now')).toBe(now)
    await expect(page.getByTestId('play')).toContainText('Play')

    if (SHOTS) {
      await page.screenshot({ path: `${SHOTS}/violation-1920.png` })
      await page.setViewportSize({ width: 1280, height: 720 })
      await page.waitForTimeout(300)
      await page.screenshot({ path: `${SHOTS}/violation-1280.png` })
    }
    await expectNoErrors(errors)
  })

  test('in Chinese, the unsafe mark and the violation sentence are Chinese', async ({ page }) => {
    await openLab(page, 'unsafe-zh', '&v=1&n=3&seed=3&unsafe=skipLogUpToDateCheck&lang=zh')
    await expect(page.getByTestId('unsafe-mark')).toContainText('不安全的集群')
    await expect(page.getByTestId('unsafe-mark')).toContainText('给任何日志投票')
    const { leader, stale } = await staleCandidate(page)
    await expect(page.getByTestId('violation-sentence')).toHaveText(`领导者完整性被破坏，索引 2，任期 1（节点 ${stale}、${leader}）。检查器让集群停在了破坏它的那个事件上，此后不再检查。`)
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/violation-zh-1280.png` })
  })

  test('the same schedule without the switch shows no violation and runs to its end', async ({ page }) => {
    const errors = watchErrors(page)
    await openLab(page, 'unsafe-none', '&v=1&n=3&seed=3')
    await expect(page.getByTestId('unsafe-mark')).toHaveCount(0)
    const { stale, other, until } = await staleCandidate(page)
    expect(await js<number>(page, 'runtime.sched.now')).toBeGreaterThanOrEqual(until)
    await expect(page.getByTestId('violation')).toHaveCount(0)
    expect(await js(page, 'lab.checks.violation')).toBeNull()
    // The checkers did look, at every step and at what the nodes persisted, applied and led.
    const cost = await js<{ counts: { observations: number; steps: number } }>(page, 'lab.checks.cost()')
    expect(cost.counts.observations).toBeGreaterThan(20)
    expect(cost.counts.steps).toBeGreaterThan(100)
    expect(await js(page, `runtime.sched.summary('${stale}').role`)).not.toBe('leader')
    expect(await js(page, `runtime.sched.summary('${other}').role`)).toBe('leader')
    await expectNoErrors(errors)
  })

  /** x=1 is written; the leader is isolated; the others elect a leader that writes x=2 and crashes; x is read. */
  async function deposedLeaderRead(page: Page, name: string, unsafe: string): Promise<string> {
    // Check-quorum off, so that the isolated leader keeps leading.
    await openLab(page, name, `&v=1&n=3&seed=4&cq=0${unsafe}`)
    const outcomes = () => js<string[]>(page, `runtime.sched.getHistory().map((h) => h.outcome + ':' + h.op)`)
    const old = await waitLeader(page)
    await js(page, `void lab.submit('set', 'x', '1')`)
    await expect.poll(async () => (await fastForward(page, 100), outcomes())).toEqual(['ok:set'])
    await js(page, `lab.isolateOrReconnect('${old}')`)
    let next: string | null = null
    await expect
      .poll(async () => {
        await fastForward(page, 100)
        next = await js<string | null>(page, `lab.leaderId()`)
        return next !== null && next !== old
      })
      .toBe(true)
    await js(page, `void lab.submit('set', 'x', '2')`)
    await expect.poll(async () => (await fastForward(page, 100), outcomes())).toEqual(['ok:set', 'ok:set'])
    await js(page, `lab.crash('${next}')`)
    await js(page, `void lab.submit('get', 'x')`)
    await fastForward(page, 3500)
    return old
  }

  test('with leaseReadsWithoutCheck, a deposed leader answers a stale read and the linearizability check stops the cluster', async ({ page }) => {
    const errors = watchErrors(page)
    const old = await deposedLeaderRead(page, 'unsafe-lease', '&unsafe=leaseReadsWithoutCheck')
    const card = page.getByTestId('violation')
    await expect(card).toHaveAttribute('data-property', 'Linearizability')
    await expect(card).toHaveAttribute('data-nodes', old)
    const read = await js<{ node: string; index: number; result: { value: string } }>(page, `[...lab.feed.myOps.values()].find((o) => o.op === 'get')`)
    expect(read).toMatchObject({ node: old, result: { value: '1' } })
    await expect(page.getByTestId('violation-sentence')).toHaveText(
      `Linearizability is broken at index ${read.index} (node ${old}). The checkers stopped the cluster on the event that broke it, and check nothing after it.`,
    )
    expect(await js(page, 'runtime.driver.mode')).toBe('paused')
    expect(await js<number>(page, 'runtime.sched.now')).toBe(await js<number>(page, 'lab.checks.violation.time'))
    await expectNoErrors(errors)
  })

  test('without it, the deposed leader cannot confirm the read: no stale answer, no violation', async ({ page }) => {
    const errors = watchErrors(page)
    await deposedLeaderRead(page, 'unsafe-lease-none', '')
    const read = await js<{ status: string }>(page, `[...lab.feed.myOps.values()].find((o) => o.op === 'get')`)
    expect(read.status).toBe('unknown')
    await expect(page.getByTestId('violation')).toHaveCount(0)
    await expectNoErrors(errors)
  })

  test('the switches are in the safety tab, each a labelled deliberate bug; the share link carries them', async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'])
    await openLab(page, 'unsafe-panel', '&v=1&n=3')
    await page.getByTestId('tab-safety').click()
    const list = page.getByTestId('unsafe-switches')
    await expect(list.getByRole('checkbox')).toHaveCount(5)
    const box = page.getByTestId('unsafe-commitOldTermEntries')
    await expect(box).not.toBeChecked()
    await expect(box).toHaveAccessibleDescription(/Figure 8.*State Machine Safety fails/)
    await expect(list).toContainText('deliberate bug')
    await box.check()
    await expect(page.getByTestId('unsafe-mark')).toContainText('Commit old-term entries by counting')
    await expect.poll(() => js(page, 'runtime.sched.spec.params.unsafe')).toEqual({ commitOldTermEntries: true })
    await page.getByTestId('unsafe-leaseReadsWithoutCheck').check()
    await expect(page.getByTestId('unsafe-mark')).toHaveAttribute('data-switches', 'commitOldTermEntries leaseReadsWithoutCheck')

    await page.getByTestId('share').click()
    let link = ''
    await expect
      .poll(async () => {
        const field = page.getByTestId('share-url')
        link = (await field.count()) > 0 ? await field.inputValue() : await page.evaluate(() => navigator.clipboard.readText()).catch(() => '')
        return link
      })
      .toContain('unsafe=commitOldTermEntries.leaseReadsWithoutCheck')

    await page.getByTestId('unsafe-commitOldTermEntries').uncheck()
    await page.getByTestId('unsafe-leaseReadsWithoutCheck').uncheck()
    await expect(page.getByTestId('unsafe-mark')).toHaveCount(0)
    await expect.poll(() => js(page, 'runtime.sched.spec.params.unsafe')).toEqual({})
  })

  test('an unknown switch in a link gets the invalid-link sentence and opens a safe cluster', async ({ page }) => {
    await openLab(page, 'unsafe-bad', '&v=1&n=3&unsafe=commitOldTermEntries,noSuchRule')
    await expect(page.getByTestId('banner').first()).toContainText('“unsafe” is not valid')
    await expect(page.getByTestId('unsafe-mark')).toHaveCount(0)
    expect(await js(page, 'runtime.sched.spec.params.unsafe ?? null')).toBeNull()
  })
})
