/**
 * The browser cluster runtime, end to end: real Web Workers, real IndexedDB, Web Locks, through the debug panel.
 * Each test opens its own cluster (a database namespace) in a fresh browser context, paused, and drives virtual
 * time itself, so nothing depends on how fast this machine is.
 */
import { test, expect, type Page } from '@playwright/test'
import { appUrl, expectPhase, fastForward, kvThroughPanel, leaderOf, nodes, openCluster, waitForLeader, watchErrors } from './helpers.ts'

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
    await openCluster(page, 'e2e-basic')
    await expect(page.getByTestId('node-row-n1')).toBeVisible()
    const l1 = await waitForLeader(page)
    await expect(page.getByTestId(`node-row-${l1}`)).toHaveAttribute('data-role', 'leader')

    const w = await kvThroughPanel(page, 'set', 'x', '1')
    expect(w.status).toBe('ok')
    expect(w.index).toBeGreaterThan(0)
    await expectEverywhere(page, 'x', '1')
    const all = await nodes(page)
    for (const n of Object.values(all)) expect(n.commit).toBeGreaterThanOrEqual(w.index!)

    await page.getByTestId(`node-${l1}-crash`).click()
    await expect(page.getByTestId(`node-row-${l1}`)).toHaveAttribute('data-state', 'crashed')
    const l2 = await waitForLeader(page, l1)
    expect(l2).not.toBe(l1)
    const r = await kvThroughPanel(page, 'get', 'x')
    expect(r).toMatchObject({ status: 'ok', value: '1' })

    await page.getByTestId(`node-${l1}-restart`).click()
    await expect(page.getByTestId(`node-row-${l1}`)).toHaveAttribute('data-state', 'up')
    await expectEverywhere(page, 'x', '1')
    expect(errors).toEqual([])
  })

  test('a partitioned minority cannot commit; healing brings it back', async ({ page }) => {
    const errors = watchErrors(page)
    await openCluster(page, 'e2e-partition')
    const old = await waitForLeader(page)
    expect((await kvThroughPanel(page, 'set', 'a', 'before')).status).toBe('ok')

    // The leader alone on one side.
    await page.getByTestId(`net-group-${old}`).check()
    await page.getByTestId('net-partition').click()
    await expect(page.getByTestId('net-state')).toContainText('Partitioned')
    const before = (await nodes(page))[old]

    // A write sent to the old leader right away is appended there but can never commit on its side.
    await page.getByTestId('kv-op').selectOption('set')
    await page.getByTestId('kv-key').fill('m')
    await page.getByTestId('kv-value').fill('minority')
    await page.getByTestId('kv-send').click()
    await fastForward(page, 1500)
    await expect(page.getByTestId('kv-pending')).toBeVisible()
    const during = (await nodes(page))[old]
    expect(during.lastIndex).toBeGreaterThan(before.lastIndex)
    expect(during.commit).toBe(before.commit)
    expect(during.role).not.toBe('leader') // check-quorum: it stepped down

    // The majority elected a leader of its own and commits.
    const l2 = await waitForLeader(page, old)
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

    await page.getByTestId('net-heal').click()
    await expect(page.getByTestId('net-state')).toHaveText('')
    await expectEverywhere(page, 'b', 'majority')
    // The pending write gets an answer (retried through the new leader, or timed out as unknown).
    await expect.poll(async () => {
      await fastForward(page, 200)
      return page.getByTestId('kv-pending').count()
    }, { timeout: 20_000 }).toBe(0)
    expect(['ok', 'unknown']).toContain(await page.getByTestId('kv-outcome').getAttribute('data-status'))
    expect(errors).toEqual([])
  })

  test('a reload recovers every node from IndexedDB', async ({ page }) => {
    const errors = watchErrors(page)
    await openCluster(page, 'e2e-reload')
    await waitForLeader(page)
    const w = await kvThroughPanel(page, 'set', 'k', 'kept')
    expect(w.status).toBe('ok')
    await kvThroughPanel(page, 'set', 'k2', 'also')
    await expectEverywhere(page, 'k2', 'also')

    await page.reload()
    await expectPhase(page, 'running')
    await expect(page.getByTestId('recovered-list')).toBeVisible()
    for (const id of ['n1', 'n2', 'n3']) {
      const li = page.getByTestId(`recovered-${id}`)
      await expect(li).toBeVisible()
      expect(Number(await li.getAttribute('data-log'))).toBeGreaterThanOrEqual(w.index!)
    }
    const rec = await page.evaluate(() => window.__raftlab.runtime.status.recovered)
    expect(rec).toBe(true)
    await waitForLeader(page)
    expect(await kvThroughPanel(page, 'get', 'k')).toMatchObject({ status: 'ok', value: 'kept' })
    expect(await kvThroughPanel(page, 'get', 'k2')).toMatchObject({ status: 'ok', value: 'also' })
    expect(errors).toEqual([])
  })

  test('a second tab waits, takes over, and the first tab says so', async ({ page, context }) => {
    const errors = watchErrors(page)
    await openCluster(page, 'e2e-tabs')
    await waitForLeader(page)
    expect((await kvThroughPanel(page, 'set', 't', '1')).status).toBe('ok')

    const page2 = await context.newPage()
    const errors2 = watchErrors(page2)
    await page2.goto(appUrl('e2e-tabs'))
    await expectPhase(page2, 'busy-elsewhere')
    await expect(page2.getByTestId('status-message')).toContainText('another tab')
    await page2.getByTestId('take-over').click()
    await expectPhase(page2, 'running')
    await expectPhase(page, 'taken-over')
    await expect(page.getByTestId('status-message')).toContainText('another tab')

    await waitForLeader(page2)
    expect(await kvThroughPanel(page2, 'get', 't')).toMatchObject({ status: 'ok', value: '1' })
    expect(errors).toEqual([])
    expect(errors2).toEqual([])
  })

  test('a corrupted disk marks its node, the rest go on, and wiping brings it back', async ({ page }) => {
    const errors = watchErrors(page)
    await openCluster(page, 'e2e-corrupt')
    const l = await waitForLeader(page)
    expect((await kvThroughPanel(page, 'set', 'c', '1')).status).toBe('ok')
    await expectEverywhere(page, 'c', '1')
    const victim = ['n1', 'n2', 'n3'].find((id) => id !== l)!

    // Restart path: crash it, damage its disk, restart it.
    await page.getByTestId(`node-${victim}-crash`).click()
    await expect(page.getByTestId(`node-row-${victim}`)).toHaveAttribute('data-state', 'crashed')
    const changed = await corruptFirstLogSegment(page, 'e2e-corrupt', victim)
    expect(changed).toMatch(/^(data|term) of entry \d+ in log segment \d+\.\.\d+$/)
    const segment = changed.slice(changed.indexOf('log segment'))
    await page.getByTestId(`node-${victim}-restart`).click()
    await expect(page.getByTestId(`node-row-${victim}`)).toHaveAttribute('data-state', 'corrupt')
    await expect(page.getByTestId(`node-${victim}-state`)).toContainText('disk corrupted')
    await expect(page.getByTestId(`node-${victim}-error`)).toContainText(/checksum|corrupt/i)
    // The error names the damaged segment.
    await expect(page.getByTestId(`node-${victim}-error`)).toContainText(segment)

    // Reload path: still corrupted after a reload; the other two elect a leader and commit.
    await page.reload()
    await expectPhase(page, 'running')
    await expect(page.getByTestId(`node-row-${victim}`)).toHaveAttribute('data-state', 'corrupt')
    await waitForLeader(page)
    expect((await kvThroughPanel(page, 'set', 'c2', '2')).status).toBe('ok')

    // Wipe: it starts empty and the leader catches it up.
    await page.getByTestId(`node-${victim}-wipe`).click()
    await expect(page.getByTestId(`node-row-${victim}`)).toHaveAttribute('data-state', 'up')
    await expectEverywhere(page, 'c2', '2')
    const v = (await nodes(page))[victim]
    expect(v.kv).toEqual(expect.arrayContaining([['c', '1'], ['c2', '2']]))
    expect(errors).toEqual([])
  })

  test('a seeded run reaches the same state twice', async ({ page }) => {
    const errors = watchErrors(page)
    await openCluster(page, 'e2e-seed')
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
    await expect(page.getByTestId('trace-hash')).toHaveText(c.hash)
    expect(errors).toEqual([])
  })

  test('a worker that throws marks its node crashed with the error; the page goes on', async ({ page }) => {
    const errors = watchErrors(page)
    await openCluster(page, 'e2e-throw')
    const l = await waitForLeader(page)
    const victim = ['n1', 'n2', 'n3'].find((id) => id !== l)!
    // A malformed input the host cannot handle: its handler throws inside the worker.
    await page.evaluate((id) => window.__raftlab.runtime.sched!.input(id, { type: 'client', req: null as never }), victim)
    await fastForward(page, 50)
    await expect(page.getByTestId(`node-row-${victim}`)).toHaveAttribute('data-state', 'crashed')
    await expect(page.getByTestId(`node-${victim}-error`)).not.toBeEmpty()
    expect(await leaderOf(page)).toBe(l)
    expect((await kvThroughPanel(page, 'set', 'after', 'yes')).status).toBe('ok')
    await expectPhase(page, 'running')
    // Restarting it recovers it from its disk.
    await page.getByTestId(`node-${victim}-restart`).click()
    await expect(page.getByTestId(`node-row-${victim}`)).toHaveAttribute('data-state', 'up')
    await expectEverywhere(page, 'after', 'yes')
    expect(errors).toEqual([])
  })
})
