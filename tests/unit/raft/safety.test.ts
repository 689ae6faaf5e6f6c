import { describe, expect, it } from 'vitest'
import type { Message } from '../../../src/raft/index.ts'
import { Cluster, disk, drain, log, newRaw } from './harness.ts'

const ids3 = ['n1', 'n2', 'n3']
const ids5 = ['n1', 'n2', 'n3', 'n4', 'n5']
const data = (ents: Array<{ kind: string; data?: string }>) => ents.map((e) => (e.kind === 'command' ? e.data : e.kind))

/** Does `voter` (whose log has the given terms) grant a vote to a candidate whose last entry is (index, logTerm)? */
function grants(terms: number[], index: number, logTerm: number, unsafe = false): boolean {
  const r = newRaw('n2', ids3, { unsafe: { skipLogUpToDateCheck: unsafe } }, disk(log(...terms), terms.at(-1) ?? 0))
  drain(r)
  r.step({ type: 'MsgVote', from: 'n1', to: 'n2', term: 10, index, logTerm } satisfies Message)
  const resp = drain(r).messages.find((m) => m.type === 'MsgVoteResp')!
  return !resp.reject
}

/** Every pair of applied sequences agrees on their common prefix (State Machine Safety). */
function expectSameApplied(c: Cluster, ids: string[]): void {
  const seqs = ids.map((id) => c.node(id).applied.map((e) => `${e.index}@${e.term}:${e.data ?? e.kind}`))
  for (const a of seqs) for (const b of seqs) {
    const n = Math.min(a.length, b.length)
    expect(a.slice(0, n)).toEqual(b.slice(0, n))
  }
}

describe('section 5.4.1: election restriction', () => {
  it('a voter refuses a candidate whose last term is older, however long its log', () => {
    // Reference: section 5.4.1 ("If the logs have last entries with different terms, then the log with the
    // later term is more up-to-date").
    expect(grants([1, 3], 9, 2)).toBe(false)
    expect(grants([1, 3], 2, 3)).toBe(true)
    expect(grants([1, 3], 1, 4)).toBe(true)
  })

  it('with equal last terms the longer log is more up-to-date', () => {
    // Reference: section 5.4.1 ("If the logs end with the same term, then whichever log is longer is more
    // up-to-date").
    expect(grants([1, 2, 2], 2, 2)).toBe(false)
    expect(grants([1, 2, 2], 3, 2)).toBe(true)
    expect(grants([1, 2, 2], 4, 2)).toBe(true)
    expect(grants([], 0, 0)).toBe(true)
  })

  it('a server that missed committed entries cannot win; one that has them does', () => {
    // Reference: section 5.4.1 ("a candidate must contact a majority of the cluster in order to be elected,
    // which means that every committed entry must be present in at least one of those servers").
    const c = new Cluster(ids3)
    c.elect('n1')
    c.isolate('n3')
    c.propose('n1', 'a')
    c.propose('n1', 'b')
    expect(c.node('n1').raw.status().commit).toBe(3)
    c.isolate('n1') // the leader is gone; n3 is back
    c.elect('n3')
    expect(c.node('n3').raw.status().role).not.toBe('leader')
    expect(c.node('n2').raw.status().vote).not.toBe('n3')
    c.elect('n2')
    expect(c.node('n2').raw.status().role).toBe('leader')
    c.propose('n2', 'c')
    expect(data(c.node('n3').applied)).toEqual(['noop', 'a', 'b', 'noop', 'c'])
  })
})

/**
 * The situation of the paper's Figure 8 with five servers (indexes shifted by the noop of the first term):
 * (a) n1 leads term 1 and gets 'old' at index 2 onto n2 only;
 * (b) n5 is elected in term 2 by n3 and n4 and writes its noop at index 2 only locally, then is cut off;
 * (c) n1 is elected in term 3 and replicates index 2 (term 1) to n3 and n4, so a majority (n1, n3, n4) stores
 *     it, and the leader knows so, while its own term-3 noop at index 3 stays on n1.
 * Returns the cluster at (c); appends that would store a term-3 entry on another server are dropped.
 */
