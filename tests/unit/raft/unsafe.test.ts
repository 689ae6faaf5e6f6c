import { describe, expect, it } from 'vitest'
import type { Message } from '../../../src/raft/index.ts'
import { Cluster, disk, drain, log, newRaw } from './harness.ts'

const ids3 = ['n1', 'n2', 'n3']
const data = (ents: Array<{ kind: string; data?: string }>) => ents.map((e) => (e.kind === 'command' ? e.data : e.kind))

describe('unsafe switches: each breaks one rule, and only when it is on', () => {
  it('skipLogUpToDateCheck: a voter grants a candidate whose log is behind', () => {
    // Reference: section 5.4.1 (the election restriction this switch removes).
    for (const unsafe of [false, true]) {
      const r = newRaw('n2', ids3, { unsafe: { skipLogUpToDateCheck: unsafe } }, disk(log(1, 2, 2), 2))
      drain(r)
      r.step({ type: 'MsgVote', from: 'n3', to: 'n2', term: 3, index: 1, logTerm: 1 })
      expect(drain(r).messages[0]).toMatchObject({ type: 'MsgVoteResp', reject: !unsafe })
    }
  })

  it('skipLogUpToDateCheck: a leader without a committed entry is elected and erases it (Leader Completeness)', () => {
    // Reference: section 5.4.1 and 5.4.3: the committed entry 'a' disappears from the cluster.
    for (const unsafe of [false, true]) {
      const c = new Cluster(ids3, { unsafe: { skipLogUpToDateCheck: unsafe } })
      c.elect('n1')
      c.isolate('n3')
      c.propose('n1', 'a')
      expect(data(c.node('n1').applied)).toEqual(['noop', 'a'])
      c.isolate('n1')
      c.elect('n3')
      expect(c.node('n3').raw.status().role === 'leader').toBe(unsafe)
      if (unsafe) {
        // The new leader's log lacks 'a', and it commits its own noop at the index where n1 applied 'a'.
        expect(c.logOf('n3').some(([, , d]) => d === 'a')).toBe(false)
        expect(c.node('n3').applied[1]).toMatchObject({ index: 2, term: 2, kind: 'noop' })
        expect(c.node('n1').applied[1]).toMatchObject({ index: 2, term: 1, data: 'a' })
      }
    }
  })

  it('commitOldTermEntries: a leader counts replicas of an entry from an earlier term', () => {
    // Reference: section 5.4.2 ("Raft never commits log entries from previous terms by counting replicas").
    for (const unsafe of [false, true]) {
      const r = newRaw('n1', ids3, { unsafe: { commitOldTermEntries: unsafe } }, disk(log(1, 1), 1))
      drain(r)
      r.campaign()
      r.step({ type: 'MsgVoteResp', from: 'n2', to: 'n1', term: 2, reject: false })
      drain(r) // the noop at index 3 is now on n1's disk
      r.step({ type: 'MsgAppResp', from: 'n2', to: 'n1', term: 2, index: 2 })
      expect(r.status().commit).toBe(unsafe ? 2 : 0)
      r.step({ type: 'MsgAppResp', from: 'n2', to: 'n1', term: 2, index: 3 })
      expect(r.status().commit).toBe(3)
    }
  })

  it('forgetVoteOnRestart: a restarted voter votes twice in a term and two leaders share it (Election Safety)', () => {
    // Reference: section 5.2 ("at most one leader can be elected in a given term"), which relies on votedFor
    // being persistent (Figure 2).
    for (const unsafe of [false, true]) {
      const c = new Cluster(ids3, { unsafe: { forgetVoteOnRestart: unsafe } })
      // n2 votes for n1 in term 1; the noop never leaves n1, so n3's empty log stays as up-to-date as n2's.
      c.filter = (m) => m.from !== 'n3' && m.to !== 'n3' && m.type !== 'MsgApp'
      c.elect('n1')
      c.restart('n2')
      c.isolate('n1')
      c.node('n3').raw.campaign() // term 1 as well
      c.stabilize()
      expect(c.node('n1').raw.status()).toMatchObject({ role: 'leader', term: 1 })
      expect(c.node('n3').raw.status().term).toBe(1)
      expect(c.node('n3').raw.status().role === 'leader').toBe(unsafe)
    }
  })

  it('noTruncateOnConflict: a follower keeps its conflicting entries and still acknowledges', () => {
    // Reference: section 5.3 and Figure 2, AppendEntries receiver rule 3 ("delete the existing entry and all
    // that follow it").
    const append: Message = { type: 'MsgApp', from: 'n1', to: 'n2', term: 2, index: 1, logTerm: 1, entries: [{ index: 2, term: 2, kind: 'command', data: 'new' }], commit: 2 }
    for (const unsafe of [false, true]) {
      const r = newRaw('n2', ids3, { unsafe: { noTruncateOnConflict: unsafe } }, disk(log(1, 1, 1), 1))
      drain(r)
      r.step(append)
      const rd = drain(r)
      expect(rd.messages).toEqual([{ type: 'MsgAppResp', from: 'n2', to: 'n1', term: 2, index: 2 }])
      const terms = r.entries(1, r.lastIndex() + 1).map((e) => e.term)
      expect(terms).toEqual(unsafe ? [1, 1, 1] : [1, 2])
      // Either way index 2 is committed, but with the bug it is the wrong entry (Log Matching, State Machine Safety).
      expect(rd.committedEntries.map((e) => e.data)).toEqual(unsafe ? ['1@1', '2@1'] : ['1@1', 'new'])
    }
  })

  it('all switches are off by default', () => {
    // Reference: the paper's rules hold unless a lesson turns one off.
    const c = new Cluster(ids3)
    for (const n of c.nodes.values()) expect(n.config.unsafe).toBeUndefined()
    const r = newRaw('n2', ids3, {}, disk(log(1, 2, 2), 2))
    drain(r)
    r.step({ type: 'MsgVote', from: 'n3', to: 'n2', term: 3, index: 1, logTerm: 1 })
    expect(drain(r).messages[0].reject).toBe(true)
  })
})
