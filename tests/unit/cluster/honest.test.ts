import { describe, it, expect } from 'vitest'
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { ClusterRuntime, defaultSpec, sameSetup, type MembershipStep, type StoredSettings } from '../../../src/browser/runtime.ts'
import { inprocFactory } from '../../../src/browser/inproc.ts'
import { Driver } from '../../../src/browser/driver.ts'
import type { NodeDisk } from '../../../src/storage/types.ts'
import { drive, leader } from './drive.ts'

function setup() {
  const idb = new IDBFactory()
  const disks = new Map<string, NodeDisk>()
  return () => new ClusterRuntime('t', { factory: inprocFactory(disks), storage: { indexedDB: idb }, locks: null })
}

describe('a link never deletes the stored cluster without asking', () => {
  it('a link with a different setup recovers the stored cluster and asks; its keys are still there', async () => {
    const make = setup()
    const rt = make()
    await rt.open(defaultSpec('t', 3))
    const s = rt.sched!
    await leader(s)
    await drive(s, s.submit('c', { op: 'set', key: 'before', value: 'kept' }))
    await rt.close()

    const rt2 = make()
    const link = { ...defaultSpec('t', 7), nodes: ['n1', 'n2', 'n3', 'n4', 'n5'] }
    await rt2.open(link, false, true)
    expect(rt2.status.phase).toBe('running')
    expect(rt2.status.recovered).toBe(true)
    expect(rt2.status.choice?.nodes).toEqual(['n1', 'n2', 'n3'])
    expect(rt2.status.choice?.savedAt).toBeTypeOf('number')
    expect(rt2.status.choice?.fresh.nodes.length).toBe(5)
    const s2 = rt2.sched!
    expect(s2.nodeIds()).toEqual(['n1', 'n2', 'n3'])
    await leader(s2)
    const r = await drive(s2, s2.submit('c2', { op: 'get', key: 'before' }))
    expect(r.result?.value).toBe('kept')
    await rt2.close()
  })

  it('a link with the stored setup recovers it with its data, without asking', async () => {
    const make = setup()
    const rt = make()
    await rt.open(defaultSpec('t', 3))
    await rt.close()
    const rt2 = make()
    await rt2.open(defaultSpec('t', 3), false, true)
    expect(rt2.status.recovered).toBe(true)
    expect(rt2.status.choice).toBeUndefined()
    await rt2.close()
  })

  it('sameSetup ignores key order and counts joined and removed nodes', () => {
    const spec = defaultSpec('t', 3)
    const stored: StoredSettings = { version: 1, spec: structuredClone(spec), joined: [], retired: [] }
    const reordered = { ...spec, network: Object.fromEntries(Object.entries(spec.network).reverse()) as typeof spec.network }
    expect(sameSetup(stored, reordered)).toBe(true)
    expect(sameSetup(stored, { ...spec, seed: 4 })).toBe(false)
    expect(sameSetup({ ...stored, joined: ['n4'], retired: ['n1'] }, { ...spec, nodes: ['n2', 'n3', 'n4'] })).toBe(true)
    expect(sameSetup(stored, { ...spec, storage: 'volatile' })).toBe(false)
    // A link that turns an unsafe switch on is another setup; switches that are off count as absent.
    expect(sameSetup(stored, { ...spec, params: { ...spec.params, unsafe: { commitOldTermEntries: true } } })).toBe(false)
    expect(sameSetup(stored, { ...spec, params: { ...spec.params, unsafe: { commitOldTermEntries: false } } })).toBe(true)
  })

  it('volatile storage: a reload says so in the status (the nodes start empty)', async () => {
    const make = setup()
    const rt = make()
    await rt.open({ ...defaultSpec('t', 3), storage: 'volatile' })
    await rt.close()
    const rt2 = make()
    await rt2.open()
    expect(rt2.status.recovered).toBe(true)
    expect(rt2.status.storage).toBe('volatile')
    expect(rt2.sched!.recovery('n1')?.empty).toBe(true)
    await rt2.close()
  })
})

describe('membership steps name what really happens', () => {
  it('removing the leader: "asks itself", and the node is marked as leaving until it is gone', async () => {
    const make = setup()
    const rt = make()
    await rt.open(defaultSpec('t', 9))
    const s = rt.sched!
    const l = await leader(s)
    const steps: MembershipStep[] = []
    const texts: string[] = []
    let leavingSeen: string | null = null
    const p = rt.removeNode(l, (w, step) => {
      texts.push(w)
      steps.push(step)
      leavingSeen ??= rt.removing
    })
    await drive(s, p)
    expect(steps[0]).toEqual({ k: 'askRemove', node: l, leader: l })
    expect(texts[0]).not.toBe(`asking ${l} to remove ${l}`)
    expect(texts[0]).toContain('itself')
    expect(leavingSeen).toBe(l)
    expect(rt.removing).toBeNull()
    expect(steps.at(-1)).toEqual({ k: 'removed', node: l })
    await rt.close()
  })
})

describe('fast-forward can be stopped', () => {
  it('an aborted fast-forward stops where it is, far short of its target', async () => {
    const make = setup()
    const rt = make()
    await rt.open(defaultSpec('t', 5))
    const s = rt.sched!
    const d = new Driver(s)
    const ac = new AbortController()
    const start = s.now
    d.onProgress = () => {
      if (s.now - start > 1000) ac.abort()
    }
    await d.fastForward(120_000, ac.signal)
    expect(s.now - start).toBeGreaterThan(1000)
    expect(s.now - start).toBeLessThan(60_000)
    expect(d.mode).toBe('paused')
    await rt.close()
  }, 60_000)
})
