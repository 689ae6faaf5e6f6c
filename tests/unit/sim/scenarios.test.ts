import { encodeCommand } from '../../../src/kv/command.ts'
import { describe, it, expect } from 'vitest'
import { Simulator } from '../../../src/sim/simulator.ts'
import { SimCheckers } from '../../../src/sim/checkers.ts'
import { scenarioOptions } from '../../../src/sim/options.ts'
import type { SimOptions } from '../../../src/sim/types.ts'
import type { HistoryOp } from '../../../src/kv/history.ts'
import { checkLinearizability } from '../../../src/check/linearizability.ts'
import { formatViolation } from '../../../src/check/safety.ts'

function setup(seed: number, overrides: Partial<SimOptions> = {}): { sim: Simulator; chk: SimCheckers } {
  const sim = new Simulator(scenarioOptions(seed, overrides))
  const chk = new SimCheckers(sim)
  return { sim, chk }
}

function waitLeader(sim: Simulator, withinMs = 3000): string {
  let leader: string | null = null
  sim.runUntilTrue(() => (leader = sim.leader()) !== null, sim.now + withinMs)
  if (leader === null) throw new Error(`no leader by ${sim.now} ms`)
  return leader
}

function waitDone(sim: Simulator, op: HistoryOp, withinMs = 3000): boolean {
  return sim.runUntilTrue(() => op.outcome === 'ok', sim.now + withinMs)
}

function expectClean(chk: SimCheckers): void {
  const v = chk.violations()
  expect(v.map(formatViolation)).toEqual([])
}

/** Terms of a node's log from `lo` to its last index. */
function terms(sim: Simulator, id: string, lo = 1): number[] {
  const raw = sim.node(id).raw
  const out: number[] = []
  for (let i = lo; i <= raw.lastIndex(); i++) out.push(raw.term(i) ?? -1)
  return out
}

describe('scenario: leader crash', () => {
  it('elects a new leader and keeps acknowledged data', () => {
    const { sim, chk } = setup(11)
    const first = waitLeader(sim)
    const w = sim.request({ op: 'set', key: 'x', value: 'one' }, 's1', first)
    expect(waitDone(sim, w)).toBe(true)
    expect(w.result).toEqual({ ok: true, value: 'one' })

    sim.crash(first)
    sim.runFor(50)
    const second = waitLeader(sim)
    expect(second).not.toBe(first)
    const r = sim.request({ op: 'get', key: 'x' }, 's1', second)
    expect(waitDone(sim, r)).toBe(true)
    expect(r.result).toEqual({ ok: true, value: 'one' })

    sim.restart(first)
    sim.runFor(1000)
    expect(sim.node(first).kv.read('x')).toBe('one')
    expectClean(chk)
    expect(chk.safety.stats().elections).toBeGreaterThanOrEqual(2)
    expect(sim.stats.crashes).toBe(1)
  })
})

describe('scenario: a follower rejoins with a divergent log', () => {
  it('loses its uncommitted entries to the new leader\'s', () => {
    const { sim, chk } = setup(12)
    const old = waitLeader(sim)
    const ok = sim.request({ op: 'set', key: 'x', value: 'kept' }, 's1', old)
    expect(waitDone(sim, ok)).toBe(true)
    const committed = sim.node(old).raw.status().commit

    // Cut the leader off, let it append entries nobody else will see, then crash it with them on disk.
    sim.isolate(old)
    for (let i = 0; i < 3; i++) sim.propose(old, `{"lost":${i}}`)
    sim.runFor(100)
    expect(sim.node(old).disk.entries.length).toBeGreaterThan(committed)
    expect(sim.node(old).raw.status().commit).toBe(committed)
    sim.crash(old)
    sim.heal()

    const next = waitLeader(sim)
    for (let i = 0; i < 5; i++) {
      const op = sim.request({ op: 'set', key: 'y', value: `v${i}` }, 's2', next)
      expect(waitDone(sim, op)).toBe(true)
    }
    const divergentTerm = sim.node(old).disk.entries[committed].term
    sim.restart(old)
    sim.runFor(1500)

    expect(terms(sim, old)).toEqual(terms(sim, next))
    expect(terms(sim, old, committed + 1)).not.toContain(divergentTerm)
    expect(sim.node(old).kv.entries()).toEqual(sim.node(next).kv.entries())
    expect(sim.node(old).kv.read('x')).toBe('kept')
    expectClean(chk)
    expect(chk.safety.stats().logMatches).toBeGreaterThan(0)
  })
})