function figure8(unsafe: boolean): Cluster {
  const c = new Cluster(ids5, { maxEntriesPerMsg: 1, unsafe: { commitOldTermEntries: unsafe } })
  c.elect('n1')
  // (a)
  c.partition(['n1', 'n2'], ['n3', 'n4', 'n5'])
  c.propose('n1', 'old')
  expect(c.logOf('n2')).toEqual([[1, 1, 'noop'], [2, 1, 'old']])
  // (b)
  const cut = c.filter
  c.filter = (m) => cut(m) && !(m.from === 'n5' && m.type === 'MsgApp')
  c.elect('n5')
  expect(c.node('n5').raw.status()).toMatchObject({ role: 'leader', term: 2 })
  expect(c.logOf('n5')).toEqual([[1, 1, 'noop'], [2, 2, 'noop']])
  // (c): n5 is down; n1 crashes and restarts, then needs two campaigns (n3 and n4 voted for n5 in term 2).
  c.restart('n1')
  c.filter = (m) => {
    if (m.from === 'n5' || m.to === 'n5') return false
    if (m.type !== 'MsgApp' || m.from !== 'n1') return true
    const stores3 = (m.entries ?? []).some((e) => e.term === 3)
    return !(stores3 && c.node(m.to).raw.term(m.index!) === m.logTerm)
  }
  c.elect('n1')
  if (c.node('n1').raw.status().role !== 'leader') c.elect('n1')
  expect(c.node('n1').raw.status()).toMatchObject({ role: 'leader', term: 3 })
  expect(c.logOf('n1')).toEqual([[1, 1, 'noop'], [2, 1, 'old'], [3, 3, 'noop']])
  expect(c.logOf('n3')).toEqual([[1, 1, 'noop'], [2, 1, 'old']])
  expect(c.logOf('n4')).toEqual([[1, 1, 'noop'], [2, 1, 'old']])
  const pr = c.node('n1').raw.status().progress!
  expect([pr.n3.match, pr.n4.match]).toEqual([2, 2])
  return c
}

describe('section 5.4.2: committing entries from previous terms (Figure 8)', () => {
  it('a leader does not commit an old-term entry by counting its replicas', () => {
    // Reference: section 5.4.2 ("Raft never commits log entries from previous terms by counting replicas").
    const c = figure8(false)
    expect(c.node('n1').raw.status().commit).toBe(1)
    expect(data(c.node('n1').applied)).toEqual(['noop'])
  })

  it('so that the Figure 8 (d) leader may overwrite it without any server having applied it', () => {
    // Reference: section 5.4.2, Figure 8 (d): S5 is elected with votes from S2, S3 and S4 and overwrites index 2.
    const c = figure8(false)
    c.isolate('n1')
    c.restart('n5')
    c.elect('n5')
    if (c.node('n5').raw.status().role !== 'leader') c.elect('n5')
    expect(c.node('n5').raw.status()).toMatchObject({ role: 'leader', term: 4 })
    c.heal()
    c.tick('n5')
    c.stabilize()
    for (const id of ids5) expect(c.logOf(id).slice(0, 2)).toEqual([[1, 1, 'noop'], [2, 2, 'noop']])
    expect(c.node('n1').raw.status().commit).toBe(3)
    expectSameApplied(c, ids5)
  })

  it('the old-term entry is committed by committing an entry of the leader\'s own term (Figure 8 (e))', () => {
    // Reference: section 5.4.2 ("once an entry from the current term has been committed in this way, then all
    // prior entries are committed indirectly because of the Log Matching Property").
    const c = figure8(false)
    c.filter = (m) => m.from !== 'n5' && m.to !== 'n5'
    c.tick('n1')
    c.stabilize()
    expect(c.node('n1').raw.status().commit).toBe(3)
    for (const id of ['n1', 'n2', 'n3', 'n4']) expect(data(c.node(id).applied)).toEqual(['noop', 'old', 'noop'])
  })

  it('with unsafe.commitOldTermEntries the replicas are counted, and the entry is later overwritten after being applied', () => {
    // Reference: section 5.4.2, Figure 8 (d): the entry "could be overwritten by a future leader".
    const c = figure8(true)
    expect(c.node('n1').raw.status().commit).toBe(2)
    expect(data(c.node('n1').applied)).toEqual(['noop', 'old'])
    c.isolate('n1')
    c.restart('n5')
    c.elect('n5')
    if (c.node('n5').raw.status().role !== 'leader') c.elect('n5')
    expect(c.node('n5').raw.status()).toMatchObject({ role: 'leader', term: 4 })
    c.tick('n5')
    c.stabilize()
    // n5's term-2 noop at index 2 is committed by a majority: n1 applied something else at index 2.
    for (const id of ['n2', 'n3', 'n4', 'n5']) expect(c.node(id).applied[1]).toMatchObject({ index: 2, term: 2, kind: 'noop' })
    expect(c.node('n1').applied[1]).toMatchObject({ index: 2, term: 1, data: 'old' })
  })
})

