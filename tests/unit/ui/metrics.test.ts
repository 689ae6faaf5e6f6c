import { describe, it, expect } from 'vitest'
import { Metrics, percentile } from '../../../src/ui/metrics/collector.ts'
import { columns, histogram, toCsv } from '../../../src/ui/metrics/series.ts'
import type { ClusterEvent } from '../../../src/browser/scheduler.ts'
import type { Message, MessageType } from '../../../src/raft/types.ts'
import type { NodeSummary } from '../../../src/node/protocol.ts'

const VOTERS = ['n1', 'n2', 'n3']

function sum(id: string, role: NodeSummary['role'], term: number, extra: Partial<NodeSummary> = {}): NodeSummary {
  return { id, role, term, leader: role === 'leader' ? id : null, commit: 0, applied: 0, lastIndex: 0, voters: VOTERS, learners: [], vote: null, firstIndex: 1, snapshotIndex: 0, snapshotTerm: 0, electionElapsed: 0, electionTimeout: 10, votesGranted: 0, votesRejected: 0, leadTransferee: null, storage: 'volatile', kvSize: 0, persistedIndex: 0, ...extra } as NodeSummary
}

const summary = (at: number, s: NodeSummary): ClusterEvent => ({ type: 'summary', at, node: s.id, summary: s })
const msg = (type: MessageType, from: string, to: string, term: number, extra: Partial<Message> = {}): Message => ({ type, from, to, term, ...extra })
const delivered = (at: number, m: Message): ClusterEvent => ({ type: 'delivered', at, id: 0, msg: m })
const sent = (at: number, m: Message): ClusterEvent => ({ type: 'sent', at, id: 0, msg: m, deliverAt: [at + 5] })

/** n1 campaigns at `at` for `term` and wins 10 ms later. */
function elect(m: Metrics, id: string, term: number, at: number, extra: Partial<NodeSummary> = {}): void {
  m.handle(summary(at, sum(id, 'candidate', term, extra)))
  m.handle(summary(at + 10, sum(id, 'leader', term, extra)))
}

/** Both followers answer the leader's heartbeat at `at`. */
function acks(m: Metrics, leader: string, term: number, at: number, peers = VOTERS.filter((v) => v !== leader)): void {
  for (const p of peers) m.handle(delivered(at, msg('MsgHeartbeatResp', p, leader, term)))
}

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i) // 1..100, shuffled order
    expect(percentile(xs.slice(), 0.5)).toBe(50)
    expect(percentile(xs.slice(), 0.99)).toBe(99)
    expect(percentile([7], 0.99)).toBe(7)
    expect(percentile([], 0.5)).toBeNull()
  })
})

describe('metrics: elections', () => {
  it('counts elections and campaigns, and the share of campaigns that win', () => {
    const m = new Metrics(0)
    m.handle(summary(50, sum('n2', 'candidate', 1))) // loses
    elect(m, 'n1', 2, 120)
    m.advance(1000)
    const s = m.summary()
    expect(s.elections).toBe(1)
    expect(s.campaigns).toBe(2)
    expect(s.winShare).toBe(0.5)
  })

  it('election latency runs from the loss of the leader to the election of the next one', () => {
    const m = new Metrics(0)
    elect(m, 'n1', 1, 100) // first leader at 110: latency from the start
    for (let t = 120; t <= 500; t += 20) acks(m, 'n1', 1, t)
    // The leader crashes at 505; n2 wins term 2 at 505 + 200 = 705.
    m.handle({ type: 'nodeState', at: 505, node: 'n1', state: 'crashed' })
    elect(m, 'n2', 2, 695)
    m.advance(800)
    expect(m.electionLatencies()).toEqual([110, 200])
    expect(m.summary().electionLatency).toMatchObject({ last: 200, mean: 155, count: 2 })
    expect(m.summary().leader).toBe('n2')
  })

  it('a leader cut off from its quorum is lost when it last heard from one', () => {
    const m = new Metrics(0, { electionTimeoutMs: 100 })
    elect(m, 'n1', 1, 0)
    for (let t = 20; t <= 300; t += 20) acks(m, 'n1', 1, t)
    // Partitioned after 300: it keeps hearing from nobody but stays leader in its own eyes.
    m.advance(450)
    expect(m.summary().leader).toBeNull()
    elect(m, 'n3', 2, 480)
    m.advance(600)
    expect(m.electionLatencies().at(-1)).toBe(490 - 300)
  })

  it('a single answering peer is not a quorum of five', () => {
    const five = ['n1', 'n2', 'n3', 'n4', 'n5']
    const m = new Metrics(0, { electionTimeoutMs: 100 })
    elect(m, 'n1', 1, 0, { voters: five })
    for (let t = 20; t <= 400; t += 20) acks(m, 'n1', 1, t, t <= 200 ? ['n2', 'n3', 'n4', 'n5'] : ['n2'])
    m.advance(400)
    expect(m.summary().leader).toBeNull()
  })
})

