import { describe, expect, it } from 'vitest'
import { NotLeaderError, RawNode } from '../../../src/raft/index.ts'
import type { Message } from '../../../src/raft/index.ts'
import { Cluster, disk, drain, log, newRaw, seeded } from './harness.ts'

const ids3 = ['n1', 'n2', 'n3']
const data = (ents: Array<{ kind: string; data?: string }>) => ents.map((e) => (e.kind === 'command' ? e.data : e.kind))

/** Run a fixed script on a cluster whose network delivers each message through `deliver`. */
function script(deliver: (c: Cluster, m: Message) => void, pick: (q: Message[]) => number = () => 0): Cluster {
  const c = new Cluster(ids3)
  const run = () => {
    c.flush()
    let guard = 0
    while (c.queue.length > 0) {
      if (++guard > 20_000) throw new Error('no quiescence')
      const [m] = c.queue.splice(pick(c.queue), 1)
      deliver(c, m)
      c.flush()
    }
  }
  c.node('n1').raw.campaign()
  run()
  for (const v of ['a', 'b', 'c', 'd', 'e']) {
    c.node('n1').raw.propose(v)
    run()
  }
  for (let i = 0; i < 3; i++) {
    c.node('n1').raw.tick()
    run()
  }
  return c
}

describe('RawNode: step', () => {
  it('ignores a message addressed to another node, whatever its term', () => {
    // Reference: section 5.1 (terms change only through messages for this server).
    const r = newRaw('n1', ids3, {}, disk(log(1), 1))
    drain(r)
    r.step({ type: 'MsgApp', from: 'n2', to: 'n3', term: 99, index: 1, logTerm: 1, entries: [], commit: 1 })
    r.step({ type: 'MsgVote', from: 'n2', to: 'n3', term: 99, index: 9, logTerm: 9 })
    r.step({ type: 'MsgApp', from: 'n1', to: 'n1', term: 99, index: 1, logTerm: 1, entries: [], commit: 1 })
    expect(r.status()).toMatchObject({ term: 1, role: 'follower', leader: null, commit: 0 })
    expect(r.hasReady()).toBe(false)
  })

  it('ignores unknown message types and malformed messages without throwing or changing state', () => {
    // Reference: Figure 2 lists the RPCs; anything else is not part of the protocol.
    const bad: unknown[] = [
      null,
      undefined,
      42,
      'MsgApp',
      {},
      { type: 'MsgGossip', from: 'n2', to: 'n1', term: 5 },
      { type: 42, from: 'n2', to: 'n1', term: 5 },
      { type: 'MsgApp', from: 'n2', to: 'n1' },
      { type: 'MsgApp', from: 'n2', to: 'n1', term: -1, index: 0, logTerm: 0 },
      { type: 'MsgApp', from: 'n2', to: 'n1', term: 2.5, index: 0, logTerm: 0 },
      { type: 'MsgApp', from: 'n2', to: 'n1', term: Number.NaN, index: 0, logTerm: 0 },
      { type: 'MsgApp', from: 7, to: 'n1', term: 5, index: 0, logTerm: 0 },
      { type: 'MsgApp', from: 'n2', to: 'n1', term: 5, index: 'x', logTerm: 0 },
      { type: 'MsgApp', from: 'n2', to: 'n1', term: 5, index: 1.5, logTerm: 1 },
      { type: 'MsgApp', from: 'n2', to: 'n1', term: 5, index: 0, logTerm: 0, entries: 'abc' },
      { type: 'MsgApp', from: 'n2', to: 'n1', term: 5, index: 0, logTerm: 0, entries: [null] },
      { type: 'MsgApp', from: 'n2', to: 'n1', term: 5, index: 0, logTerm: 0, entries: [{}] },
      { type: 'MsgApp', from: 'n2', to: 'n1', term: 5, index: 0, logTerm: 0, entries: [{ index: 4, term: 1, kind: 'command' }] },
      { type: 'MsgApp', from: 'n2', to: 'n1', term: 5, index: 0, logTerm: 0, entries: [{ index: 1, term: 1, kind: 'command' }, { index: 1, term: 1, kind: 'command' }] },
      { type: 'MsgApp', from: 'n2', to: 'n1', term: 5, index: 0, logTerm: 0, entries: [{ index: 1, term: 6, kind: 'command' }] },
      { type: 'MsgApp', from: 'n2', to: 'n1', term: 5, index: 0, logTerm: 0, entries: [{ index: 1, term: 2, kind: 'virus' }] },
      { type: 'MsgApp', from: 'n2', to: 'n1', term: 5, index: 0, logTerm: 0, entries: [], commit: 0.5 },
      { type: 'MsgHeartbeat', from: 'n2', to: 'n1', term: 5, commit: 'all' },
      { type: 'MsgSnap', from: 'n2', to: 'n1', term: 5 },
      { type: 'MsgSnap', from: 'n2', to: 'n1', term: 5, snapshot: { index: 3, term: 1, voters: [1, 2] }, offset: 0, data: 'x', done: true },
      { type: 'MsgSnap', from: 'n2', to: 'n1', term: 5, snapshot: { index: -3, term: 1, voters: ['n1'] }, offset: 0, data: 'x', done: true },
      { type: 'MsgSnap', from: 'n2', to: 'n1', term: 5, snapshot: { index: 3, term: 1, voters: ['n1'] }, offset: 0, data: 7, done: true },
      { type: 'MsgVote', from: 'n2', to: 'n1', term: 5, index: 'a', logTerm: null },
    ]
    for (const m of bad) {
      const r = newRaw('n1', ids3, {}, disk(log(1), 1))
      drain(r)
      expect(() => r.step(m as Message)).not.toThrow()
      expect(r.status()).toMatchObject({ term: 1, lastIndex: 1, commit: 0, snapshotIndex: 0, voters: ids3 })
      expect(r.hasReady()).toBe(false)
    }
  })

  it('a leader ignores malformed acknowledgements', () => {
    // Reference: section 5.3 (matchIndex only moves on a real acknowledgement).
    const c = new Cluster(ids3)
    c.elect('n1')
    const r = c.node('n1').raw
    const before = r.status().progress
    for (const index of [Number.NaN, 1.5, -1, 99]) {
      r.step({ type: 'MsgAppResp', from: 'n2', to: 'n1', term: 1, index })
      r.step({ type: 'MsgAppResp', from: 'n2', to: 'n1', term: 1, index: 1, reject: true, rejectHint: index, hintTerm: 1 })
    }
    expect(r.status().progress).toEqual(before)
  })

  it('duplicated messages change nothing: the outcome equals a clean run', () => {
    // Reference: section 5.3 ("AppendEntries RPCs are idempotent") and 5.5 ("Raft RPCs are idempotent").
    const clean = script((c, m) => c.node(m.to).raw.step(m))
    const dup = script((c, m) => {
      c.node(m.to).raw.step(m)
      c.node(m.to).raw.step(structuredClone(m))
    })
    for (const id of ids3) {
      expect(dup.logOf(id)).toEqual(clean.logOf(id))
      expect(data(dup.node(id).applied)).toEqual(['noop', 'a', 'b', 'c', 'd', 'e'])
    }
  })

  it('reordered and replayed old messages do not break Log Matching or applied order', () => {
    // Reference: section 5.3 (the consistency check makes stale appends harmless) and section 5.5.
    const rnd = seeded(99)
    const history: Message[] = []
    const c = script(
      (cl, m) => {
        history.push(m)
        cl.node(m.to).raw.step(m)
        // Now and then, replay an old message.
        if (rnd() < 0.3) {
          const old = history[Math.floor(rnd() * history.length)]
          cl.node(old.to).raw.step(structuredClone(old))
        }
      },
      (q) => Math.floor(rnd() * q.length),
    )
    c.tickUntil(() => ids3.every((id) => c.node(id).raw.status().commit === c.leader()?.raw.lastIndex()), 100)
    const leader = c.leader()!
    for (const id of ids3) expect(c.logOf(id)).toEqual(c.logOf(leader.id))
    const seqs = ids3.map((id) => c.node(id).applied.map((e) => `${e.index}@${e.term}`))
    for (const s of seqs) expect(s).toEqual(seqs[0])
    expect(data(c.node('n1').applied).filter((x) => x !== 'noop')).toEqual(['a', 'b', 'c', 'd', 'e'])
  })
})

