import { describe, expect, it } from 'vitest'
import type { Message, MessageType, RawNode } from '../../../src/raft/index.ts'
import { Cluster, disk, drain, log, newRaw } from './harness.ts'

const ids3 = ['n1', 'n2', 'n3']
const ids5 = ['n1', 'n2', 'n3', 'n4', 'n5']

/** A message from `from` to `to`, defaults filled in. */
function msg(type: MessageType, from: string, to: string, term: number, rest: Partial<Message> = {}): Message {
  return { type, from, to, term, ...rest }
}

/** A lone node of a 3-node cluster in the given role at term 1 (leader and candidate reached by campaigning). */
function inRole(role: 'follower' | 'candidate' | 'leader'): RawNode {
  const r = newRaw('n1', ids3, {}, disk([], 1))
  if (role !== 'follower') {
    r.campaign()
    drain(r)
  }
  if (role === 'leader') {
    r.step(msg('MsgVoteResp', 'n2', 'n1', 2, { reject: false }))
    drain(r)
  }
  expect(r.status().role).toBe(role)
  return r
}

describe('section 5.1: terms', () => {
  const higher: Array<[MessageType, Partial<Message>]> = [
    ['MsgApp', { index: 0, logTerm: 0, entries: [], commit: 0 }],
    ['MsgHeartbeat', { commit: 0 }],
    ['MsgVote', { index: 0, logTerm: 0 }],
    ['MsgAppResp', { index: 0 }],
    ['MsgVoteResp', { reject: true }],
  ]
  for (const role of ['follower', 'candidate', 'leader'] as const) {
    for (const [type, rest] of higher) {
      it(`a ${role} that receives ${type} of a higher term adopts the term and becomes follower`, () => {
        // Reference: section 5.1 ("If a candidate or leader discovers that its term is out of date, it
        // immediately reverts to follower state"; Figure 2: "If RPC request or response contains term T >
        // currentTerm: set currentTerm = T, convert to follower").
        const r = inRole(role)
        r.step(msg(type, 'n2', 'n1', 7, rest))
        const st = r.status()
        expect(st.term).toBe(7)
        expect(st.role).toBe('follower')
        // Only a leader's message names the leader.
        expect(st.leader).toBe(type === 'MsgApp' || type === 'MsgHeartbeat' ? 'n2' : null)
      })
    }
  }

  it('a stale-term AppendEntries is rejected without touching the log, and the reply carries the newer term', () => {
    // Reference: section 5.1, Figure 2 AppendEntries receiver rule 1 ("Reply false if term < currentTerm").
    const r = newRaw('n1', ids3, {}, disk(log(1, 3), 3))
    drain(r)
    r.step(msg('MsgApp', 'n2', 'n1', 2, { index: 1, logTerm: 1, entries: [{ index: 2, term: 2, kind: 'command', data: 'stale' }], commit: 2 }))
    const rd = drain(r)
    expect(r.entries(1, 3).map((e) => e.term)).toEqual([1, 3])
    expect(r.status().commit).toBe(0)
    expect(r.status().term).toBe(3)
    expect(rd.messages).toEqual([{ type: 'MsgAppResp', from: 'n1', to: 'n2', term: 3 }])
  })

  it('a stale-term heartbeat neither advances commit nor makes its sender the leader', () => {
    // Reference: section 5.1.
    const r = newRaw('n1', ids3, {}, disk(log(1, 1), 3))
    r.step(msg('MsgHeartbeat', 'n2', 'n1', 2, { commit: 2 }))
    const rd = drain(r)
    expect(r.status().commit).toBe(0)
    expect(r.status().leader).toBeNull()
    expect(rd.messages.map((m) => [m.type, m.term])).toEqual([['MsgAppResp', 3]])
  })

  it('a stale-term vote request is refused and the vote is kept', () => {
    // Reference: section 5.1, Figure 2 RequestVote receiver rule 1.
    const r = newRaw('n1', ids3, {}, disk([], 3, 'n3'))
    r.step(msg('MsgVote', 'n2', 'n1', 2, { index: 5, logTerm: 2 }))
    const rd = drain(r)
    expect(r.status().vote).toBe('n3')
    expect(rd.messages).toEqual([{ type: 'MsgVoteResp', from: 'n1', to: 'n2', term: 3, reject: true }])
  })

  it('a stale vote response does not count in a newer election', () => {
    // Reference: section 5.1 (stale responses are ignored).
    const r = newRaw('n1', ids3, {}, disk([], 4))
    r.campaign() // term 5
    r.step(msg('MsgVoteResp', 'n2', 'n1', 4, { reject: false }))
    expect(r.status().role).toBe('candidate')
    r.step(msg('MsgVoteResp', 'n2', 'n1', 5, { reject: false }))
    expect(r.status().role).toBe('leader')
  })

  it('a deposed leader learns the new term from the replies to its heartbeats and steps down', () => {
    // Reference: section 5.1; section 5.3 ("If the leader ... discovers that its term is out of date").
    const c = new Cluster(ids3)
    c.elect('n1')
    c.isolate('n1')
    c.elect('n2')
    expect(c.node('n2').raw.status()).toMatchObject({ role: 'leader', term: 2 })
    expect(c.node('n1').raw.status()).toMatchObject({ role: 'leader', term: 1 })
    c.heal()
    c.tick('n1') // heartbeat at term 1
    c.stabilize()
    expect(c.node('n1').raw.status()).toMatchObject({ role: 'follower', term: 2 })
    expect(c.leader()?.id).toBe('n2')
  })
})

