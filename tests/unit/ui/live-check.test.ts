import { describe, it, expect } from 'vitest'
import { LiveChecker } from '../../../src/ui/check/live.ts'
import { Scheduler, type ClientOp, type ClusterEvent } from '../../../src/browser/scheduler.ts'
import { inprocFactory } from '../../../src/browser/inproc.ts'
import { LoadGenerator } from '../../../src/cluster/workload.ts'
import type { LogView, Observation } from '../../../src/check/safety.ts'
import type { Entry, NodeId, UnsafeSwitches } from '../../../src/raft/types.ts'
import { testSpec } from '../cluster/spec.ts'

const obs = (o: Observation, at = 0): ClusterEvent => ({ type: 'observation', at, obs: o })
const end = (at = 0): ClusterEvent => ({ type: 'observation', at, obs: null })

/** A log view over (index -> term) pairs from index 1. */
function logOf(terms: number[]): LogView {
  return { firstIndex: () => 1, lastIndex: () => terms.length, term: (i) => (i === 0 ? 0 : terms[i - 1]) }
}

function entry(index: number, term: number, data: string): Entry {
  return { index, term, kind: 'command', data }
}

/** One node persisting and applying `e` (after a role change to follower). */
function applyAt(node: NodeId, e: Entry, prevTerm: number): ClusterEvent[] {
  return [
    obs({ type: 'persist', node, entries: [e], prevTerm, lastIndexBefore: e.index - 1, hardState: { term: e.term, vote: 'n1', commit: e.index } }),
    obs({ type: 'apply', node, entry: e }),
    end(),
  ]
}

function op(id: number, over: Partial<ClientOp>): ClientOp {
  return { id, client: `c${id}`, seq: 1, op: 'set', key: 'x', read: 'log', invoke: 0, complete: null, status: 'pending', attempts: 1, ...over }
}

