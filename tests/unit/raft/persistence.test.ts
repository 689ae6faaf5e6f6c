import { describe, expect, it } from 'vitest'
import type { Message } from '../../../src/raft/index.ts'
import { Cluster, disk, drain, log, newRaw } from './harness.ts'

const ids3 = ['n1', 'n2', 'n3']
const data = (ents: Array<{ kind: string; data?: string }>) => ents.map((e) => (e.kind === 'command' ? e.data : e.kind))
const vote = (from: string, to: string, term: number, index = 0, logTerm = 0): Message => ({ type: 'MsgVote', from, to, term, index, logTerm })

describe('persistence and restart (Figure 2: persistent state on all servers)', () => {
  it('a restarted node keeps its term, vote, log and commit index', () => {
    // Reference: Figure 2 (currentTerm, votedFor, log[] are persistent) and section 5.1.
    const c = new Cluster(ids3)
    c.elect('n1')
    c.propose('n1', 'a')
    c.propose('n1', 'b')
    c.tick('n1')
    c.stabilize()
    const before = c.node('n2').raw.status()
    const n2 = c.restart('n2')
    const after = n2.raw.status()
    expect(after).toMatchObject({ term: before.term, vote: before.vote, commit: before.commit, lastIndex: before.lastIndex, role: 'follower', leader: null })
    expect(c.logOf('n2')).toEqual(c.logOf('n1'))
  })

  it('committed entries replay from index 1 through ready()/advance() alone, with no tick and no message', () => {
    // Reference: section 5.3 and Figure 2 (lastApplied is volatile: the state machine is rebuilt by re-applying).
    const r = newRaw('n2', ids3, {}, disk(log(1, 1, 2, 2, 2), 2, 'n1', 3))
    expect(r.status()).toMatchObject({ commit: 3, applied: 0, lastIndex: 5 })
    const rd = r.ready()
    expect(rd.committedEntries.map((e) => e.index)).toEqual([1, 2, 3])
    expect(rd.messages).toEqual([])
    expect(rd.entries).toEqual([]) // already on disk
    expect(rd.hardState).toBeUndefined() // unchanged
    r.advance()
    expect(r.status().applied).toBe(3)
    expect(r.hasReady()).toBe(false)
  })

  it('after a snapshot the replay starts at snapshot.index + 1', () => {
    // Reference: section 7 (the snapshot replaces the log prefix; the state machine restarts from it).
    const c = new Cluster(ids3)
    c.elect('n1')
    for (const v of ['a', 'b', 'c', 'd']) c.propose('n1', v)
    c.tick('n1')
    c.stabilize()
    c.compact('n2', 3, 'state@3')
    const n2 = c.restart('n2')
    expect(n2.raw.status()).toMatchObject({ snapshotIndex: 3, firstIndex: 4, commit: 5, applied: 5 })
    expect(n2.applied.map((e) => e.index)).toEqual([4, 5])
    expect(n2.raw.snapshot()).toMatchObject({ index: 3, data: 'state@3', voters: ids3 })
    expect(c.queue).toEqual([]) // the replay sent nothing
  })

  it('a restarted node cannot vote twice in a term', () => {
    // Reference: section 5.2 and Figure 2 (votedFor is persistent, so a crash cannot grant a second vote).
    const c = new Cluster(ids3)
    c.isolate('n2')
    c.node('n3').raw.step(vote('n1', 'n3', 1))
    c.flush()
    expect(c.node('n3').disk.hardState).toMatchObject({ term: 1, vote: 'n1' })
    const n3 = c.restart('n3')
    n3.raw.step(vote('n2', 'n3', 1))
    c.flush()
    const resp = c.queue.filter((m) => m.from === 'n3' && m.to === 'n2')
    expect(resp).toEqual([{ type: 'MsgVoteResp', from: 'n3', to: 'n2', term: 1, reject: true }])
    expect(n3.raw.status().vote).toBe('n1')
  })

  it('with unsafe.forgetVoteOnRestart the restarted node votes again in the same term', () => {
    // Reference: section 5.2; the deliberate bug drops votedFor at restart.
    const c = new Cluster(ids3)
    c.node('n3').raw.step(vote('n1', 'n3', 1))
    c.flush()
    const n3 = c.restart('n3', { unsafe: { forgetVoteOnRestart: true } })
    expect(n3.raw.status().vote).toBeNull()
    n3.raw.step(vote('n2', 'n3', 1))
    c.flush()
    expect(c.queue.filter((m) => m.from === 'n3' && m.to === 'n2')).toEqual([{ type: 'MsgVoteResp', from: 'n3', to: 'n2', term: 1, reject: false }])
  })

  it('a leader restarts as a follower of the same term and the cluster carries on', () => {
    // Reference: section 5.2 (servers start up as followers).
    const c = new Cluster(ids3)
    c.elect('n1')
    c.propose('n1', 'a')
    const n1 = c.restart('n1')
    expect(n1.raw.status()).toMatchObject({ role: 'follower', term: 1, leader: null })
    c.tickUntil(() => c.leader() !== undefined)
    const leader = c.leader()!
    c.propose(leader.id, 'b')
    c.tick(leader.id)
    c.stabilize()
    for (const id of ids3) expect(data(c.node(id).applied)).toEqual(['noop', 'a', 'noop', 'b'])
  })

  it('a whole cluster restarted from disk keeps every committed entry and elects in a later term', () => {
    // Reference: section 5.4.3 / Figure 2 (state on stable storage survives crashes of all servers).
    const c = new Cluster(ids3)
    c.elect('n2')
    for (const v of ['a', 'b', 'c']) c.propose('n2', v)
    for (const id of ids3) c.restart(id)
    for (const id of ids3) expect(data(c.node(id).applied).slice(0, 3)).toEqual(['noop', 'a', 'b'])
    c.tickUntil(() => c.leader() !== undefined)
    expect(c.leader()!.raw.status().term).toBeGreaterThan(1)
    c.propose(c.leader()!.id, 'd')
    c.tick(c.leader()!.id)
    c.stabilize()
    for (const id of ids3) expect(data(c.node(id).applied).filter((x) => x !== 'noop')).toEqual(['a', 'b', 'c', 'd'])
  })

  it('restart refuses a corrupt disk: a gap in the log, a term going back, a commit beyond the log', () => {
    // Reference: Figure 2 (the log is a sequence of entries with indexes 1, 2, ...); assertions at read time.
    const gap = log(1, 1, 1).filter((e) => e.index !== 2)
    expect(() => newRaw('n1', ids3, {}, disk(gap, 1))).toThrow(/not contiguous/)
    expect(() => newRaw('n1', ids3, {}, disk(log(2, 1), 2))).toThrow(/back in term/)
    expect(() => newRaw('n1', ids3, {}, disk(log(1, 1), 1, null, 3))).toThrow(/beyond its last index/)
  })

  it('entries and the hard state reach disk in the Ready that acknowledges them', () => {
    // Reference: Figure 2 ("updated on stable storage before responding to RPCs").
    const r = newRaw('n2', ids3)
    r.step({ type: 'MsgApp', from: 'n1', to: 'n2', term: 2, index: 0, logTerm: 0, entries: log(1, 2), commit: 1 })
    const rd = r.ready()
    expect(rd.entries.map((e) => e.index)).toEqual([1, 2])
    expect(rd.hardState).toEqual({ term: 2, vote: null, commit: 1 })
    expect(rd.messages).toEqual([{ type: 'MsgAppResp', from: 'n2', to: 'n1', term: 2, index: 2 }])
    r.advance()
    expect(drain(r).entries).toEqual([])
  })
})