describe('scenario: a stale leader in a minority partition', () => {
  it('cannot commit; after healing it steps down and its uncommitted entries are replaced', () => {
    const { sim, chk } = setup(13, { nodes: 5 })
    const stale = waitLeader(sim)
    const others = sim.nodeIds().filter((id) => id !== stale)
    const done = sim.request({ op: 'set', key: 'x', value: 'before' }, 's1', stale)
    expect(waitDone(sim, done)).toBe(true)
    const commitBefore = sim.node(stale).raw.status().commit
    const staleTerm = sim.node(stale).raw.status().term

    sim.partition([[stale, others[0]], others.slice(1)])
    // Proposed straight at the stale leader (a client would soon try the majority's leader instead).
    const stuck = sim.propose(stale, encodeCommand({ op: 'set', key: 'x', value: 'stuck', client: 's2', seq: 1 }))
    sim.runFor(2000)
    expect(sim.node(stale).raw.status().commit).toBe(commitBefore)
    expect(sim.node(stale).raw.lastIndex()).toBeGreaterThanOrEqual(stuck.index)
    expect(sim.node(stale).raw.status().role).toBe('leader') // no CheckQuorum: it does not know
    expect(sim.node(stale).raw.lastIndex()).toBeGreaterThan(commitBefore)

    const fresh = sim.leader()
    expect(fresh).not.toBe(stale)
    expect(others.slice(1)).toContain(fresh)
    const after = sim.request({ op: 'set', key: 'x', value: 'after' }, 's3', fresh as string)
    expect(waitDone(sim, after)).toBe(true)

    sim.heal()
    sim.runFor(1500)
    const st = sim.node(stale).raw.status()
    expect(st.role).toBe('follower')
    expect(st.term).toBeGreaterThan(staleTerm)
    // Its uncommitted entry of the old term was replaced: no entry of that term remains above the old commit,
    // unless the retried request went through the new leader (same client and seq, applied at most once).
    expect(terms(sim, stale, commitBefore + 1)).not.toContain(staleTerm)
    expect(terms(sim, stale)).toEqual(terms(sim, fresh as string))
    expectClean(chk)
  })
})

describe('scenario: quorum arithmetic in a 5-node cluster', () => {
  it('commits with 2 nodes down, not with 3, and again once one returns', () => {
    const { sim, chk } = setup(14, { nodes: 5, requestTimeoutMs: 100_000, retryMs: 500 })
    const leader = waitLeader(sim)
    const followers = sim.nodeIds().filter((id) => id !== leader)
    sim.crash(followers[0])
    sim.crash(followers[1])
    const a = sim.request({ op: 'set', key: 'k', value: 'a' }, 's1', leader)
    expect(waitDone(sim, a, 2000)).toBe(true)

    sim.crash(followers[2])
    const commit = sim.node(leader).raw.status().commit
    const b = sim.request({ op: 'set', key: 'k', value: 'b' }, 's1', leader)
    expect(waitDone(sim, b, 5000)).toBe(false)
    expect(sim.node(leader).raw.status().commit).toBe(commit)
    expect(sim.node(followers[3]).kv.read('k')).toBe('a')

    sim.restart(followers[2])
    expect(waitDone(sim, b, 5000)).toBe(true)
    expect(b.result).toEqual({ ok: true, value: 'b' })
    expectClean(chk)
  })
})

