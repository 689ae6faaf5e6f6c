import { describe, expect, it } from 'vitest'
import type { Message } from '../../../src/raft/index.ts'
import { Cluster, disk, drain, log, newRaw } from './harness.ts'

const ids3 = ['n1', 'n2', 'n3']
const ids5 = ['n1', 'n2', 'n3', 'n4', 'n5']

const app = (from: string, to: string, term: number, rest: Partial<Message>): Message => ({ type: 'MsgApp', from, to, term, entries: [], commit: 0, ...rest })
const cmd = (index: number, term: number, data = `${index}@${term}`) => ({ index, term, kind: 'command' as const, data })
const data = (ents: Array<{ kind: string; data?: string }>) => ents.map((e) => (e.kind === 'command' ? e.data : e.kind))

describe('section 5.3: log replication', () => {
  it('a leader appends a proposal and sends it with the index and term of the entry before it', () => {
    // Reference: section 5.3 ("The leader appends the command to its log as a new entry, then issues
    // AppendEntries RPCs in parallel"; Figure 2: prevLogIndex, prevLogTerm, leaderCommit).
    const c = new Cluster(ids3)
    c.elect('n1')
    const at = c.node('n1').raw.propose('x')
    expect(at).toEqual({ index: 2, term: 1 })
    c.flush()
    expect(c.logOf('n1')).toEqual([[1, 1, 'noop'], [2, 1, 'x']])
    const apps = c.queue.filter((m) => m.type === 'MsgApp')
    expect(apps.map((m) => m.to).sort()).toEqual(['n2', 'n3'])
    for (const m of apps) expect(m).toMatchObject({ term: 1, index: 1, logTerm: 1, commit: 1, entries: [{ index: 2, term: 1, kind: 'command', data: 'x' }] })
  })

  it('an entry commits once a majority stores it, not before', () => {
    // Reference: section 5.3 ("A log entry is committed once the leader that created the entry has
    // replicated it on a majority of the servers").
    const c = new Cluster(ids5)
    c.elect('n1')
    c.isolate('n3', 'n4', 'n5')
    c.propose('n1', 'a')
    expect(c.node('n1').raw.status().commit).toBe(1)
    expect(c.node('n1').applied.map((e) => e.data ?? e.kind)).toEqual(['noop'])
    c.heal()
    c.isolate('n4', 'n5')
    c.tick('n1')
    c.stabilize()
    expect(c.node('n1').raw.status().commit).toBe(2)
    expect(c.node('n1').raw.status().progress).toMatchObject({ n2: { match: 2 }, n3: { match: 2 }, n4: { match: 1 }, n5: { match: 1 } })
  })

  it('the leader counts its own copy only once it is persisted (a lone voter commits on advance)', () => {
    // Reference: section 5.3 with Figure 2 ("stable storage"): an entry is stored once it is on disk.
    const r = newRaw('n1', ['n1'])
    r.campaign()
    drain(r)
    drain(r)
    expect(r.status().commit).toBe(1)
    r.propose('x')
    const rd = r.ready()
    expect(rd.entries.map((e) => e.data)).toEqual(['x'])
    expect(rd.committedEntries).toEqual([])
    expect(r.status().commit).toBe(1)
    r.advance()
    expect(r.status().commit).toBe(2)
    expect(drain(r).committedEntries.map((e) => e.data)).toEqual(['x'])
  })

  it('followers learn the commit index from the leader\'s next message and apply in log order', () => {
    // Reference: section 5.3 ("Once a follower learns that a log entry is committed, it applies the entry to
    // its local state machine (in log order)").
    const c = new Cluster(ids3)
    c.elect('n1')
    c.node('n1').raw.propose('a')
    c.node('n1').raw.propose('b')
    // Deliver the appends and their acknowledgements only.
    c.deliverOne()
    c.deliverOne()
    expect(c.node('n2').raw.status()).toMatchObject({ lastIndex: 3, commit: 1 })
    c.deliverOne()
    expect(c.node('n1').raw.status().commit).toBe(3)
    expect(c.node('n2').raw.status().commit).toBe(1)
    c.stabilize()
    for (const id of ids3) {
      expect(c.node(id).raw.status().commit).toBe(3)
      expect(data(c.node(id).applied)).toEqual(['noop', 'a', 'b'])
      expect(c.node(id).applied.map((e) => e.index)).toEqual([1, 2, 3])
    }
  })

  it('a follower whose acknowledgement arrives after the commit still learns the commit index at once', () => {
    // Reference: section 5.3 ("The leader keeps track of the highest index it knows to be committed, and it
    // includes that index in future AppendEntries RPCs"): the leader answers a late ack with the commit index
    // instead of leaving the follower behind until the next heartbeat.
    const c = new Cluster(ids3)
    c.elect('n1') // n2's ack commits the noop; n3's ack arrives after that
    for (const id of ids3) expect(c.node(id).raw.status().commit).toBe(1)
    c.propose('n1', 'a')
    for (const id of ids3) expect(data(c.node(id).applied)).toEqual(['noop', 'a'])
  })

  it('a follower commits min(leaderCommit, index of the last new entry)', () => {
    // Reference: Figure 2, AppendEntries receiver rule 5.
    const r = newRaw('n2', ids3)
    r.step(app('n1', 'n2', 1, { index: 0, logTerm: 0, entries: [cmd(1, 1), cmd(2, 1)], commit: 9 }))
    expect(r.status().commit).toBe(2)
    const rd = drain(r)
    expect(rd.entries.map((e) => e.index)).toEqual([1, 2])
    expect(rd.committedEntries.map((e) => e.index)).toEqual([1, 2])
    expect(rd.messages).toEqual([{ type: 'MsgAppResp', from: 'n2', to: 'n1', term: 1, index: 2 }])
  })

  it('the consistency check rejects an append whose previous entry does not match, leaving the log alone', () => {
    // Reference: section 5.3 ("If the follower does not find an entry in its log with the same index and term,
    // then it refuses the new entries").
    const r = newRaw('n2', ids3, {}, disk(log(1, 1), 2))
    drain(r)
    r.step(app('n1', 'n2', 2, { index: 2, logTerm: 2, entries: [cmd(3, 2)] }))
    let rd = drain(r)
    expect(rd.messages[0]).toMatchObject({ type: 'MsgAppResp', index: 2, reject: true, rejectHint: 2, hintTerm: 1 })
    r.step(app('n1', 'n2', 2, { index: 5, logTerm: 2, entries: [cmd(6, 2)] }))
    rd = drain(r)
    // Beyond our log: the hint is our last index.
    expect(rd.messages[0]).toMatchObject({ type: 'MsgAppResp', index: 5, reject: true, rejectHint: 2 })
    expect(r.lastIndex()).toBe(2)
    expect(rd.entries).toEqual([])
  })

  it('conflicting entries are truncated and replaced by the leader\'s; the Ready says which suffix', () => {
    // Reference: section 5.3 ("the leader handles inconsistencies by forcing the followers' logs to duplicate
    // its own"); Figure 2, AppendEntries receiver rules 3 and 4.
    const r = newRaw('n2', ids3, {}, disk(log(1, 1, 1, 1), 2))
    drain(r)
    r.step(app('n1', 'n2', 3, { index: 1, logTerm: 1, entries: [cmd(2, 1), cmd(3, 3)] }))
    const rd = drain(r)
    expect(r.entries(1, r.lastIndex() + 1).map((e) => [e.index, e.term])).toEqual([[1, 1], [2, 1], [3, 3]])
    expect(rd.entries.map((e) => [e.index, e.term])).toEqual([[3, 3]])
    expect(rd.messages[0]).toMatchObject({ type: 'MsgAppResp', index: 3 })
    expect(rd.messages[0].reject).toBeUndefined()
  })

  it('an older, reordered append does not truncate entries a newer one added', () => {
    // Reference: section 5.3, Figure 2 receiver rule 3 (truncate only on a conflict: "same index but
    // different terms").
    const r = newRaw('n2', ids3, {}, disk(log(1, 1, 1), 1))
    drain(r)
    r.step(app('n1', 'n2', 1, { index: 0, logTerm: 0, entries: [cmd(1, 1)] }))
    const rd = drain(r)
    expect(r.lastIndex()).toBe(3)
    expect(rd.entries).toEqual([])
    expect(rd.messages[0]).toMatchObject({ type: 'MsgAppResp', index: 1 })
  })

  it('a follower diverged by many entries over a few terms is repaired in a few rejected appends, not one per entry', () => {
    // Reference: section 5.3 ("the protocol can be optimized to reduce the number of rejected AppendEntries
    // RPCs ... one AppendEntries RPC will be required for each term with conflicting entries").
    const c = new Cluster([])
    const long = log(1, ...Array(30).fill(2), ...Array(30).fill(3)) // 61 entries of terms 2 and 3 that never committed
    const lead = log(1, ...Array(10).fill(4))
    c.load('n1', ids3, disk(lead, 5))
    c.load('n2', ids3, disk(lead, 5))
    c.load('n3', ids3, disk(long, 3))
    c.elect('n1')
    c.propose('n1', 'x')
    expect(c.node('n1').raw.status()).toMatchObject({ role: 'leader', term: 6 })
    const rejects = c.count((m) => m.type === 'MsgAppResp' && m.from === 'n3' && m.reject === true)
    expect(rejects).toBeGreaterThan(0)
    expect(rejects).toBeLessThanOrEqual(2)
    expect(c.logOf('n3')).toEqual(c.logOf('n1'))
    expect(c.node('n3').raw.status().commit).toBe(13)
  })

  it('a follower with a shorter log is found with one rejection', () => {
    // Reference: section 5.3 (the rejection tells the leader where the follower's log ends).
    const c = new Cluster(ids3)
    c.elect('n1')
    c.isolate('n3')
    for (let i = 0; i < 40; i++) c.propose('n1', `v${i}`)
    c.heal()
    c.tick('n1') // the heartbeat's answer unblocks the full window; the next append fails the check once
    c.stabilize()
    const rejects = c.count((m) => m.type === 'MsgAppResp' && m.from === 'n3' && m.reject === true)
    expect(rejects).toBe(1)
    expect(c.logOf('n3')).toEqual(c.logOf('n1'))
  })

  it('appends carry at most maxEntriesPerMsg entries', () => {
    // Reference: section 5.3 (AppendEntries may send "more than one for efficiency"); the batch is bounded.
    const c = new Cluster(ids3, { maxEntriesPerMsg: 5 })
    c.elect('n1')
    c.isolate('n3')
    for (let i = 0; i < 23; i++) c.propose('n1', `v${i}`)
    c.heal()
    c.tick('n1')
    c.stabilize()
    const sizes = c.sent.filter((m) => m.type === 'MsgApp' && m.to === 'n3').map((m) => m.entries!.length)
    expect(Math.max(...sizes)).toBe(5)
    expect(c.logOf('n3')).toEqual(c.logOf('n1'))
    expect(c.node('n3').raw.lastIndex()).toBe(24)
  })

  it('in replicate state at most maxInflightMsgs appends are unacknowledged at once', () => {
    // Reference: section 5.3 (pipelining AppendEntries; flow control is an implementation choice, as in etcd).
    const c = new Cluster(ids3, { maxEntriesPerMsg: 1, maxInflightMsgs: 4 })
    c.elect('n1')
    c.propose('n1', 'warm-up') // n2 is now in replicate
    expect(c.node('n1').raw.status().progress!.n2.state).toBe('replicate')
    const before = c.sent.length
    c.filter = (m) => !(m.type === 'MsgAppResp' && m.from === 'n2') // acknowledgements from n2 are lost
    for (let i = 0; i < 10; i++) c.node('n1').raw.propose(`v${i}`)
    c.stabilize()
    const out = c.sent.slice(before).filter((m) => m.type === 'MsgApp' && m.to === 'n2' && m.entries!.length > 0)
    expect(out).toHaveLength(4)
  })

  it('entries in flight are not resent on every heartbeat', () => {
    // Reference: section 5.3 ("the leader retries AppendEntries RPCs indefinitely" only when they fail).
    const c = new Cluster(ids3)
    c.elect('n1')
    c.propose('n1', 'a')
    c.filter = (m) => !(m.type === 'MsgAppResp' && m.from === 'n2') // n2 has the entry, its acks are slow
    const { index } = c.node('n1').raw.propose('b')
    c.stabilize()
    for (let i = 0; i < 5; i++) {
      c.tick('n1')
      c.stabilize()
    }
    const carrying = c.sent.filter((m) => m.type === 'MsgApp' && m.to === 'n2' && m.entries!.some((e) => e.index === index))
    expect(carrying).toHaveLength(1)
    expect(c.node('n1').raw.status().progress!.n2.state).toBe('replicate')
  })

  it('a follower that rejects an append goes back to probe, then to replicate once the match is found', () => {
    // Reference: section 5.3 ("After a rejection, the leader decrements nextIndex and retries").
    const c = new Cluster(ids3)
    c.elect('n1')
    c.propose('n1', 'a')
    expect(c.node('n1').raw.status().progress!.n3).toEqual({ match: 2, next: 3, state: 'replicate' })
    // Lose the append of 'b' to n3: the append of 'c' then fails the consistency check.
    let lost = false
    c.filter = (m) => {
      if (!lost && m.type === 'MsgApp' && m.to === 'n3' && m.entries!.some((e) => e.data === 'b')) return !(lost = true)
      return !(lost && m.type === 'MsgApp' && m.to === 'n3' && m.index === 2) // hold the repairing probe too
    }
    c.propose('n1', 'b')
    c.propose('n1', 'c')
    expect(c.count((m) => m.type === 'MsgAppResp' && m.from === 'n3' && m.reject === true)).toBe(1)
    expect(c.node('n1').raw.status().progress!.n3).toEqual({ match: 2, next: 3, state: 'probe' })
    c.heal()
    c.tick('n1')
    c.stabilize()
    expect(c.node('n1').raw.status().progress!.n3).toEqual({ match: 4, next: 5, state: 'replicate' })
    expect(c.logOf('n3')).toEqual(c.logOf('n1'))
  })

  it('in probe state one append is outstanding at a time, retried once per heartbeat answer', () => {
    // Reference: section 5.3 ("If followers crash or run slowly, or if network packets are lost, the leader
    // retries AppendEntries RPCs indefinitely").
    const c = new Cluster(ids3)
    c.isolate('n3')
    c.elect('n1')
    c.propose('n1', 'a')
    c.propose('n1', 'b')
    // n3 never answered: still probing, with the first probe (carrying the noop) out and unanswered.
    expect(c.node('n1').raw.status().progress!.n3).toEqual({ match: 0, next: 1, state: 'probe' })
    const appsTo3 = () => c.count((m) => m.type === 'MsgApp' && m.to === 'n3')
    expect(appsTo3()).toBe(1)
    c.tick('n1')
    c.stabilize()
    expect(appsTo3()).toBe(1) // the heartbeat got no answer either: nothing new is unlocked
    c.filter = (m) => !(m.type === 'MsgApp' && m.to === 'n3') // heartbeats get through, appends do not
    for (let i = 1; i <= 3; i++) {
      c.tick('n1')
      c.stabilize()
      expect(appsTo3()).toBe(1 + i)
    }
    c.heal()
    c.tick('n1')
    c.stabilize()
    expect(c.logOf('n3')).toEqual(c.logOf('n1'))
    expect(c.node('n1').raw.status().progress!.n3.state).toBe('replicate')
  })

  it('the logs of all servers match after leader changes and losses (Log Matching)', () => {
    // Reference: section 5.3 (Log Matching Property) and Figure 3.
    const c = new Cluster(ids5)
    c.elect('n1')
    c.propose('n1', 'a')
    c.isolate('n1', 'n2')
    c.node('n1').raw.propose('lost-1')
    c.node('n1').raw.propose('lost-2')
    c.stabilize()
    c.elect('n3')
    c.propose('n3', 'b')
    c.heal()
    c.tick('n3')
    c.stabilize()
    c.propose('n3', 'c')
    for (const id of ids5) {
      expect(c.logOf(id)).toEqual(c.logOf('n3'))
      expect(data(c.node(id).applied)).toEqual(['noop', 'a', 'noop', 'b', 'c'])
    }
  })
})