describe('sections 5.4.2 and 8: the new leader\'s noop', () => {
  it('a new leader appends an empty entry of its term, and committing it commits what earlier leaders left', () => {
    // Reference: section 8 ("each leader commit a blank no-op entry into the log at the start of its term")
    // and section 5.4.2.
    const c = new Cluster([])
    c.load('n1', ids3, disk(log(1, 1, 2), 2))
    c.load('n2', ids3, disk(log(1, 1, 2), 2))
    c.load('n3', ids3, disk(log(1), 2))
    c.elect('n2')
    expect(c.logOf('n2')).toEqual([[1, 1, '1@1'], [2, 1, '2@1'], [3, 2, '3@2'], [4, 3, 'noop']])
    for (const id of ids3) {
      expect(c.node(id).raw.status().commit).toBe(4)
      expect(data(c.node(id).applied)).toEqual(['1@1', '2@1', '3@2', 'noop'])
    }
  })
})

describe('section 5.4.3: Leader Completeness', () => {
  it('every leader of a churning cluster holds every entry committed before its term', () => {
    // Reference: section 5.4.3 ("If a log entry is committed in a given term, then that entry will be present in
    // the logs of the leaders for all higher-numbered terms").
    const c = new Cluster(ids5, {}, 11)
    const committed = new Map<number, string>() // index -> "term:data" of every entry ever committed
    const record = () => {
      for (const id of ids5) for (const e of c.node(id).applied) committed.set(e.index, `${e.term}:${e.data ?? e.kind}`)
    }
    const minorities = [['n1', 'n2'], ['n3'], ['n4', 'n5'], ['n2', 'n3'], ['n1'], ['n5'], ['n1', 'n4']]
    for (let round = 0; round < minorities.length; round++) {
      c.heal()
      c.isolate(...minorities[round])
      const majority = ids5.filter((id) => !minorities[round].includes(id))
      const leaderOfMajority = () => majority.map((id) => c.node(id)).find((n) => n.raw.status().role === 'leader')
      c.tickUntil(() => {
        const l = leaderOfMajority()
        return l !== undefined && l.raw.status().commit === l.raw.lastIndex()
      })
      const leader = leaderOfMajority()!
      record()
      for (const [index, v] of committed) {
        const e = leader.raw.entries(index, index + 1)[0]
        expect(`${e.term}:${e.data ?? e.kind}`).toBe(v)
      }
      for (let i = 0; i < 3; i++) c.propose(leader.id, `r${round}-${i}`)
      // A proposal in the minority that can never commit.
      const stale = minorities[round].find((id) => c.node(id).raw.status().role === 'leader')
      if (stale) c.node(stale).raw.propose('never')
      c.stabilize()
      record()
    }
    expect([...committed.values()].some((v) => v.endsWith('never'))).toBe(false)
    expectSameApplied(c, ids5)
  })
})
