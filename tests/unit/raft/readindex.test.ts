import { describe, expect, it } from 'vitest'
import { NotLeaderError } from '../../../src/raft/index.ts'
import { Cluster, drain, newRaw } from './harness.ts'

const ids3 = ['n1', 'n2', 'n3']
const ids5 = ['n1', 'n2', 'n3', 'n4', 'n5']

describe('ReadIndex (thesis section 6.4)', () => {
  it('a leader answers with its commit index once a heartbeat round confirms it still leads', () => {
    // Reference: thesis section 6.4 ("the leader ... sends a new round of heartbeats and waits for their
    // acknowledgments from a majority of the cluster").
    const c = new Cluster(ids3)
    c.elect('n1')
    c.propose('n1', 'a')
    const n1 = c.node('n1')
    n1.raw.readIndex('r1')
    c.flush()
    expect(n1.readStates).toEqual([])
    const hbs = c.queue.filter((m) => m.type === 'MsgHeartbeat')
    expect(hbs.map((m) => m.context)).toEqual(['r1', 'r1'])
    c.stabilize()
    expect(n1.readStates).toEqual([{ ctx: 'r1', index: 2 }])
  })

  it('one acknowledgement besides its own is enough in a 3-node cluster; two are needed in a 5-node one', () => {
    // Reference: thesis section 6.4 (a majority of the cluster).
    const c = new Cluster(ids5)
    c.elect('n1')
    c.isolate('n3', 'n4', 'n5')
    c.node('n1').raw.readIndex('r')
    c.stabilize()
    expect(c.node('n1').readStates).toEqual([])
    c.heal()
    c.isolate('n4', 'n5')
    c.node('n1').raw.readIndex('s')
    c.stabilize()
    // Confirming the later request confirms the earlier one too.
    expect(c.node('n1').readStates.map((s) => s.ctx)).toEqual(['r', 's'])
  })

  it('a leader cut off from its majority never answers', () => {
    // Reference: thesis section 6.4 (a deposed leader must not serve stale reads).
    const c = new Cluster(ids3)
    c.elect('n1')
    c.isolate('n1')
    c.node('n1').raw.readIndex('r')
    for (let i = 0; i < 30; i++) {
      c.tick('n1')
      c.stabilize()
    }
    expect(c.node('n1').readStates).toEqual([])
  })

  it('a new leader answers only after it has committed an entry of its term', () => {
    // Reference: thesis section 6.4 step 1 ("If the leader has not yet marked an entry from its current term
    // committed, it waits until it has done so").
    const c = new Cluster(ids3)
    c.filter = (m) => m.type !== 'MsgApp'
    c.elect('n1')
    c.node('n1').raw.readIndex('early')
    for (let i = 0; i < 3; i++) {
      c.tick('n1')
      c.stabilize()
    }
    expect(c.node('n1').readStates).toEqual([])
    c.heal()
    c.tick('n1')
    c.stabilize()
    expect(c.node('n1').readStates).toEqual([{ ctx: 'early', index: 1 }])
  })

  it('a lone voter answers at once; a follower throws NotLeaderError', () => {
    // Reference: thesis section 6.4 (a single-server cluster is its own majority).
    const r = newRaw('n1', ['n1'])
    r.campaign()
    drain(r)
    drain(r)
    r.readIndex('solo')
    expect(drain(r).readStates).toEqual([{ ctx: 'solo', index: 1 }])
    const c = new Cluster(ids3)
    c.elect('n1')
    expect(() => c.node('n2').raw.readIndex('x')).toThrow(NotLeaderError)
  })

  it('the read index is the commit index when the read was asked, not a later one', () => {
    // Reference: thesis section 6.4 step 1 ("save its current commit index in a local variable readIndex").
    const c = new Cluster(ids3)
    c.elect('n1')
    c.propose('n1', 'a')
    c.node('n1').raw.readIndex('r')
    c.node('n1').raw.propose('b')
    c.stabilize()
    expect(c.node('n1').readStates).toEqual([{ ctx: 'r', index: 2 }])
    expect(c.node('n1').raw.status().commit).toBe(3)
  })

  it('with unsafe.leaseReadsWithoutCheck a deposed leader answers at once with a stale index; by default it never does', () => {
    // Reference: thesis section 6.4 (why the heartbeat round is needed) and section 6.4.1 (leases need
    // bounded clock drift, which this switch ignores).
    for (const unsafe of [false, true]) {
      const c = new Cluster(ids3, { unsafe: { leaseReadsWithoutCheck: unsafe } })
      c.elect('n1')
      c.isolate('n1')
      c.elect('n2')
      c.propose('n2', 'new')
      expect(c.node('n2').raw.status().commit).toBe(3)
      c.node('n1').raw.readIndex('r')
      c.stabilize()
      expect(c.node('n1').readStates).toEqual(unsafe ? [{ ctx: 'r', index: 1 }] : [])
    }
  })

  it('a leader that steps down reports its unconfirmed reads as failed, naming the new leader', () => {
    // Reference: thesis section 6.4 (a read is served only once a heartbeat round confirms that the leader still
    // leads; a deposed leader can never confirm it). etcd drops such requests silently and its clients time out;
    // here the Ready says so at once (readFailures), and the host answers "not leader" so the client retries at
    // the new leader.
    const c = new Cluster(ids3)
    c.elect('n1')
    c.isolate('n1')
    const n1 = c.node('n1')
    n1.raw.readIndex('pending') // its heartbeat round is lost
    c.stabilize()
    c.elect('n2')
    c.propose('n2', 'x')
    expect(n1.readFailures).toEqual([])
    c.heal()
    c.tick('n2')
    c.stabilize()
    expect(n1.raw.status()).toMatchObject({ role: 'follower', leader: 'n2' })
    expect(n1.readStates).toEqual([])
    expect(n1.readFailures).toEqual([{ ctx: 'pending', leader: 'n2' }])
    // Reported once: nothing more in later Readies.
    c.tick('n2')
    c.stabilize()
    expect(n1.readFailures).toHaveLength(1)
  })

  it('a new leader that steps down before committing an entry of its term fails the reads waiting for that commit', () => {
    // Reference: thesis section 6.4 step 1 (a new leader waits for a commit of its term before serving reads).
    const c = new Cluster(ids3)
    c.filter = (m) => m.type !== 'MsgApp'
    c.elect('n1')
    c.node('n1').raw.readIndex('early')
    c.stabilize()
    c.isolate('n1')
    c.elect('n2')
    c.heal()
    c.tick('n2')
    c.stabilize()
    expect(c.node('n1').raw.status().role).toBe('follower')
    expect(c.node('n1').readStates).toEqual([])
    expect(c.node('n1').readFailures.map((f) => f.ctx)).toEqual(['early'])
  })
})