describe('RawNode: client calls', () => {
  it('propose on a follower throws NotLeaderError naming the leader when known', () => {
    // Reference: section 8 ("If the client's first choice is not the leader, that server will reject the
    // client's request and supply information about the most recent leader it has heard from").
    const c = new Cluster(ids3)
    expect(() => c.node('n2').raw.propose('x')).toThrow(NotLeaderError)
    try {
      c.node('n2').raw.propose('x')
    } catch (e) {
      expect((e as NotLeaderError).leader).toBeNull()
    }
    c.elect('n1')
    let err: unknown
    try {
      c.node('n2').raw.propose('x')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(NotLeaderError)
    expect((err as NotLeaderError).leader).toBe('n1')
    expect((err as Error).message).toMatch(/n1/)
    expect(c.node('n2').raw.lastIndex()).toBe(1)
  })

  it('a candidate refuses proposals too', () => {
    // Reference: section 5.2 (only the leader accepts client requests).
    const r = newRaw('n1', ids3)
    r.campaign()
    expect(() => r.propose('x')).toThrow(NotLeaderError)
  })

  it('propose returns the index and term of the new entry and rejects non-string data', () => {
    // Reference: section 5.3 (each entry has an index and the term of the leader that created it).
    const r = newRaw('n1', ['n1'])
    r.campaign()
    drain(r)
    expect(r.propose('a')).toEqual({ index: 2, term: 1 })
    expect(r.propose('b')).toEqual({ index: 3, term: 1 })
    expect(() => r.propose(42 as unknown as string)).toThrow(TypeError)
  })

  it('campaign() is refused on a leader and on a node that is not a voter', () => {
    // Reference: section 5.2 (candidates are voters); thesis section 4.2.1 (learners do not campaign).
    const r = newRaw('n1', ['n1'])
    expect(r.campaign()).toBe(true)
    expect(r.status().role).toBe('leader')
    expect(r.campaign()).toBe(false)
    const outsider = newRaw('n9', [])
    expect(outsider.campaign()).toBe(false)
    expect(outsider.status().term).toBe(0)
  })

  it('the constructor checks its configuration', () => {
    // Reference: section 5.6 (broadcastTime << electionTimeout: the heartbeat must be shorter).
    const ok = { id: 'n1', peers: ids3, electionTick: 10, heartbeatTick: 1, random: seeded(1) }
    expect(() => new RawNode({ ...ok, electionTick: 1 })).toThrow(/electionTick/)
    expect(() => new RawNode({ ...ok, heartbeatTick: 0 })).toThrow(/heartbeatTick/)
    expect(() => new RawNode({ ...ok, id: '' })).toThrow(/id/)
    expect(() => new RawNode({ ...ok, random: undefined as unknown as () => number })).toThrow(/random/)
  })
})

describe('RawNode: Ready and advance', () => {
  it('ready() twice without advance() throws, and so does advance() without ready()', () => {
    // Reference: Figure 2 (persist before responding): one Ready at a time keeps that order.
    const r = newRaw('n1', ids3)
    expect(() => r.advance()).toThrow(/without a ready/)
    r.campaign()
    r.ready()
    expect(r.hasReady()).toBe(false)
    expect(() => r.ready()).toThrow(/before advance/)
    r.advance()
    expect(() => r.advance()).toThrow()
  })

  it('hardState and softState appear only when they changed', () => {
    // Reference: Figure 2 (currentTerm, votedFor, commit) and section 5.2 (roles).
    const r = newRaw('n1', ids3)
    r.campaign()
    let rd = drain(r)
    expect(rd.hardState).toEqual({ term: 1, vote: 'n1', commit: 0 })
    expect(rd.softState).toEqual({ role: 'candidate', leader: null })
    r.step({ type: 'MsgVoteResp', from: 'n2', to: 'n1', term: 1, reject: false })
    rd = drain(r)
    expect(rd.hardState).toBeUndefined() // term, vote and commit are unchanged
    expect(rd.softState).toEqual({ role: 'leader', leader: 'n1' })
    expect(rd.entries.map((e) => e.kind)).toEqual(['noop'])
    r.step({ type: 'MsgAppResp', from: 'n2', to: 'n1', term: 1, index: 1 })
    rd = drain(r)
    expect(rd.hardState).toEqual({ term: 1, vote: 'n1', commit: 1 })
    expect(rd.softState).toBeUndefined()
    r.tick()
    rd = drain(r)
    expect(rd.hardState).toBeUndefined()
    expect(rd.softState).toBeUndefined()
    expect(rd.messages.map((m) => m.type)).toEqual(['MsgHeartbeat', 'MsgHeartbeat'])
  })

  it('messages come out only through a Ready; step() between ready() and advance() waits for the next one', () => {
    // Reference: Figure 2 ("before responding to RPCs"): a caller persists a Ready before sending its messages.
    const r = newRaw('n2', ids3)
    r.step({ type: 'MsgVote', from: 'n1', to: 'n2', term: 1, index: 0, logTerm: 0 })
    const first = r.ready()
    r.step({ type: 'MsgApp', from: 'n1', to: 'n2', term: 1, index: 0, logTerm: 0, entries: log(1), commit: 0 })
    expect(first.messages.map((m) => m.type)).toEqual(['MsgVoteResp'])
    expect(first.entries).toEqual([])
    expect(r.hasReady()).toBe(false)
    r.advance()
    const second = r.ready()
    expect(second.entries.map((e) => e.index)).toEqual([1])
    expect(second.messages).toEqual([{ type: 'MsgAppResp', from: 'n2', to: 'n1', term: 1, index: 1 }])
    r.advance()
  })

  it('a leader\'s entries proposed during an unfinished Ready are counted only after their own Ready is persisted', () => {
    // Reference: section 5.3 (an entry counts as stored on the leader once it is on its disk).
    const r = newRaw('n1', ['n1'])
    r.campaign()
    drain(r)
    drain(r)
    r.propose('a')
    const rd1 = r.ready()
    r.propose('b') // the caller is still writing 'a'
    r.advance()
    expect(r.status().commit).toBe(2)
    const rd2 = r.ready()
    expect(rd1.entries.map((e) => e.data)).toEqual(['a'])
    expect(rd2.entries.map((e) => e.data)).toEqual(['b'])
    expect(rd2.committedEntries.map((e) => e.data)).toEqual(['a'])
    r.advance()
    expect(drain(r).committedEntries.map((e) => e.data)).toEqual(['b'])
  })

  it('status exposes progress on the leader only, and the log inspection calls agree', () => {
    // Reference: Figure 2 (nextIndex[] and matchIndex[] are leader state).
    const c = new Cluster(ids3)
    c.elect('n1')
    c.propose('n1', 'a')
    expect(c.node('n1').raw.status().progress).toEqual({
      n1: { match: 2, next: 3, state: 'replicate' },
      n2: { match: 2, next: 3, state: 'replicate' },
      n3: { match: 2, next: 3, state: 'replicate' },
    })
    expect(c.node('n2').raw.status().progress).toBeUndefined()
    const r = c.node('n2').raw
    expect([r.firstIndex(), r.lastIndex(), r.term(0), r.term(2), r.term(3)]).toEqual([1, 2, 0, 1, undefined])
    expect(r.entries(1, 3).map((e) => e.kind)).toEqual(['noop', 'command'])
  })

  it('the same inputs give the same outputs (determinism)', () => {
    // Reference: section 5.2's randomness comes only from the injected seeded source.
    const run = (seed: number) => {
      const c = new Cluster(ids3, {}, seed)
      c.tickUntil(() => c.leader() !== undefined)
      c.propose(c.leader()!.id, 'x')
      return JSON.stringify(c.sent)
    }
    expect(run(4)).toBe(run(4))
    const differs = [5, 6, 7, 8].some((s) => run(s) !== run(4))
    expect(differs).toBe(true)
  })
})
