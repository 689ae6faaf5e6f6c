import { describe, it, expect } from 'vitest'
import { Feed } from '../../../src/ui/state/feed.ts'
import { describe as sentence } from '../../../src/ui/state/narrate.ts'
import type { ClusterEvent } from '../../../src/browser/scheduler.ts'
import type { NodeSummary } from '../../../src/node/protocol.ts'
import type { Message } from '../../../src/raft/types.ts'
import type { EventRecord } from '../../../src/ui/state/records.ts'

function sum(over: Partial<NodeSummary>): NodeSummary {
  return {
    id: 'n1',
    role: 'follower',
    term: 4,
    leader: null,
    commit: 0,
    lastIndex: 0,
    voters: ['n1', 'n2', 'n3'],
    learners: [],
    vote: null,
    applied: 0,
    firstIndex: 1,
    snapshotIndex: 0,
    snapshotTerm: 0,
    electionElapsed: 0,
    electionTimeout: 12,
    votesGranted: 0,
    votesRejected: 0,
    leadTransferee: null,
    storage: 'durable',
    kvSize: 0,
    persistedIndex: 0,
    ...over,
  }
}

function feed(): { f: Feed; texts: () => string[]; records: () => EventRecord[] } {
  const f = new Feed({ travel: () => 10, volatile: () => false, now: () => 0 })
  const records = () => {
    const out: EventRecord[] = []
    f.forEachRecord((r) => out.push(r))
    return out
  }
  return { f, records, texts: () => records().map(sentence) }
}

const summary = (node: string, s: Partial<NodeSummary>, at = 0): ClusterEvent => ({ type: 'summary', at, node, summary: sum({ id: node, ...s }) })
const sent = (id: number, msg: Partial<Message> & Pick<Message, 'type' | 'from' | 'to'>, at = 0, deliverAt = [at + 10]): ClusterEvent => ({ type: 'sent', at, id, msg: { term: 5, ...msg }, deliverAt })

describe('event log narration', () => {
  it('an election, in the words of the paper', () => {
    const { f, texts } = feed()
    f.handle(summary('n1', { term: 4 }))
    f.handle(summary('n3', { term: 4 }))
    f.handle(summary('n3', { term: 5, role: 'candidate', vote: 'n3', votesGranted: 1 }))
    f.handle(sent(1, { type: 'MsgVote', from: 'n3', to: 'n1', term: 5, index: 7, logTerm: 4 }))
    f.handle(summary('n1', { term: 5, vote: 'n3' }))
    f.handle(sent(2, { type: 'MsgVoteResp', from: 'n1', to: 'n3', term: 5 }))
    f.handle({ type: 'delivered', at: 10, id: 2, msg: { type: 'MsgVoteResp', from: 'n1', to: 'n3', term: 5 } })
    // The leader's summary no longer counts votes; the narration counts the grants that arrived.
    f.handle(summary('n3', { term: 5, role: 'leader', vote: 'n3', votesGranted: 0 }))
    expect(texts()).toEqual([
      "n3's election timer fired: n3 becomes candidate for term 5 and votes for itself",
      'n3 asks n1 for its vote in term 5 (last entry 7, term 4)',
      'n1 moves from term 4 to term 5',
      'n1 grants its vote to n3 for term 5',
      'n3 wins the election for term 5 with 2 of 3 votes and becomes leader',
    ])
  })

  it('pre-vote, a forced timeout and a transfer are told apart', () => {
    const { f, texts } = feed()
    f.handle(summary('n2', { term: 4 }))
    f.markForced('n2')
    f.handle(summary('n2', { term: 4, role: 'precandidate' }))
    f.handle(summary('n2', { term: 5, role: 'candidate' }))
    f.handle(summary('n1', { term: 5 }))
    f.handle({ type: 'delivered', at: 1, id: 9, msg: { type: 'MsgTimeoutNow', from: 'n2', to: 'n1', term: 5 } })
    f.handle(summary('n1', { term: 6, role: 'candidate' }))
    expect(texts()).toEqual([
      'n2 was told to campaign: n2 becomes pre-candidate and asks for pre-votes for term 5',
      'n2 won the pre-vote: n2 becomes candidate for term 5 and votes for itself',
      'n1 received TimeoutNow: n1 becomes candidate for term 6 at once (leadership transfer)',
    ])
  })

  it('explains rejections', () => {
    const { f, texts } = feed()
    f.handle(sent(1, { type: 'MsgAppResp', from: 'n1', to: 'n2', index: 7, reject: true, rejectHint: 5 }))
    f.handle(summary('n3', { term: 5, vote: 'n1' }))
    f.handle(summary('n2', { term: 5, role: 'candidate' }))
    f.handle(sent(2, { type: 'MsgVoteResp', from: 'n3', to: 'n2', term: 5, reject: true }))
    f.handle(summary('n3', { term: 5, vote: 'n3', leader: 'n1' }))
    f.handle(sent(3, { type: 'MsgPreVoteResp', from: 'n3', to: 'n2', term: 6, reject: true }))
    const t = texts()
    expect(t[0]).toBe('n1 rejects AppendEntries from n2: log mismatch at index 7 (its log ends at 5)')
    expect(t).toContain('n3 refuses its vote to n2: it already voted for n1 in this term')
    expect(t).toContain('n3 refuses a pre-vote to n2: it still hears from leader n1')
  })

  it('losses, partitions, crashes and clients', () => {
    const { f, texts } = feed()
    f.handle({ type: 'sent', at: 0, id: 1, msg: { type: 'MsgApp', from: 'n1', to: 'n2', term: 5, entries: [] }, deliverAt: [], dropped: 'partition' })
    f.handle({ type: 'nodeState', at: 1, node: 'n2', state: 'crashed' })
    f.handle({ type: 'lost', at: 2, id: 3, msg: { type: 'MsgHeartbeat', from: 'n1', to: 'n2', term: 5 }, reason: 'down' })
    f.handle({
      type: 'client',
      at: 40,
      op: { id: 1, client: 'you1', seq: 1, op: 'set', key: 'x', value: '1', read: 'log', invoke: 10, complete: 40, status: 'ok', index: 12, node: 'n1', attempts: 1 },
    })
    f.handle({
      type: 'client',
      at: 3010,
      op: { id: 2, client: 'you1', seq: 2, op: 'get', key: 'x', read: 'readIndex', invoke: 10, complete: null, status: 'unknown', attempts: 3 },
    })
    expect(texts()).toEqual([
      'AppendEntries from n1 to n2 is lost: they are in different partitions',
      'n2 crashed: its memory is gone; its disk survives',
      'Heartbeat from n1 to n2 arrives at a node that is down: lost',
      'client you1: set x=1 → ok at index 12 in 30 ms, answered by n1',
      'client you1: get x → unknown: no answer after 3000 ms; it may or may not have taken effect',
    ])
    expect(f.myOps.size).toBe(2)
  })
})

