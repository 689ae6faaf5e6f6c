/**
 * Bad input and failures, through the shared node host and cluster loop: a corrupt disk, a full disk, a host that
 * throws. Each gives one node a clear state with a code and a sentence; the rest of the cluster goes on.
 */
import { describe, it, expect } from 'vitest'
import { Scheduler } from '../../../src/browser/scheduler.ts'
import { inprocFactory } from '../../../src/browser/inproc.ts'
import type { PortFactory } from '../../../src/cluster/loop.ts'
import type { NodeDisk } from '../../../src/storage/types.ts'
import { createMemoryDisk } from '../../../src/storage/memory.ts'
import { StorageCorruptError, StorageQuotaError } from '../../../src/storage/errors.ts'
import type { Message } from '../../../src/raft/types.ts'
import { drive, leader } from './drive.ts'
import { testSpec } from './spec.ts'

/** Memory disks, with node n3's replaced by `broken` (for the cluster named in the spec). */
function withDisk(broken: (d: NodeDisk) => NodeDisk): PortFactory {
  const disks = new Map<string, NodeDisk>()
  disks.set('fail/n3', broken(createMemoryDisk('n3')))
  return inprocFactory(disks)
}

async function others(s: Scheduler): Promise<void> {
  // The other two still elect a leader and commit.
  const l = await leader(s)
  expect(l).not.toBe('n3')
  const op = await drive(s, s.submit('c', { op: 'set', key: 'x', value: '1' }))
  expect(op.status).toBe('ok')
}

describe('failures through the shared host', () => {
  it('a disk that fails its checksums at start: the node is "corrupt" with the code corrupt', async () => {
    const s = new Scheduler(
      testSpec({ name: 'fail' }),
      withDisk((d) => ({ ...d, kind: d.kind, node: d.node, load: () => Promise.reject(new StorageCorruptError('n3', 'entry 4 fails its checksum')) })),
    )
    await s.start()
    expect(s.nodeState('n3')).toBe('corrupt')
    expect(s.nodeErrorCode('n3')).toBe('corrupt')
    expect(s.nodeError('n3')).toContain('checksum')
    await others(s)
  })

  it('a full disk while writing: the node is "crashed" with the code quota; the others go on', async () => {
    let full = false
    const s = new Scheduler(
      testSpec({ name: 'fail' }),
      withDisk((d) => ({
        ...d,
        kind: d.kind,
        node: d.node,
        load: () => d.load(),
        compact: (snap) => d.compact(snap),
        persist: (b) => (full ? Promise.reject(new StorageQuotaError('the browser refused to store more data')) : d.persist(b)),
      })),
    )
    const states: string[] = []
    s.on((e) => {
      if (e.type === 'nodeState' && e.node === 'n3') states.push(`${e.state}:${e.code ?? ''}`)
    })
    await s.start()
    await leader(s)
    full = true
    await drive(s, s.submit('c', { op: 'set', key: 'y', value: '2' }))
    await s.runUntil(s.now + 500)
    expect(s.nodeState('n3')).toBe('crashed')
    expect(s.nodeErrorCode('n3')).toBe('quota')
    expect(states).toContain('crashed:quota')
    await others(s)
  })

  it('a host that throws on a malformed input: the node is "crashed" with its error, the others go on', async () => {
    const s = new Scheduler(testSpec({ name: 'fail' }), inprocFactory())
    await s.start()
    await leader(s)
    // The core drops a malformed message; a client request that is not one makes the host throw.
    await s.input('n3', { type: 'message', msg: null as unknown as Message })
    await s.runUntil(s.now + 50)
    expect(s.nodeState('n3')).toBe('up')
    await s.input('n3', { type: 'client', req: null as never })
    await s.runUntil(s.now + 50)
    expect(s.nodeState('n3')).toBe('crashed')
    expect(s.nodeErrorCode('n3')).toBe('failed')
    expect(s.nodeError('n3')).toBeTruthy()
    await others(s)
  })
})
