/**
 * The safety tab: the live invariants panel, the first violation highlighted on the graph and the timelines, and
 * breakpoints that pause the run on a role change or a commit. The tab bar stays two even rows at 1280x720.
 *
 * Set SHOTS=<dir> to also save the violation at 1920x1080 and 1280x720 (docs/screenshots holds the ones in the README).
 */
import { test, expect, type Page } from '@playwright/test'
import { expectNoErrors, fastForward, js, openLab, waitLeader, watchErrors } from './ui-support.ts'
import { staleCandidate } from './unsafe-stage.ts'

const SHOTS = process.env.SHOTS
const PROPS = ['ElectionSafety', 'LeaderAppendOnly', 'LogMatching', 'LeaderCompleteness', 'StateMachineSafety', 'Linearizability']

/** Fast-forward in slices until `expr` is true in the page. */
async function until(page: Page, expr: string, budgetMs = 6000): Promise<void> {
  for (let t = 0; t < budgetMs; t += 100) {
    if (await js<boolean>(page, expr)) return
    await fastForward(page, 100)
  }
  throw new Error(`not reached in ${budgetMs} ms: ${expr}`)
}

test.describe('invariants panel and breakpoints', () => {
  test('on a safe cluster the six properties hold, each with what was checked; the tabs are two even rows at 1280x720', async ({ page }) => {
    const errors = watchErrors(page)
    await page.setViewportSize({ width: 1280, height: 720 })
    await openLab(page, 'inv-safe', '&v=1&n=3&seed=3')
    const leader = await waitLeader(page)
    await js(page, `void lab.submit('set', 'x', '1')`)
    await until(page, `runtime.sched.getHistory().some((h) => h.outcome === 'ok')`)
    await js(page, `void lab.submit('get', 'x')`)
    await until(page, `runtime.sched.getHistory().filter((h) => h.outcome === 'ok').length === 2`)
    // A second election, so that a new leader is checked for the committed entries.
    await js(page, `lab.crash('${leader}')`)
    await fastForward(page, 200)
    await waitLeader(page, 10_000, leader)
    await fastForward(page, 200)

    await page.keyboard.press('u')
    const panel = page.getByTestId('invariants')
    await expect(panel).toBeVisible()
    for (const p of PROPS) {
      const row = panel.getByTestId(`inv-${p}`)
      await expect(row, p).toHaveAttribute('data-state', 'holds')
      await expect(row).toContainText('holds so far')
      expect(Number(await row.getAttribute('data-checked')), p).toBeGreaterThan(0)
    }
    await expect(panel.getByTestId('inv-Linearizability')).toContainText('1 answered read checked')
    await expect(panel.getByTestId('lin-window')).toContainText('last 50 finished operations of its key')
    await expect(panel.getByTestId('inv-LeaderCompleteness')).toContainText('(2 elections)')
    await expect(page.getByTestId('violation')).toHaveCount(0)

    // The tab bar: six tabs in two rows of three, every label whole.
    const boxes = await page.getByRole('tab').evaluateAll((els) =>
      els.map((e) => ({ top: Math.round(e.getBoundingClientRect().top), cut: e.scrollWidth > e.clientWidth })),
    )
    expect(boxes).toHaveLength(6)
    expect(boxes.filter((b) => b.cut)).toEqual([])
    const rows = [...new Set(boxes.map((b) => b.top))]
    expect(rows).toHaveLength(2)
    for (const r of rows) expect(boxes.filter((b) => b.top === r)).toHaveLength(3)
    await expectNoErrors(errors)
  })

  test('with skipLogUpToDateCheck, Leader Completeness turns violated, the cluster pauses, and its nodes and entry are highlighted', async ({ page }) => {
    const errors = watchErrors(page)
    await page.setViewportSize({ width: 1920, height: 1080 })
    await openLab(page, 'inv-unsafe', '&v=1&n=3&seed=3&unsafe=skipLogUpToDateCheck')
    await page.getByTestId('tab-safety').click()
    await expect(page.getByTestId('unsafe-skipLogUpToDateCheck')).toBeChecked()
    const { leader, stale, until: end } = await staleCandidate(page)

    const panel = page.getByTestId('invariants')
    await expect(panel.getByTestId('inv-LeaderCompleteness')).toHaveAttribute('data-state', 'violated')
    await expect(panel.getByTestId('inv-LeaderCompleteness')).toContainText('violated')
    for (const p of PROPS.filter((x) => x !== 'LeaderCompleteness')) await expect(panel.getByTestId(`inv-${p}`)).toHaveAttribute('data-state', 'stopped')

    // Paused on it.
    const time = await js<number>(page, 'lab.checks.violation.time')
    expect(await js(page, 'runtime.driver.mode')).toBe('paused')
    expect(await js<number>(page, 'runtime.sched.now')).toBeLessThan(end)
    await expect(page.getByTestId('violation-paused')).toHaveText(`Breakpoint “any violation”: the run paused at t = ${(time / 1000).toFixed(3)} s.`)

    // The graph: both nodes carry the class, the others not; the vote that made the stale node leader is named.
    await expect.poll(() => js<string[]>(page, `cy.nodes('.violation').map((n) => n.id()).sort()`)).toEqual([leader, stale].sort())
    const involved = page.getByTestId('involved')
    await expect(involved).toContainText(`Nodes: ${stale}, ${leader}`)
    await expect(involved).toContainText('Entry: index 2, term 1')
    await expect(involved.getByTestId('involved-messages')).toContainText(`→ ${stale}, term 2`)
    const edges = await js<string[]>(page, `cy.edges('.violation').map((e) => e.id())`)
    expect(edges.length).toBeGreaterThan(0)
    for (const e of edges) expect(e).toContain(stale)
    // The timelines: index 2 outlined on both rows: the entry of term 1 on the old leader, the new leader's own entry
    // of term 2 where it lacks it.
    const canvas = page.getByTestId('timeline-scroller').locator('canvas')
    await expect(canvas).toHaveAttribute('data-violation', new RegExp(`${stale}@2:differs`))
    await expect(canvas).toHaveAttribute('data-violation', new RegExp(`${leader}@2:entry`))
    // "Share this moment": a link that rebuilds this run up to the violation (time travel's moment link).
    await page.evaluate(() => Object.defineProperty(navigator, 'clipboard', { value: { writeText: () => Promise.reject(new Error('no clipboard')) } }))
    await page.getByTestId('share-moment').click()
    await expect.poll(() => js<string | null>(page, 'lab.shareText')).toMatch(/[?&]moment=/)
    const link = (await js<string>(page, 'lab.shareText'))!
    expect(Number(/moment=(\d+)\./.exec(link)![1])).toBe(time)

    if (SHOTS) {
      await page.waitForTimeout(300)
      await page.screenshot({ path: `${SHOTS}/violation-1920.png` })
      await page.setViewportSize({ width: 1280, height: 720 })
      await page.waitForTimeout(300)
      await involved.evaluate((e) => e.scrollIntoView({ block: 'start' }))
      await page.waitForTimeout(200)
      await page.screenshot({ path: `${SHOTS}/violation-1280.png` })
    }
    await expectNoErrors(errors)

    // The link rebuilds the run up to that moment: the page opens it in the past, paused at the violation's time.
    await page.goto(link)
    await expect(page.getByTestId('tt-status')).toHaveText(`Viewing the past: t = ${(time / 1000).toFixed(1)} s`, { timeout: 30_000 })
    expect(await js<string>(page, 'runtime.driver.mode')).toBe('paused')
  })

  test('breakpoints on candidate, leader and commit index pause the run and say which and when; a bad index gets a sentence', async ({ page }) => {
    const errors = watchErrors(page)
    await openLab(page, 'inv-bp', '&v=1&n=3&seed=3')
    await page.keyboard.press('u')
    const bp = page.getByTestId('breakpoints')
    await expect(page.getByTestId('bp-violation')).toBeChecked()

    // Any node becomes candidate.
    await bp.getByTestId('bp-kind').selectOption('candidate')
    await bp.getByTestId('bp-add').click()
    await expect(bp.getByTestId('bp-list')).toContainText('any node becomes candidate')
    const t0 = await js<number>(page, 'runtime.sched.now')
    await fastForward(page, 5000)
    const hit = page.getByTestId('bp-hit')
    await expect(hit).toBeVisible()
    const at = Number(await hit.getAttribute('data-at'))
    await expect(hit).toHaveText(new RegExp(`Breakpoint “any node becomes candidate”: n\\d became candidate in term \\d+ at t = ${(at / 1000).toFixed(3).replace('.', '\\.')} s\\. The run paused\\.`))
    const now = await js<number>(page, 'runtime.sched.now')
    expect(now).toBeGreaterThanOrEqual(at)
    expect(now).toBeLessThan(t0 + 5000)
    expect(await js(page, 'runtime.driver.mode')).toBe('paused')
    await page.waitForTimeout(300)
    expect(await js<number>(page, 'runtime.sched.now')).toBe(now)
    await hit.getByTestId('bp-clear').click()
    await expect(hit).toHaveCount(0)
    await bp.getByTestId('bp-remove').click()
    await expect(bp.getByTestId('bp-list')).toHaveCount(0)

    // A chosen node becomes leader: a leadership transfer to it.
    const leader = await waitLeader(page)
    const target = (await js<string[]>(page, 'lab.nodeIds()')).find((id) => id !== leader)!
    await bp.getByTestId('bp-kind').selectOption('leader')
    await bp.getByTestId('bp-node').selectOption(target)
    await bp.getByTestId('bp-add').click()
    await expect(bp.getByTestId('bp-list')).toContainText(`${target} becomes leader`)
    await js(page, `void lab.transferTo('${target}')`)
    await fastForward(page, 3000)
    await expect(hit).toContainText(`Breakpoint “${target} becomes leader”: ${target} became leader in term`)
    expect(await js(page, 'runtime.driver.mode')).toBe('paused')
    expect(await js(page, `runtime.sched.summary('${target}').role`)).toBe('leader')

    // An index commits, entered with the keyboard; an index already committed, or not an index, is refused with a sentence.
    await bp.getByTestId('bp-kind').selectOption('commit')
    const committed = await js<number>(page, 'lab.breakpoints.committed')
    await bp.getByTestId('bp-index').fill(String(committed))
    await bp.getByTestId('bp-index').press('Enter')
    await expect(bp.getByTestId('bp-error')).toHaveText(`Index ${committed} is already committed (commit index ${committed} so far): choose a higher one.`)
    await bp.getByTestId('bp-index').fill('1.5')
    await bp.getByTestId('bp-index').press('Enter')
    await expect(bp.getByTestId('bp-error')).toContainText('is not an index')
    const n = committed + 2
    await bp.getByTestId('bp-index').fill(String(n))
    await bp.getByTestId('bp-index').press('Enter')
    await expect(bp.getByTestId('bp-error')).toHaveCount(0)
    await expect(bp.getByTestId('bp-list')).toContainText(`index ${n} commits`)
    await js(page, `void lab.submit('set', 'a', '1')`)
    await js(page, `void lab.submit('set', 'b', '2')`)
    await js(page, `void lab.submit('set', 'c', '3')`)
    await fastForward(page, 3000)
    await expect(hit).toContainText(`Breakpoint “index ${n} commits”: ${target}’s commit index reached`)
    const reached = Number(/reached (\d+)/.exec((await hit.textContent()) ?? '')![1])
    expect(reached).toBeGreaterThanOrEqual(n)
    expect(await js<number>(page, `runtime.sched.summary('${target}').commit`)).toBeGreaterThanOrEqual(n)
    expect(await js(page, 'runtime.driver.mode')).toBe('paused')
    await expect(bp.getByTestId('bp-list')).toContainText('reached')
    await expectNoErrors(errors)
  })

  test('in Chinese the safety tab is Chinese', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 720 })
    await openLab(page, 'inv-zh', '&v=1&n=3&seed=3&lang=zh')
    await expect(page.getByTestId('tab-safety')).toHaveText('安全性')
    await page.getByTestId('tab-safety').click()
    await expect(page.getByTestId('break-rule')).toContainText('破坏一条规则')
    const panel = page.getByTestId('invariants')
    await expect(panel).toContainText('不变式（实时检查）')
    await expect(panel.getByTestId('inv-ElectionSafety')).toContainText('选举安全性')
    await expect(panel.getByTestId('inv-ElectionSafety')).toContainText('还没有可检查的内容')
    await waitLeader(page)
    await fastForward(page, 100)
    await expect(panel.getByTestId('inv-ElectionSafety')).toContainText('目前成立')
    await expect(page.getByTestId('breakpoints')).toContainText('任何违反时暂停')
    await page.getByTestId('bp-kind').selectOption('leader')
    await page.getByTestId('bp-add').click()
    await expect(page.getByTestId('bp-list')).toContainText('任何节点成为领导者')
  })
})