describe('scenario: repeated crash and restart of every node', () => {
  it('keeps the cluster consistent and the client history linearizable', () => {
    const { sim, chk } = setup(15, { clients: 3, keys: 2, snapshotEvery: 20 })
    waitLeader(sim)
    for (let round = 0; round < 3; round++) {
      for (const id of sim.nodeIds()) {
        sim.crash(id)
        sim.runFor(300)
        sim.restart(id)
        sim.runFor(400)
      }
    }
    sim.runFor(2000)
    sim.workload.stop()
    sim.runFor(3000)
    const ids = sim.nodeIds()
    for (const id of ids) expect(sim.node(id).kv.entries()).toEqual(sim.node(ids[0]).kv.entries())
    expectClean(chk)
    const s = chk.safety.stats()
    expect(s.crashes).toBe(9)
    expect(s.elections).toBeGreaterThanOrEqual(3)
    expect(s.committed).toBeGreaterThan(50)
    expect(sim.stats.snapshots).toBeGreaterThan(0)
    expect(sim.workload.completed).toBeGreaterThan(50)
    const lin = checkLinearizability(sim.workload.history)
    expect(lin.ok).toBe(true)
  })
})

describe('scenario: catching up from a snapshot', () => {
  it('a node that was down while the others compacted is restored from a snapshot', () => {
    const { sim, chk } = setup(16, { clients: 2, snapshotEvery: 10 })
    waitLeader(sim)
    sim.runFor(200)
    sim.crash('n3')
    sim.runFor(3000)
    expect(sim.node('n1').disk.snapshot?.index ?? 0).toBeGreaterThan(sim.node('n3').raw.lastIndex())
    sim.restart('n3')
    sim.workload.stop()
    sim.runFor(3000)
    expect(sim.node('n3').kv.entries()).toEqual(sim.node('n1').kv.entries())
    expect(sim.node('n3').disk.snapshot).toBeDefined()
    expect(chk.safety.stats().restores).toBeGreaterThan(0)
    expectClean(chk)
  })
})

describe('scenario: membership changes through the simulator', () => {
  it('adds a node that catches up, and removes one that then stops', () => {
    const { sim, chk } = setup(17, { clients: 1 })
    waitLeader(sim)
    sim.runFor(500)
    sim.addNode('n4')
    sim.runFor(2000)
    const leader = waitLeader(sim)
    expect(sim.node(leader).raw.status().voters).toContain('n4')
    expect(sim.node('n4').kv.appliedIndex).toBeGreaterThan(0)
    const victim = sim.nodeIds().find((id) => id !== leader && id !== 'n4') as string
    sim.removeNode(victim)
    sim.runFor(2000)
    expect(sim.isUp(victim)).toBe(false)
    expect(sim.node(victim).removed).toBe(true)
    expect(sim.node(waitLeader(sim)).raw.status().voters).not.toContain(victim)
    sim.workload.stop()
    sim.runFor(1000)
    expect(sim.node('n4').kv.entries()).toEqual(sim.node(leader).kv.entries())
    expectClean(chk)
  })
})

describe('scenario: a client retries through a leader crash', () => {
  it('re-sends the same (client, seq); the store applies it once and answers the retry with the first result', () => {
    const { sim, chk } = setup(18, { diskMinMs: 20, diskMaxMs: 20 })
    const leader = waitLeader(sim)
    sim.runFor(300)
    // A cas from "absent": applied twice without deduplication, the second application would fail.
    const op = sim.request({ op: 'cas', key: 'x', value: 'a', expected: null }, 's1', leader)
    sim.runFor(30) // written and sent by the leader, not yet acknowledged
    expect(sim.node(leader).kv.appliedIndex).toBeLessThan(sim.node(leader).raw.lastIndex())
    sim.crash(leader)
    expect(waitDone(sim, op, 5000)).toBe(true)
    expect(op.result).toEqual({ ok: true, value: 'a' })
    const next = waitLeader(sim)
    const raw = sim.node(next).raw
    const copies = raw.entries(raw.firstIndex(), raw.lastIndex() + 1).filter((e) => e.data?.includes('"client":"s1"'))
    expect(copies.length).toBe(2) // the original and the retry, both in the log
    expect(sim.node(next).kv.read('x')).toBe('a')
    expectClean(chk)
  })
})
