/**
 * One cluster loop, two shells: the same seed and the same actions give the same run (the same trace hash) with
 * the nodes in Web Workers on IndexedDB in the browser, and with the same node host in-process on memory disks in
 * Node (this test's own process).
 */
import { test, expect } from '@playwright/test'
import { Scheduler, type ClusterSpec } from '../../src/browser/scheduler.ts'
import { inprocFactory } from '../../src/browser/inproc.ts'
import { LoadGenerator } from '../../src/cluster/workload.ts'
import { openLab, watchErrors } from './ui-support.ts'

/** The actions of both runs, in virtual time. */
const PLAN = { load: 3, first: 1500, crashFor: 800, after: 1200 }

test('a seeded run with load, a crash and a restart has the same trace in workers and in Node', async ({ page }) => {
  const errors = watchErrors(page)
  await openLab(page, 'e2e-same-run')
  const browser = await page.evaluate(async (plan) => {
    const { runtime, LoadGenerator: Load } = window.__raftlab
    const spec = structuredClone(runtime.sched!.spec)
    const fresh = { ...spec, seed: 4242, network: { ...spec.network, defaults: { ...spec.network.defaults, drop: 0.02 } } }
    await runtime.newCluster(fresh)
    const s = runtime.sched!
    const load = new Load(s, { clients: plan.load })
    load.start()
    await runtime.driver!.fastForward(plan.first)
    await s.crash('n2')
    await runtime.driver!.fastForward(plan.crashFor)
    await s.restart('n2')
    await runtime.driver!.fastForward(plan.after)
    return { spec: structuredClone(s.spec), hash: s.trace.hex(), now: s.now, ok: load.stats().ok }
  }, PLAN)

  const s = new Scheduler(browser.spec as ClusterSpec, inprocFactory())
  await s.start()
  const load = new LoadGenerator(s, { clients: PLAN.load })
  load.start()
  await s.runUntil(s.now + PLAN.first)
  await s.crash('n2')
  await s.runUntil(s.now + PLAN.crashFor)
  await s.restart('n2')
  await s.runUntil(s.now + PLAN.after)

  expect(browser.ok).toBeGreaterThan(10)
  expect({ hash: s.trace.hex(), now: s.now, ok: load.stats().ok }).toEqual({ hash: browser.hash, now: browser.now, ok: browser.ok })
  expect(errors).toEqual([])
})