describe('message tokens', () => {
  it('fly from sent to delivery, and are pruned once arrived', () => {
    const { f } = feed()
    f.handle(sent(1, { type: 'MsgApp', from: 'n1', to: 'n2', entries: [{ index: 1, term: 1, kind: 'noop' }] }, 0, [10]))
    const t = f.tokens.get(1)![0]
    expect(t).toMatchObject({ fate: 'flying', sentAt: 0, arriveAt: 10 })
    expect(t.info).toMatchObject({ kind: 'append', reply: false, entries: 1 })
    f.prune(5)
    expect(f.tokens.size).toBe(1)
    f.prune(11)
    expect(f.tokens.size).toBe(0)
  })

  it('a dropped message stops halfway and fades; a duplicated one flies twice', () => {
    const { f } = feed()
    f.handle({ type: 'sent', at: 0, id: 1, msg: { type: 'MsgHeartbeat', from: 'n1', to: 'n2', term: 1 }, deliverAt: [], dropped: 'loss' })
    expect(f.tokens.get(1)![0]).toMatchObject({ fate: 'dropped', stopAt: 5, endAt: 10 })
    f.handle(sent(2, { type: 'MsgHeartbeat', from: 'n1', to: 'n3' }, 0, [8, 12]))
    expect(f.tokens.get(2)!.map((t) => t.arriveAt)).toEqual([8, 12])
    expect(f.pulses.size).toBe(2)
  })

  it('a message taken off the wire by the user stops where it is', () => {
    const { f } = feed()
    f.handle(sent(1, { type: 'MsgVote', from: 'n1', to: 'n2' }, 0, [20]))
    f.handle({ type: 'lost', at: 6, id: 1, msg: { type: 'MsgVote', from: 'n1', to: 'n2', term: 5 }, reason: 'dropped' })
    expect(f.tokens.get(1)![0]).toMatchObject({ fate: 'dropped', stopAt: 6 })
  })

  it('messages to a paused node wait in its inbox', () => {
    const { f } = feed()
    f.handle(sent(1, { type: 'MsgApp', from: 'n1', to: 'n2' }, 0, [10]))
    f.handle({ type: 'held', at: 10, id: 1, msg: { type: 'MsgApp', from: 'n1', to: 'n2', term: 5 } })
    expect(f.node('n2').held).toBe(1)
    f.handle({ type: 'nodeState', at: 20, node: 'n2', state: 'up' })
    expect(f.node('n2').held).toBe(0)
  })
})