describe('metrics: share of time with a leader able to commit', () => {
  it('is the time with an able leader over the observed span', () => {
    const m = new Metrics(0, { bucketMs: 100, electionTimeoutMs: 100 })
    elect(m, 'n1', 1, 190) // able from 200
    for (let t = 220; t <= 600; t += 20) acks(m, 'n1', 1, t)
    m.handle({ type: 'nodeState', at: 600, node: 'n1', state: 'paused' }) // able 200..600
    elect(m, 'n2', 2, 790) // able again from 800
    for (let t = 820; t <= 1000; t += 20) acks(m, 'n2', 2, t)
    m.advance(1000)
    // 400 ms + 200 ms of 1000 ms.
    expect(m.summary().leaderShare).toBeCloseTo(0.6, 5)
    const buckets = m.closed()
    expect(buckets.map((b) => m.ableMs(b))).toEqual([0, 0, 100, 100, 100, 100, 0, 0, 100, 100])
  })
})

describe('metrics: replication and the state machine', () => {
  it('commit latency is append to commit at the leader; p50 and p99 over the window', () => {
    const m = new Metrics(0, { latencyWindowMs: 100_000, buckets: 1000 })
    const L = (at: number, extra: Partial<NodeSummary>) => m.handle(summary(at, sum('n1', 'leader', 1, extra)))
    elect(m, 'n1', 1, 0) // leader at 10 with an empty log
    // Entry i is appended at 200 i and committed i ms later: latencies 1..100 ms.
    for (let i = 1; i <= 100; i++) {
      acks(m, 'n1', 1, 200 * i - 1)
      L(200 * i, { lastIndex: i, commit: i - 1 })
      acks(m, 'n1', 1, 200 * i + i - 1)
      L(200 * i + i, { lastIndex: i, commit: i })
    }
    m.advance(20_400)
    const lat = m.commitLatencies()
    expect(lat.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
    const s = m.summary()
    expect(s.commitP50).toBe(50)
    expect(s.commitP99).toBe(99)
  })

  it('apply latency is commit to apply at the leader, and throughput counts entries per second', () => {
    const m = new Metrics(0, { bucketMs: 100, latencyWindowMs: 1000 })
    elect(m, 'n1', 1, 0)
    acks(m, 'n1', 1, 10)
    for (let i = 1; i <= 50; i++) {
      const t = 100 + i * 10 // 110..600
      m.handle(summary(t, sum('n1', 'leader', 1, { lastIndex: i, commit: i - 1 })))
      m.handle(summary(t + 2, sum('n1', 'leader', 1, { lastIndex: i, commit: i })))
      m.handle({ type: 'nodeEvent', at: t + 5, node: 'n1', event: { type: 'applied', from: i, to: i } })
      acks(m, 'n1', 1, t)
    }
    m.advance(1100)
    const s = m.summary()
    expect(s.applyP50).toBe(3)
    // All 50 were committed and applied within the last second (100..1100).
    const commits = m.closed().reduce((a, b) => a + b.commits, 0)
    expect(commits).toBe(50)
    expect(s.commitRate).toBeCloseTo(50, 0) // 50 entries in the last second
    expect(s.applyRate).toBeCloseTo(50, 0)
  })

  it('counts rejected appends and messages by kind', () => {
    const m = new Metrics(0, { bucketMs: 100 })
    for (let i = 0; i < 30; i++) m.handle(sent(10 + i, msg('MsgHeartbeat', 'n1', 'n2', 1)))
    for (let i = 0; i < 4; i++) m.handle(sent(50 + i, msg('MsgAppResp', 'n2', 'n1', 1, { reject: true })))
    m.handle(sent(60, msg('MsgAppResp', 'n2', 'n1', 1)))
    m.advance(100)
    const b = m.closed()[0]
    expect(b.msgs.heartbeat).toBe(30)
    expect(b.msgs.append).toBe(5)
    expect(b.rejectedAppends).toBe(4)
  })

  it('entries behind the leader come from the leader’s progress', () => {
    const m = new Metrics(0)
    elect(m, 'n1', 1, 0)
    m.handle(summary(5, sum('n2', 'follower', 1)))
    m.handle(summary(5, sum('n3', 'follower', 1)))
    acks(m, 'n1', 1, 10)
    m.handle(summary(20, sum('n1', 'leader', 1, { lastIndex: 40, commit: 30, progress: { n1: { match: 40, next: 41, state: 'replicate' }, n2: { match: 40, next: 41, state: 'replicate' }, n3: { match: 12, next: 13, state: 'probe' } } })))
    m.handle(delivered(30, msg('MsgHeartbeat', 'n1', 'n2', 1)))
    m.advance(100)
    expect(m.closed()[0].behind).toEqual({ n1: 0, n2: 0, n3: 28 })
    const h = m.summary().nodes.find((n) => n.id === 'n2')!
    expect(h.behind).toBe(0)
    expect(h.heartbeatLag).toBe(70)
  })
})

describe('metrics: bounded', () => {
  it('keeps at most `buckets` buckets and jumps over long gaps', () => {
    const m = new Metrics(0, { bucketMs: 10, buckets: 50 })
    for (let t = 0; t < 5000; t += 3) m.handle(sent(t, msg('MsgHeartbeat', 'n1', 'n2', 1)))
    expect(m.closed().length).toBeLessThanOrEqual(50)
    m.advance(10_000_000)
    expect(m.closed().length).toBeLessThanOrEqual(50)
    expect(m.closed().at(-1)!.start).toBe(10_000_000 - 10)
  })
})

describe('metrics: series and CSV', () => {
  it('writes a header and one row per closed bucket, with rates per second', () => {
    const m = new Metrics(0, { bucketMs: 100 })
    elect(m, 'n1', 1, 0)
    m.handle(summary(5, sum('n2', 'follower', 1)))
    for (let t = 20; t < 300; t += 20) {
      acks(m, 'n1', 1, t)
      m.handle(sent(t, msg('MsgHeartbeat', 'n1', 'n2', 1)))
    }
    m.advance(300)
    const c = columns(m)
    expect(c.t).toEqual([0.1, 0.2, 0.3])
    expect(c.msgRate.heartbeat).toEqual([40, 50, 50]) // 4, 5, 5 heartbeats per 100 ms
    expect(c.elections).toEqual([1, 0, 0])
    const lines = toCsv(c).trim().split('\n')
    expect(lines.length).toBe(4)
    const head = lines[0].split(',')
    expect(head[0]).toBe('time_s')
    const row = lines[2].split(',')
    expect(row.length).toBe(head.length)
    expect(Number(row[head.indexOf('msgs_heartbeat_per_s')])).toBe(50)
    expect(Number(row[head.indexOf('leader_able_pct')])).toBe(100)
    expect(row[head.indexOf('election_latency_ms')]).toBe('')
    expect(Number(lines[1].split(',')[head.indexOf('election_latency_ms')])).toBe(10)
  })

  it('bins latencies into a histogram and names the most common bin', () => {
    const h = histogram([1, 2, 2, 3, 22, 22, 23, 23, 23, 24], 6)
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(10)
    expect(h.edges[1] - h.edges[0]).toBe(4)
    expect(h.mode).toBe(22) // bin 20..24 holds five
    expect(histogram([]).mode).toBeNull()
  })
})
