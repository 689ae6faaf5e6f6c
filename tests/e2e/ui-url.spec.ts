import { test, expect } from '@playwright/test'
import { parseSetup } from '../../src/ui/url.ts'
import { fastForward, js, openLab, waitLeader, waitReady, watchErrors } from './ui-support.ts'

const SHARED =
  'v=1&n=5&seed=9&et=15&hb=3&pv=0&cq=1&tick=10&lat=20&jit=5&drop=0.1&dup=0.02&reo=0&store=volatile&snap=100&speed=0.5&load=0&part=n1.n2_n3.n4.n5&cut=n1-n3&link=n2-n4_lat_80'

test.describe('URL presets', () => {
  test('a shared link opens the same cluster, and the address bar then forgets the setup', async ({ page }) => {
    await openLab(page, 'u-open', `&${SHARED}`)
    const spec = await js<{ seed: number; nodes: string[]; params: Record<string, unknown>; storage: string; snapshotEvery: number; network: { defaults: { latency: number; drop: number }; partition: string[][]; cuts: string[]; links: Record<string, unknown> } }>(page, `runtime.sched.spec`)
    expect(spec.nodes).toEqual(['n1', 'n2', 'n3', 'n4', 'n5'])
    expect(spec.seed).toBe(9)
    expect(spec.params).toMatchObject({ electionTick: 15, heartbeatTick: 3, preVote: false, checkQuorum: true })
    expect(spec.storage).toBe('volatile')
    expect(spec.snapshotEvery).toBe(100)
    expect(spec.network.defaults).toMatchObject({ latency: 20, drop: 0.1 })
    expect(spec.network.partition).toEqual([['n1', 'n2'], ['n3', 'n4', 'n5']])
    expect(spec.network.cuts).toEqual(['n1->n3'])
    expect(spec.network.links).toEqual({ 'n2->n4': { latency: 80 } })
    expect(await js<number>(page, `runtime.driver.speed`)).toBe(0.5)
    // A reload now recovers the cluster instead of starting it again.
    expect(new URL(page.url()).searchParams.has('n')).toBe(false)
    expect(new URL(page.url()).searchParams.get('cluster')).toBe('u-open')
  })

  test('the share link round-trips the whole setup', async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'])
    await openLab(page, 'u-share', `&${SHARED}`)
    await page.getByTestId('share').click()
    let link = ''
    const field = page.getByTestId('share-url')
    await expect
      .poll(async () => {
        link = (await field.count()) > 0 ? await field.inputValue() : await page.evaluate(() => navigator.clipboard.readText()).catch(() => '')
        return link
      })
      .toContain('v=1')
    const shared = parseSetup(link)
    const original = parseSetup(`http://x/?${SHARED}`)
    expect(shared.error).toBeUndefined()
    expect(shared.setup).toEqual(original.setup)

    // Opening the link in another tab gives the same cluster.
    const other = await context.newPage()
    await other.goto(link.replace('cluster=u-share', 'cluster=u-share2') + '&autoplay=0')
    await waitReady(other)
    const a = await js(page, `JSON.stringify(runtime.sched.spec.network) + runtime.sched.spec.seed + JSON.stringify(runtime.sched.spec.params)`)
    const b = await js(other, `JSON.stringify(runtime.sched.spec.network) + runtime.sched.spec.seed + JSON.stringify(runtime.sched.spec.params)`)
    expect(b).toBe(a)
  })

  test('a hostile or invalid link says so in a sentence and opens the defaults; nothing is rendered as HTML', async ({ page }) => {
    const errors = watchErrors(page)
    let dialogs = 0
    page.on('dialog', (d) => {
      dialogs++
      void d.dismiss()
    })
    await page.goto(`./?cluster=u-bad&autoplay=0&v=1&n=${encodeURIComponent('<img src=x onerror=alert(1)>')}`)
    await waitReady(page)
    const banner = page.getByTestId('banner').first()
    await expect(banner).toContainText('This link could not be opened')
    await expect(banner).toContainText('“n” is not valid')
    expect(await js<string[]>(page, `lab.nodeIds()`)).toEqual(['n1', 'n2', 'n3'])
    expect(await page.locator('img[src="x"]').count()).toBe(0)
    expect(dialogs).toBe(0)

    await page.goto('./?cluster=u-bad2&autoplay=0&v=7&n=3')
    await waitReady(page)
    await expect(page.getByTestId('banner').first()).toContainText('link format “7”')
    await page.goto('./?cluster=u-bad3&autoplay=0&v=1&n=12')
    await waitReady(page)
    await expect(page.getByTestId('banner').first()).toContainText('between 1 and 9')
    expect(errors).toEqual([])
  })

  test('built-in presets: the partitioned-leader preset cuts the leader off once it leads', async ({ page }) => {
    await openLab(page, 'u-preset')
    await page.getByTestId('new-cluster').click()
    await page.getByTestId('preset-partitioned-leader').click()
    await expect.poll(() => js<string[]>(page, `lab.nodeIds()`)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5'])
    await js(page, `runtime.driver.pause()`)
    const leader = await waitLeader(page)
    for (let i = 0; i < 20 && (await js<number>(page, `runtime.sched.network.config.partition.length`)) === 0; i++) await fastForward(page, 200)
    const part = await js<string[][]>(page, `runtime.sched.network.config.partition`)
    expect(part[0]).toContain(leader)
    expect(part[0]).toHaveLength(2)
    await expect(page.getByTestId('banner').first()).toContainText('cut off')
  })
})
