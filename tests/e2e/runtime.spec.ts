/**
 * The browser cluster runtime, end to end: real Web Workers, real IndexedDB, Web Locks, driven through the teaching
 * app's own controls (node actions, the client panel, the banners). Each test opens its own cluster (a database
 * namespace) in a fresh browser context, paused, and drives virtual time itself, so nothing depends on how fast this
 * machine is. State is read through the page's test handle (src/ui/test-api.ts).
 */
import { test, expect, type Page } from '@playwright/test'
import { nodes, watchErrors } from './helpers.ts'
import {
  clickNode,
  expectPhase,
  fastForward,
  inspect,
  kvLatest,
  kvSend,
  kvSubmit,
  leaderOf,
  openLab,
  statePill,
  waitLeader,
  waitReady,
} from './ui-support.ts'

/** The inspector names a node's role only while it is up. */
const UP = /^(follower|pre-candidate|candidate|leader)$/

/** Every up node has applied `key` = `value`. */
async function expectEverywhere(page: Page, key: string, value: string): Promise<void> {
  await expect
    .poll(async () => {
      await fastForward(page, 100)
      const all = await nodes(page)
      return Object.entries(all)
        .filter(([, n]) => n.state === 'up')
        .every(([, n]) => n.kv.some(([k, v]) => k === key && v === value))
    }, { timeout: 20_000 })
    .toBe(true)
}

/**
 * Flip one entry inside the first stored log segment of a node's database (schema version 3: the log store
 * holds segments `{ value: { first, last, entries }, sum }`), keeping the segment's checksum: what a failing
 * disk does. Returns what was changed, naming the segment.
 */
async function corruptFirstLogSegment(page: Page, cluster: string, node: string): Promise<string> {
  return page.evaluate(
    ([c, n]) =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open(`raftlab/${encodeURIComponent(c)}/${encodeURIComponent(n)}`)
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const db = open.result
          const tx = db.transaction('log', 'readwrite')
          const store = tx.objectStore('log')
          const cur = store.openCursor()
          let what = 'nothing'
          cur.onsuccess = () => {
            const c2 = cur.result
            if (!c2) return
            const rec = c2.value as { value: { first: number; last: number; entries: { index: number; term: number; data?: string }[] } }
            const seg = rec.value
            // The first entry with data (a command), else the first entry's term.
            const e = seg.entries.find((x) => typeof x.data === 'string' && x.data.length > 0)
            if (e) {
              e.data = String.fromCharCode(e.data!.charCodeAt(0) ^ 1) + e.data!.slice(1)
              what = `data of entry ${e.index} in log segment ${seg.first}..${seg.last}`
            } else {
              seg.entries[0].term ^= 1
              what = `term of entry ${seg.entries[0].index} in log segment ${seg.first}..${seg.last}`
            }
            c2.update(rec)
          }
          tx.oncomplete = () => {
            db.close()
            resolve(what)
          }
          tx.onerror = () => reject(tx.error)
        }
      }),
    [cluster, node],
  )
}

