import { describe, it, expect } from 'vitest'
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { ClusterRuntime, defaultSpec } from '../../../src/browser/runtime.ts'
import { inprocFactory } from '../../../src/browser/inproc.ts'
import type { NodeDisk } from '../../../src/storage/types.ts'
import { drive, leader } from './drive.ts'

function setup() {
  const idb = new IDBFactory()
  const disks = new Map<string, NodeDisk>()
  const make = () => new ClusterRuntime('t', { factory: inprocFactory(disks), storage: { indexedDB: idb }, locks: null })
  return { make }
}

describe('ClusterRuntime (in-process hosts, fake IndexedDB)', () => {
  it('adds a node as a learner, catches it up by snapshot, and promotes it', async () => {
    const { make } = setup()
    const rt = make()
    await rt.open({ ...defaultSpec('t', 3), snapshotEvery: 10 })
    const s = rt.sched!
    await leader(s)
    for (let i = 0; i < 40; i++) void s.submit('c', { op: 'set', key: `k${i % 5}`, value: String(i) })
    await s.runUntil(s.now + 3000)
    const steps: string[] = []
    const id = await drive(s, rt.addNode((w) => steps.push(w)))
    expect(id).toBe('n4')
    expect(steps.at(-1)).toBe('n4 is a voter')
    await s.runUntil(s.now + 500)
    const l = s.likelyLeader()!
    expect(s.summary(l)!.voters).toEqual(['n1', 'n2', 'n3', 'n4'])
    expect(s.summary('n4')!.snapshotIndex).toBeGreaterThan(0) // it caught up through InstallSnapshot
    expect(await s.kv('n4')).toEqual(await s.kv(l))
  })

  it('removes the leader and replaces a follower, and a reload recovers the membership', async () => {
    const { make } = setup()
    const rt = make()
    await rt.open(defaultSpec('t', 9))
    const s = rt.sched!
    const l = await leader(s)
    await drive(s, rt.removeNode(l))
    expect(s.nodeState(l)).toBe('removed')
    const l2 = await leader(s)
    expect(l2).not.toBe(l)
    expect(s.summary(l2)!.voters).not.toContain(l)
    const follower = s.nodeIds().find((id) => id !== l2 && s.nodeState(id) === 'up')!
    const nid = await drive(s, rt.replaceNode(follower))
    await s.runUntil(s.now + 500)
    const l3 = await leader(s)
    const voters = s.summary(l3)!.voters
    expect(voters).toContain(nid)
    expect(voters).not.toContain(follower)
    expect(voters.length).toBe(2)
    const w = s.submit('c', { op: 'set', key: 'after', value: 'yes' })
    await drive(s, w)
    await rt.close()

    // A reload: a new runtime over the same databases recovers every node and the membership.
    const rt2 = make()
    await rt2.open()
    expect(rt2.status.message).toBeUndefined()
    expect(rt2.status.recovered).toBe(true)
    const s2 = rt2.sched!
    expect(s2.nodeState(l)).toBe('removed')
    expect(s2.nodeState(follower)).toBe('removed')
    const l4 = await leader(s2)
    expect(s2.summary(l4)!.voters.sort()).toEqual([...voters].sort())
    const r = await drive(s2, s2.submit('c2', { op: 'get', key: 'after' }))
    expect(r.result?.value).toBe('yes')
  })
})