describe('LiveChecker fed by hand', () => {
  it('a clean run is clean: one leader, the same entries applied everywhere', () => {
    const c = new LiveChecker()
    const events: ClusterEvent[] = [
      obs({ type: 'persist', node: 'n1', entries: [], prevTerm: undefined, lastIndexBefore: 0, hardState: { term: 1, vote: 'n1', commit: 0 } }),
      obs({ type: 'role', node: 'n1', role: 'leader', term: 1, log: logOf([1]) }),
      obs({ type: 'send', node: 'n1', term: 1 }),
      end(),
      ...applyAt('n1', entry(1, 1, 'a'), 0),
      ...applyAt('n2', entry(1, 1, 'a'), 0),
      ...applyAt('n3', entry(1, 1, 'a'), 0),
    ]
    for (const e of events) expect(c.handle(e)).toBeNull()
    expect(c.violation).toBeNull()
    expect(c.counts.observations).toBe(9)
    expect(c.safety.stats().appliesCompared).toBe(2)
    expect(c.safety.stats().leaderTerms).toBe(1)
  })

  it('two nodes applying different entries at one index: State Machine Safety, with nodes, index and term; then it stops', () => {
    const c = new LiveChecker({ seed: 9 })
    for (const e of applyAt('n1', entry(1, 1, 'a'), 0)) c.handle(e)
    const found = applyAt('n2', entry(1, 2, 'b'), 0).map((e) => c.handle(e)).find((v) => v !== null)
    expect(found).toMatchObject({ property: 'StateMachineSafety', nodes: ['n1', 'n2'], index: 1, term: 2, seed: 9 })
    expect(c.violation).toBe(found)
    // Nothing after the first violation is checked.
    const before = c.counts.observations
    expect(c.handle(obs({ type: 'crash', node: 'n1' }))).toBeNull()
    expect(c.counts.observations).toBe(before)
  })

  it('a leader elected without a committed entry: Leader Completeness at that entry', () => {
    const c = new LiveChecker()
    for (const e of applyAt('n1', entry(1, 1, 'a'), 0)) c.handle(e)
    for (const e of applyAt('n1', entry(2, 1, 'b'), 1)) c.handle(e)
    const v = c.handle(obs({ type: 'role', node: 'n3', role: 'leader', term: 2, log: logOf([1]) }))
    expect(v).toMatchObject({ property: 'LeaderCompleteness', nodes: ['n3', 'n1'], index: 2, term: 1 })
  })

  it('a read that misses an acknowledged write: Linearizability, naming the node that answered and its index', () => {
    const c = new LiveChecker()
    const w = op(1, { op: 'set', value: '1', invoke: 0 })
    c.handle({ type: 'client', at: 0, op: w })
    expect(c.handle({ type: 'client', at: 10, op: { ...w, status: 'ok', complete: 10, result: { ok: true, value: '1' }, node: 'n1', index: 2 } })).toBeNull()
    const r = op(2, { op: 'get', read: 'readIndex', invoke: 20 })
    c.handle({ type: 'client', at: 20, op: r })
    // Answers are checked at the end of the step that brought them (one search per key per step).
    expect(c.handle({ type: 'client', at: 30, op: { ...r, status: 'ok', complete: 30, result: { ok: true, value: null }, node: 'n2', index: 1 } })).toBeNull()
    const v = c.handle({ type: 'observation', at: 30, obs: null })
    expect(v).toMatchObject({ property: 'Linearizability', nodes: ['n2'], index: 1 })
    expect(v?.message).toMatch(/#2/)
  })

  it('the same read seeing the write is linearizable', () => {
    const c = new LiveChecker()
    const w = op(1, { op: 'set', value: '1', invoke: 0 })
    c.handle({ type: 'client', at: 0, op: w })
    c.handle({ type: 'client', at: 10, op: { ...w, status: 'ok', complete: 10, result: { ok: true, value: '1' }, node: 'n1', index: 2 } })
    const r = op(2, { op: 'get', read: 'readIndex', invoke: 20 })
    c.handle({ type: 'client', at: 20, op: r })
    expect(c.handle({ type: 'client', at: 30, op: { ...r, status: 'ok', complete: 30, result: { ok: true, value: '1' }, node: 'n2', index: 2 } })).toBeNull()
    expect(c.handle({ type: 'observation', at: 30, obs: null })).toBeNull()
    // The set's answer is not checked (a blind write can never be the answer that breaks linearizability).
    expect(c.counts.linChecks).toBe(1)
  })
})

/**
 * The scheduler's observations with in-process hosts (the code the workers run). The stale-leader schedule: the
 * leader commits an entry while one follower is down; then the leader and the other follower crash, the messages
 * in flight land, both followers restart, and the one that missed the entry campaigns at once.
 */
async function staleCandidate(unsafe?: UnsafeSwitches): Promise<{ checker: LiveChecker; sched: Scheduler; stale: NodeId; leader: NodeId }> {
  const spec = testSpec({ seed: 3 })
  if (unsafe) spec.params = { ...spec.params, unsafe }
  const sched = new Scheduler(spec, inprocFactory())
  const checker = new LiveChecker({ seed: spec.seed })
  sched.on((e) => checker.handle(e))
  await sched.start()
  let leader: NodeId | undefined
  while (!leader && sched.now < 5000) {
    await sched.runUntil(sched.now + 10)
    leader = sched.nodeIds().find((id) => sched.summary(id)?.role === 'leader')
  }
  if (!leader) throw new Error('no leader')
  await sched.runUntil(sched.now + 100)
  const [other, stale] = sched.nodeIds().filter((id) => id !== leader)
  await sched.crash(stale)
  const w = sched.submit('c1', { op: 'set', key: 'x', value: '1' })
  await sched.runUntil(sched.now + 300)
  expect((await w).status).toBe('ok')
  await sched.crash(leader)
  await sched.crash(other)
  // The messages in flight land at crashed nodes: a restarted node that heard the old leader would not vote.
  await sched.runUntil(sched.now + 100)
  await sched.restart(stale)
  await sched.restart(other)
  await sched.campaign(stale)
  await sched.runUntil(sched.now + 1000)
  return { checker, sched, stale, leader }
}

describe('LiveChecker on the scheduler with in-process hosts', () => {
  it('with skipLogUpToDateCheck, the stale candidate wins and Leader Completeness fails at the entry it lacks', async () => {
    const { checker, stale, leader } = await staleCandidate({ skipLogUpToDateCheck: true })
    expect(checker.violation).toMatchObject({ property: 'LeaderCompleteness', nodes: [stale, leader], index: 2, term: 1 })
  })

  it('without the switch, the same schedule is clean (the voter refuses the stale candidate)', async () => {
    const { checker, sched, stale } = await staleCandidate()
    expect(checker.violation).toBeNull()
    expect(sched.summary(stale)?.role).not.toBe('leader')
    expect(checker.safety.stats().leaderTerms).toBeGreaterThanOrEqual(2)
    expect(checker.safety.stats().appliesCompared).toBeGreaterThan(0)
    expect(checker.safety.stats().completenessChecks).toBeGreaterThan(0)
  })

  it('with forgetVoteOnRestart, a restarted follower that voted writes its vote away: Durability', async () => {
    const spec = testSpec({ seed: 5 })
    spec.params = { ...spec.params, unsafe: { forgetVoteOnRestart: true } }
    const sched = new Scheduler(spec, inprocFactory())
    const checker = new LiveChecker()
    sched.on((e) => checker.handle(e))
    await sched.start()
    let leader: NodeId | undefined
    while (!leader) {
      await sched.runUntil(sched.now + 10)
      leader = sched.nodeIds().find((id) => sched.summary(id)?.role === 'leader')
    }
    await sched.runUntil(sched.now + 100)
    const follower = sched.nodeIds().find((id) => id !== leader)!
    await sched.crash(follower)
    await sched.restart(follower)
    await sched.runUntil(sched.now + 200)
    expect(checker.violation).toMatchObject({ property: 'Durability', nodes: [follower] })
  })

  it('a busy cluster with load, crashes and restarts is clean, and the checkers saw it all', async () => {
    const sched = new Scheduler(testSpec({ seed: 11 }), inprocFactory())
    const checker = new LiveChecker({ seed: 11 })
    sched.on((e) => checker.handle(e))
    await sched.start()
    const load = new LoadGenerator(sched, { clients: 4, prefix: 'load' })
    load.start()
    for (const id of ['n1', 'n2', 'n3', 'n1']) {
      await sched.runUntil(sched.now + 1500)
      await sched.crash(id)
      await sched.runUntil(sched.now + 700)
      await sched.restart(id)
    }
    await sched.runUntil(sched.now + 1500)
    load.dispose()
    expect(checker.violation).toBeNull()
    const st = checker.safety.stats()
    expect(st.leaderTerms).toBeGreaterThanOrEqual(2)
    expect(st.crashes).toBe(4)
    expect(st.appliesCompared).toBeGreaterThan(50)
    expect(st.logMatches).toBeGreaterThan(30)
    expect(st.completenessChecks).toBeGreaterThan(10)
    expect(checker.counts.linChecks).toBeGreaterThan(10)
  })
})

/**
 * The deposed leader's read: x=1 is written, the leader is isolated (check-quorum off, so it keeps leading), the
 * others elect a leader that writes x=2 and then crashes; the client's read goes to the old leader.
 */
async function staleRead(unsafe?: UnsafeSwitches): Promise<{ checker: LiveChecker; read: ClientOp; old: NodeId }> {
  const spec = testSpec({ seed: 4 })
  spec.params = { ...spec.params, checkQuorum: false, ...(unsafe ? { unsafe } : {}) }
  const sched = new Scheduler(spec, inprocFactory())
  const checker = new LiveChecker()
  sched.on((e) => checker.handle(e))
  await sched.start()
  const leaderOf = async (not?: NodeId): Promise<NodeId> => {
    for (;;) {
      await sched.runUntil(sched.now + 10)
      const l = sched.nodeIds().find((id) => id !== not && sched.nodeState(id) === 'up' && sched.summary(id)?.role === 'leader')
      if (l) return l
    }
  }
  const old = await leaderOf()
  const w1 = sched.submit('c1', { op: 'set', key: 'x', value: '1' })
  await sched.runUntil(sched.now + 300)
  expect((await w1).status).toBe('ok')
  sched.network.setConfig({ ...sched.network.config, isolated: [old] })
  const next = await leaderOf(old)
  const w2 = sched.submit('c1', { op: 'set', key: 'x', value: '2' })
  await sched.runUntil(sched.now + 300)
  expect((await w2).node).toBe(next)
  await sched.crash(next)
  const r = sched.submit('c2', { op: 'get', key: 'x' }, 'readIndex')
  await sched.runUntil(sched.now + 3000)
  return { checker, read: await r, old }
}

describe('LiveChecker on a stale read', () => {
  it('with leaseReadsWithoutCheck, the deposed leader answers the old value: Linearizability', async () => {
    const { checker, read, old } = await staleRead({ leaseReadsWithoutCheck: true })
    expect(read).toMatchObject({ status: 'ok', node: old, result: { value: '1' } })
    expect(checker.violation).toMatchObject({ property: 'Linearizability', nodes: [old], index: read.index })
  })

  it('without it, the deposed leader cannot confirm the read and no answer is wrong', async () => {
    const { checker, read } = await staleRead()
    expect(read.status).not.toBe('ok')
    expect(checker.violation).toBeNull()
  })
})

describe('a lost disk (volatile storage, a wiped disk)', () => {
  const hard = (term: number, vote: NodeId | null) => obs({ type: 'persist', node: 'n2', entries: [], prevTerm: undefined, lastIndexBefore: 0, hardState: { term, vote, commit: 0 } })

  it('restarting from it starts Durability afresh; a disk that kept its data still may not go back', () => {
    const lost = new LiveChecker()
    lost.handle(hard(3, 'n1'))
    lost.handle(obs({ type: 'restart', node: 'n2', index: 0, term: 0, lostDisk: true }))
    expect(lost.handle(hard(1, null))).toBeNull()
    const kept = new LiveChecker()
    kept.handle(hard(3, 'n1'))
    kept.handle(obs({ type: 'restart', node: 'n2', index: 0, term: 0 }))
    expect(kept.handle(hard(1, null))).toMatchObject({ property: 'Durability', nodes: ['n2'], term: 1 })
  })

  it('a cluster on volatile storage whose followers crash and restart empty is clean', async () => {
    const sched = new Scheduler(testSpec({ seed: 8, storage: 'volatile' }), inprocFactory())
    const checker = new LiveChecker()
    sched.on((e) => checker.handle(e))
    await sched.start()
    let leader: NodeId | undefined
    while (!leader) {
      await sched.runUntil(sched.now + 10)
      leader = sched.nodeIds().find((id) => sched.summary(id)?.role === 'leader')
    }
    for (const id of sched.nodeIds().filter((x) => x !== leader)) {
      void sched.submit('c1', { op: 'set', key: 'x', value: id })
      await sched.runUntil(sched.now + 500)
      await sched.crash(id)
      await sched.runUntil(sched.now + 100)
      await sched.restart(id)
      expect(sched.recovery(id)?.empty).toBe(true)
      await sched.runUntil(sched.now + 1000)
    }
    expect(checker.violation).toBeNull()
    expect(checker.safety.stats().appliesCompared).toBeGreaterThan(3)
  })
})