test.describe('browser cluster runtime', () => {
  test('elects a leader, commits writes on every node, and survives a leader crash', async ({ page }) => {
    const errors = watchErrors(page)
    await openLab(page, 'e2e-basic')
    expect(await page.evaluate(() => window.__raftlab.ui!.lab.nodeIds())).toEqual(['n1', 'n2', 'n3'])
    const l1 = await waitLeader(page)
    await inspect(page, l1)
    await expect(statePill(page)).toHaveText('leader')

    const w = await kvSend(page, 'set', 'x', '1')
    expect(w.status).toBe('ok')
    expect(w.index).toBeGreaterThan(0)
    await expectEverywhere(page, 'x', '1')
    const all = await nodes(page)
    for (const n of Object.values(all)) expect(n.commit).toBeGreaterThanOrEqual(w.index!)

    await inspect(page, l1)
    await page.getByTestId('node-actions').getByTestId('crash').click()
    await expect(statePill(page)).toHaveText('crashed')
    const l2 = await waitLeader(page, 10_000, l1)
    expect(l2).not.toBe(l1)
    const r = await kvSend(page, 'get', 'x')
    expect(r).toMatchObject({ status: 'ok', value: '1' })

    await inspect(page, l1)
    await page.getByTestId('node-actions').getByTestId('restart').click()
    await expect(statePill(page)).toHaveText(UP)
    await expectEverywhere(page, 'x', '1')
    expect(errors).toEqual([])
  })

  test('a partitioned minority cannot commit; healing brings it back', async ({ page }) => {
    const errors = watchErrors(page)
    await openLab(page, 'e2e-partition')
    const old = await waitLeader(page)
    expect((await kvSend(page, 'set', 'a', 'before')).status).toBe('ok')

    // The leader alone on one side: select the other two and partition them from the rest.
    const [p, q] = ['n1', 'n2', 'n3'].filter((id) => id !== old)
    await clickNode(page, p)
    await clickNode(page, q, true)
    await page.getByTestId('node-actions').getByTestId('partition').click()
    await expect(page.getByTestId('node-actions').getByTestId('heal')).toBeVisible()
    await page.getByTestId('tab-settings').click()
    await expect(page.getByTestId('faults')).toContainText(`Group 1: ${p}, ${q}`)
    await expect(page.getByTestId('faults')).toContainText(`Everyone else: ${old}`)
    const before = (await nodes(page))[old]

    // A write sent to the old leader right away is appended there but can never commit on its side.
    const listed = await kvSubmit(page, 'set', 'm', 'minority')
    await fastForward(page, 1500)
    const mine = page.getByTestId('kv-ops').locator('tr')
    await expect(mine).toHaveCount(listed + 1)
    await expect(mine.first()).toHaveAttribute('data-status', 'pending')
    const during = (await nodes(page))[old]
    expect(during.lastIndex).toBeGreaterThan(before.lastIndex)
    expect(during.commit).toBe(before.commit)
    expect(during.role).not.toBe('leader') // check-quorum: it stepped down

    // The majority elected a leader of its own and commits.
    const l2 = await waitLeader(page, 10_000, old)
    // Submitted without waiting: it completes only while virtual time runs.
    await page.evaluate(() => {
      void window.__raftlab.runtime.sched!.submit('probe', { op: 'set', key: 'b', value: 'majority' })
    })
    await expect.poll(async () => {
      await fastForward(page, 100)
      return (await nodes(page))[l2].kv.some(([k]) => k === 'b')
    }, { timeout: 20_000 }).toBe(true)
    expect((await nodes(page))[old].commit).toBe(before.commit)
    expect((await nodes(page))[old].kv.some(([k]) => k === 'b')).toBe(false)

    await page.getByTestId('node-actions').getByTestId('heal').click()
    await expect(page.getByTestId('node-actions').getByTestId('heal')).toHaveCount(0)
    await page.getByTestId('tab-settings').click()
    await expect(page.getByTestId('faults')).toContainText('No partition, cut or isolated node.')
    await expectEverywhere(page, 'b', 'majority')
    // The pending write gets an answer (retried through the new leader, or timed out as unknown).
    await page.getByTestId('tab-client').click()
    await expect.poll(async () => {
      await fastForward(page, 200)
      return mine.first().getAttribute('data-status')
    }, { timeout: 20_000 }).not.toBe('pending')
    expect(['ok', 'unknown']).toContain((await kvLatest(page)).status)
    expect(errors).toEqual([])
  })

  test('a reload recovers every node from IndexedDB', async ({ page }) => {
    const errors = watchErrors(page)
    await openLab(page, 'e2e-reload')
    await waitLeader(page)
    const w = await kvSend(page, 'set', 'k', 'kept')
    expect(w.status).toBe('ok')
    await kvSend(page, 'set', 'k2', 'also')
    await expectEverywhere(page, 'k2', 'also')

    await page.reload()
    await waitReady(page)
    await expectPhase(page, 'running')
    await expect(page.getByTestId('banners')).toContainText('Restored from this browser’s storage')
    // Each node says what it found on its disk: its log reaches the first write.
    for (const id of ['n1', 'n2', 'n3']) {
      const insp = await inspect(page, id)
      const found = insp.getByTestId('recovery')
      await expect(found).toContainText(/^found term \d+, vote n\d, commit \d+, log \d+–\d+$/)
      const last = /log \d+–(\d+)$/.exec((await found.textContent()) ?? '')
      expect(Number(last?.[1])).toBeGreaterThanOrEqual(w.index!)
    }
    const rec = await page.evaluate(() => window.__raftlab.runtime.status.recovered)
    expect(rec).toBe(true)
    await waitLeader(page)
    expect(await kvSend(page, 'get', 'k')).toMatchObject({ status: 'ok', value: 'kept' })
    expect(await kvSend(page, 'get', 'k2')).toMatchObject({ status: 'ok', value: 'also' })
    expect(errors).toEqual([])
  })

  test('a second tab waits, takes over, and the first tab says so', async ({ page, context }) => {
    const errors = watchErrors(page)
    await openLab(page, 'e2e-tabs')
    await waitLeader(page)
    expect((await kvSend(page, 'set', 't', '1')).status).toBe('ok')

    const page2 = await context.newPage()
    const errors2 = watchErrors(page2)
    await page2.goto('./?cluster=e2e-tabs&autoplay=0')
    await expectPhase(page2, 'busy-elsewhere')
    await expect(page2.getByTestId('banners')).toContainText('another tab')
    await page2.getByTestId('banners').getByRole('button', { name: 'Take over here' }).click()
    await expectPhase(page2, 'running')
    await expectPhase(page, 'taken-over')
    await expect(page.getByTestId('banners')).toContainText('another tab')

    await waitReady(page2)
    await waitLeader(page2)
    expect(await kvSend(page2, 'get', 't')).toMatchObject({ status: 'ok', value: '1' })
    expect(errors).toEqual([])
    expect(errors2).toEqual([])
  })

  test('a corrupted disk marks its node, the rest go on, and wiping brings it back', async ({ page }) => {
    const errors = watchErrors(page)
    await openLab(page, 'e2e-corrupt')
    const l = await waitLeader(page)
    expect((await kvSend(page, 'set', 'c', '1')).status).toBe('ok')
    await expectEverywhere(page, 'c', '1')
    const victim = ['n1', 'n2', 'n3'].find((id) => id !== l)!

    // Restart path: crash it, damage its disk, restart it.
    const insp = await inspect(page, victim)
    await page.getByTestId('node-actions').getByTestId('crash').click()
    await expect(statePill(page)).toHaveText('crashed')
    const changed = await corruptFirstLogSegment(page, 'e2e-corrupt', victim)
    expect(changed).toMatch(/^(data|term) of entry \d+ in log segment \d+\.\.\d+$/)
    const segment = changed.slice(changed.indexOf('log segment'))
    await page.getByTestId('node-actions').getByTestId('restart').click()
    await expect(statePill(page)).toHaveText('disk corrupted')
    await expect(insp.getByTestId('node-error')).toContainText(/checksum|corrupt/i)
    // The error names the damaged segment.
    await expect(insp.getByTestId('node-error')).toContainText(segment)

    // Reload path: still corrupted after a reload; the other two elect a leader and commit.
    await page.reload()
    await waitReady(page)
    await expectPhase(page, 'running')
    await inspect(page, victim)
    await expect(statePill(page)).toHaveText('disk corrupted')
    await waitLeader(page)
    expect((await kvSend(page, 'set', 'c2', '2')).status).toBe('ok')

    // Wipe (its confirmation accepted): it starts empty and the leader catches it up.
    await inspect(page, victim)
    await page.getByTestId('node-actions').getByTestId('wipe').click()
    await expect(statePill(page)).toHaveText(UP)
    await expectEverywhere(page, 'c2', '2')
    const v = (await nodes(page))[victim]
    expect(v.kv).toEqual(expect.arrayContaining([['c', '1'], ['c2', '2']]))
    expect(errors).toEqual([])
  })

  test('a seeded run reaches the same state twice', async ({ page }) => {
    const errors = watchErrors(page)
    await openLab(page, 'e2e-seed')
    const run = (seed: number) =>
      page.evaluate(async (sd) => {
        const { runtime, LoadGenerator } = window.__raftlab
        const spec = structuredClone(runtime.sched!.spec)
        await runtime.newCluster({ ...spec, seed: sd, network: { ...spec.network, defaults: { ...spec.network.defaults, drop: 0.02 } } })
        const s = runtime.sched!
        const load = new LoadGenerator(s, { clients: 3 })
        load.start()
        await runtime.driver!.fastForward(2000)
        await s.crash('n1')
        await runtime.driver!.fastForward(1000)
        await s.restart('n1')
        await runtime.driver!.fastForward(1000)
        load.stop()
        await runtime.driver!.fastForward(1000)
        return { hash: s.trace.hex(), now: s.now, ok: load.stats().ok }
      }, seed)
    const a = await run(77)
    const b = await run(77)
    const c = await run(78)
    expect(a.ok).toBeGreaterThan(10)
    expect(b).toEqual(a)
    expect(c.hash).not.toBe(a.hash)
    // The page follows the last cluster: its trace and its clock.
    expect(await page.evaluate(() => window.__raftlab.runtime.sched!.trace.hex())).toBe(c.hash)
    await expect(page.getByTestId('clock')).toContainText((c.now / 1000).toFixed(3))
    expect(errors).toEqual([])
  })

  test('a worker that throws marks its node crashed with the error; the page goes on', async ({ page }) => {
    const errors = watchErrors(page)
    await openLab(page, 'e2e-throw')
    const l = await waitLeader(page)
    const victim = ['n1', 'n2', 'n3'].find((id) => id !== l)!
    // A malformed input the host cannot handle: its handler throws inside the worker.
    await page.evaluate((id) => window.__raftlab.runtime.sched!.input(id, { type: 'client', req: null as never }), victim)
    await fastForward(page, 50)
    const insp = await inspect(page, victim)
    await expect(statePill(page)).toHaveText('crashed')
    await expect(insp.getByTestId('node-error')).not.toBeEmpty()
    expect(await leaderOf(page)).toBe(l)
    expect((await kvSend(page, 'set', 'after', 'yes')).status).toBe('ok')
    await expectPhase(page, 'running')
    // Restarting it recovers it from its disk.
    await inspect(page, victim)
    await page.getByTestId('node-actions').getByTestId('restart').click()
    await expect(statePill(page)).toHaveText(UP)
    await expectEverywhere(page, 'after', 'yes')
    expect(errors).toEqual([])
  })
})