describe('section 5.2: leader election', () => {
  it('an election timeout makes a follower a candidate: term+1, a vote for itself, MsgVote to every other voter', () => {
    // Reference: section 5.2 ("To begin an election, a follower increments its current term and transitions
    // to candidate state. It then votes for itself and issues RequestVote RPCs in parallel").
    const c = new Cluster(ids3)
    const n1 = c.node('n1')
    const timeout = n1.raw.status().electionTimeout
    c.tick('n1', timeout - 1)
    expect(n1.raw.status().role).toBe('follower')
    expect(c.queue).toHaveLength(0)
    c.tick('n1')
    expect(n1.raw.status()).toMatchObject({ role: 'candidate', term: 1, vote: 'n1', votesGranted: 1 })
    expect(n1.disk.hardState).toEqual({ term: 1, vote: 'n1', commit: 0 })
    const votes = c.queue.filter((m) => m.type === 'MsgVote')
    expect(votes.map((m) => m.to).sort()).toEqual(['n2', 'n3'])
    for (const m of votes) expect(m).toMatchObject({ from: 'n1', term: 1, index: 0, logTerm: 0 })
  })

  it('the vote request carries the index and term of the candidate\'s last entry', () => {
    // Reference: section 5.4.1 (RequestVote includes lastLogIndex and lastLogTerm).
    const r = newRaw('n1', ids3, {}, disk(log(1, 1, 2), 2))
    r.campaign()
    const rd = drain(r)
    for (const m of rd.messages) expect(m).toMatchObject({ type: 'MsgVote', term: 3, index: 3, logTerm: 2 })
  })

  const patterns: Array<[number, Record<string, boolean>, string]> = [
    [1, {}, 'leader'],
    [3, { n2: true, n3: true }, 'leader'],
    [3, { n2: true }, 'leader'],
    [3, {}, 'candidate'],
    [3, { n2: false }, 'candidate'],
    [3, { n2: false, n3: false }, 'follower'],
    [5, { n2: true, n3: true, n4: true, n5: true }, 'leader'],
    [5, { n2: true, n3: true }, 'leader'],
    [5, { n2: true, n3: false, n4: false, n5: true }, 'leader'],
    [5, { n2: true }, 'candidate'],
    [5, { n2: true, n3: false }, 'candidate'],
    [5, { n2: false, n3: false }, 'candidate'],
    [5, { n2: false, n3: false, n4: false }, 'follower'],
    [5, { n2: true, n3: false, n4: false, n5: false }, 'follower'],
  ]
  for (const [size, votes, want] of patterns) {
    it(`with ${size} voters and answers ${JSON.stringify(votes)} the candidate ends ${want}`, () => {
      // Reference: section 5.2 ("A candidate wins an election if it receives votes from a majority of the
      // servers in the full cluster for the same term").
      const r = newRaw('n1', ids5.slice(0, size))
      r.campaign()
      drain(r)
      for (const [from, granted] of Object.entries(votes)) r.step(msg('MsgVoteResp', from, 'n1', 1, { reject: !granted }))
      expect(r.status().role).toBe(want)
      expect(r.status().term).toBe(1)
    })
  }

  it('duplicate grants from one voter count once', () => {
    // Reference: section 5.2 (a majority of distinct servers).
    const r = newRaw('n1', ids5)
    r.campaign()
    for (let i = 0; i < 3; i++) r.step(msg('MsgVoteResp', 'n2', 'n1', 1, { reject: false }))
    expect(r.status()).toMatchObject({ role: 'candidate', votesGranted: 2 })
  })

  it('a candidate steps down on AppendEntries from a leader of its own term or a newer one, not an older one', () => {
    // Reference: section 5.2 ("If the leader's term ... is at least as large as the candidate's current term,
    // then the candidate recognizes the leader as legitimate and returns to follower state").
    for (const [term, want] of [[1, 'candidate'], [2, 'follower'], [3, 'follower']] as const) {
      const r = newRaw('n1', ids3, {}, disk([], 1))
      r.campaign() // term 2
      r.step(msg('MsgApp', 'n2', 'n1', term, { index: 0, logTerm: 0, entries: [], commit: 0 }))
      expect(r.status().role).toBe(want)
      if (want === 'follower') expect(r.status()).toMatchObject({ term, leader: 'n2' })
    }
    const r = newRaw('n1', ids3, {}, disk([], 1))
    r.campaign()
    r.step(msg('MsgHeartbeat', 'n3', 'n1', 2, { commit: 0 }))
    expect(r.status()).toMatchObject({ role: 'follower', term: 2, leader: 'n3', vote: 'n1' })
  })

  it('a follower votes at most once per term, first come first served', () => {
    // Reference: section 5.2 ("Each server will vote for at most one candidate in a given term, on a
    // first-come-first-served basis").
    const r = newRaw('n3', ids3)
    const answer = (from: string, term: number) => {
      r.step(msg('MsgVote', from, 'n3', term, { index: 0, logTerm: 0 }))
      const m = drain(r).messages.find((x) => x.type === 'MsgVoteResp')!
      return m.reject ? 'reject' : 'grant'
    }
    expect(answer('n1', 1)).toBe('grant')
    expect(answer('n2', 1)).toBe('reject')
    expect(answer('n1', 1)).toBe('grant') // a retransmitted request from the same candidate
    expect(r.status().vote).toBe('n1')
    expect(answer('n2', 2)).toBe('grant') // a new term, a new vote
    expect(r.status()).toMatchObject({ term: 2, vote: 'n2' })
  })

  it('a follower that already knows the leader of a term refuses to vote in that term', () => {
    // Reference: section 5.2 (at most one leader per term: a vote for another candidate could not help).
    const r = newRaw('n3', ids3)
    r.step(msg('MsgHeartbeat', 'n1', 'n3', 1, { commit: 0 }))
    drain(r)
    r.step(msg('MsgVote', 'n2', 'n3', 1, { index: 0, logTerm: 0 }))
    expect(drain(r).messages).toContainEqual({ type: 'MsgVoteResp', from: 'n3', to: 'n2', term: 1, reject: true })
  })

  it('a vote is in the same Ready as the response that grants it (persisted before it is sent)', () => {
    // Reference: section 5.2 and Figure 2 ("Persistent state on all servers: currentTerm, votedFor ... updated
    // on stable storage before responding to RPCs").
    const r = newRaw('n3', ids3)
    r.step(msg('MsgVote', 'n1', 'n3', 4, { index: 0, logTerm: 0 }))
    expect(r.hasReady()).toBe(true)
    const rd = r.ready()
    expect(rd.hardState).toEqual({ term: 4, vote: 'n1', commit: 0 })
    expect(rd.messages).toEqual([{ type: 'MsgVoteResp', from: 'n3', to: 'n1', term: 4, reject: false }])
    r.advance()
  })

  it('a candidate\'s own vote is persisted in the Ready that sends its vote requests', () => {
    // Reference: section 5.2, Figure 2 (votedFor is persistent).
    const r = newRaw('n1', ids3)
    r.campaign()
    const rd = r.ready()
    expect(rd.hardState).toEqual({ term: 1, vote: 'n1', commit: 0 })
    expect(rd.messages.every((m) => m.type === 'MsgVote')).toBe(true)
    r.advance()
  })

  it('the randomized election timeout lies in [electionTick, 2*electionTick) and varies between nodes and seeds', () => {
    // Reference: section 5.2 ("Raft uses randomized election timeouts ... chosen randomly from a fixed
    // interval") and section 9.3 of the thesis.
    const seen = new Set<number>()
    for (let seed = 1; seed <= 40; seed++) {
      const c = new Cluster(ids5, { electionTick: 10 }, seed)
      for (const n of c.nodes.values()) {
        const t = n.raw.status().electionTimeout
        expect(t).toBeGreaterThanOrEqual(10)
        expect(t).toBeLessThan(20)
        seen.add(t)
      }
    }
    expect(seen.size).toBeGreaterThan(5)
    const one = new Cluster(ids5, {}, 3)
    const inCluster = new Set([...one.nodes.values()].map((n) => n.raw.status().electionTimeout))
    expect(inCluster.size).toBeGreaterThan(1)
  })

  it('a new timeout is drawn for each election, so a candidate retries after it and not in lockstep', () => {
    // Reference: section 5.2 ("each candidate restarts its randomized election timeout at the start of an
    // election").
    const c = new Cluster(ids3, {}, 5)
    c.isolate('n1')
    const draws = new Set<number>()
    let term = 0
    for (let i = 0; i < 8; i++) {
      const st = c.node('n1').raw.status()
      draws.add(st.electionTimeout)
      c.tick('n1', st.electionTimeout - st.electionElapsed)
      expect(c.node('n1').raw.status().term).toBe(++term)
      expect(c.node('n1').raw.status().role).toBe('candidate')
    }
    expect(draws.size).toBeGreaterThan(1)
  })

  it('a split vote elects nobody in that term; a later randomized timeout elects exactly one leader', () => {
    // Reference: section 5.2 ("votes could be split so that no candidate obtains a majority ... each
    // candidate will time out and start a new election").
    const c = new Cluster(ids3)
    for (const id of ids3) c.node(id).raw.campaign()
    c.stabilize()
    for (const id of ids3) expect(c.node(id).raw.status()).toMatchObject({ term: 1 })
    expect(c.leader()).toBeUndefined()
    c.tickUntil(() => c.leader() !== undefined)
    const leaders = ids3.filter((id) => c.node(id).raw.status().role === 'leader')
    expect(leaders).toHaveLength(1)
    expect(c.node(leaders[0]).raw.status().term).toBeGreaterThan(1)
  })

  it('a majority elects a leader while a minority is down; a minority never does', () => {
    // Reference: section 5.2 (a majority is needed; "the cluster is available as long as a majority ... are
    // operational").
    const up = new Cluster(ids5)
    up.isolate('n4', 'n5')
    up.tickUntil(() => up.leader() !== undefined)
    expect(['n1', 'n2', 'n3']).toContain(up.leader()!.id)

    const down = new Cluster(ids5)
    down.isolate('n3', 'n4', 'n5')
    // Only the minority's clocks run: n3..n5 are "down".
    expect(() => down.tickUntil(() => down.leader() !== undefined, 100, ['n1', 'n2'])).toThrow(/not reached/)
  })

  it('a leader sends heartbeats every heartbeatTick ticks', () => {
    // Reference: section 5.2 ("Leaders send periodic heartbeats (AppendEntries RPCs that carry no log entries)
    // to all followers").
    const c = new Cluster(ids3, { electionTick: 10, heartbeatTick: 3 })
    c.elect('n1')
    const heartbeats = () => c.count((m) => m.type === 'MsgHeartbeat' && m.from === 'n1')
    const counts: number[] = []
    for (let t = 1; t <= 9; t++) {
      c.tick('n1')
      c.stabilize()
      counts.push(heartbeats())
    }
    expect(counts).toEqual([0, 0, 2, 2, 2, 4, 4, 4, 6])
  })

  it('a follower resets its election timer on each heartbeat, so a live leader keeps its term', () => {
    // Reference: section 5.2 ("A server remains in follower state as long as it receives valid RPCs from a
    // leader or candidate").
    const c = new Cluster(ids3)
    c.elect('n1')
    const n2 = c.node('n2')
    c.tick('n2', n2.raw.status().electionTimeout - 1)
    expect(n2.raw.status().electionElapsed).toBeGreaterThan(0)
    c.tick('n1')
    c.stabilize()
    expect(n2.raw.status().electionElapsed).toBe(0)
    // Every node ticking for many election timeouts: nobody campaigns.
    for (let i = 0; i < 100; i++) {
      for (const id of ids3) c.node(id).raw.tick()
      c.stabilize()
    }
    expect(c.leader()?.id).toBe('n1')
    for (const id of ids3) expect(c.node(id).raw.status().term).toBe(1)
  })
})
