import { describe, expect, it } from 'vitest'
import type { ConfChangeType, Message, NodeId } from '../../../src/raft/index.ts'
import { Cluster, seeded } from './harness.ts'
import type { TestNode } from './harness.ts'

/**
 * Figure 3's guarantees checked after every event of seeded random runs: ticks, deliveries out of order,
 * duplicates, losses, partitions, crashes, compactions, proposals, leadership transfers and (optionally)
 * membership changes. A failure names the seed and step that replay it.
 */
class Checker {
  private readonly leaders = new Map<number, NodeId>()
  /** index -> the entry applied there, and the lowest term of a server seen applying it. */
  private readonly applied = new Map<number, { entry: string; term: number }>()
  private readonly ledIn = new Map<NodeId, number>()
  private readonly c: Cluster

  constructor(c: Cluster) {
    this.c = c
  }

  check(): void {
    for (const n of this.c.nodes.values()) {
      const st = n.raw.status()
      if (st.role === 'leader') {
        // Election Safety: at most one leader per term.
        const other = this.leaders.get(st.term)
        if (other !== undefined && other !== n.id) throw new Error(`two leaders in term ${st.term}: ${other} and ${n.id}`)
        this.leaders.set(st.term, n.id)
        // Leader Completeness: a new leader holds every entry committed in an earlier term.
        if (this.ledIn.get(n.id) !== st.term) {
          this.ledIn.set(n.id, st.term)
          for (const [index, a] of this.applied) {
            if (a.term >= st.term || index < n.raw.firstIndex()) continue
            const e = index <= n.raw.lastIndex() ? n.raw.entries(index, index + 1)[0] : undefined
            const mine = e ? `${e.term}:${e.data ?? e.kind}` : 'nothing'
            if (mine !== a.entry) throw new Error(`leader ${n.id} of term ${st.term} has ${mine} at committed index ${index} (${a.entry})`)
          }
        }
      }
      // State Machine Safety: every server applies the same entry at a given index.
      for (const e of n.applied) {
        const entry = `${e.term}:${e.data ?? e.kind}`
        const a = this.applied.get(e.index)
        if (!a) this.applied.set(e.index, { entry, term: st.term })
        else if (a.entry !== entry) throw new Error(`${n.id} applied ${entry} at ${e.index}, another server ${a.entry}`)
        else a.term = Math.min(a.term, st.term)
      }
    }
    // Log Matching: entries with the same index and term are identical, and so are all entries before them.
    const all = [...this.c.nodes.values()].map((n) => n.raw)
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        const lo = Math.max(all[i].firstIndex(), all[j].firstIndex())
        const hi = Math.min(all[i].lastIndex(), all[j].lastIndex())
        if (hi < lo) continue
        const a = all[i].entries(lo, hi + 1)
        const b = all[j].entries(lo, hi + 1)
        let matched = false
        for (let k = a.length - 1; k >= 0; k--) {
          matched ||= a[k].term === b[k].term
          if (matched && JSON.stringify(a[k]) !== JSON.stringify(b[k])) throw new Error(`logs differ at ${a[k].index} below a matching entry`)
        }
      }
    }
  }
}

function run(seed: number, steps: number, membership: boolean): void {
  const rnd = seeded(seed)
  const pick = <T,>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]
  const ids = ['n1', 'n2', 'n3', 'n4', 'n5']
  const opts = {
    preVote: rnd() < 0.5,
    checkQuorum: rnd() < 0.5,
    maxEntriesPerMsg: 1 + Math.floor(rnd() * 4),
    maxInflightMsgs: 1 + Math.floor(rnd() * 4),
    snapshotChunkSize: 1 + Math.floor(rnd() * 8),
  }
  // With membership changes, n4 and n5 start outside the cluster and may be added later.
  const c = new Cluster(membership ? ids.slice(0, 3) : ids, opts, seed)
  if (membership) for (const id of ['n4', 'n5']) c.add(id, [], opts, seed)
  const checker = new Checker(c)
  let cut = new Set<NodeId>()
  const deliver = (m: Message) => {
    if (cut.has(m.from) === cut.has(m.to)) c.nodes.get(m.to)?.raw.step(m)
  }
  const leaderDo = (f: (l: TestNode) => void) => {
    const l = c.leader()
    if (!l) return
    try {
      f(l)
    } catch {
      // refused (no leader any more, transfer under way, change pending): that is fine here
    }
    c.flush()
  }
  let proposals = 0
  for (let step = 0; step < steps + 300; step++) {
    const healing = step >= steps
    let what = 'heal and run'
    try {
      if (healing) {
        cut = new Set()
        for (const id of c.nodes.keys()) c.node(id).raw.tick()
        c.flush()
        while (c.queue.length > 0) {
          deliver(c.queue.shift()!)
          c.flush()
        }
      } else {
        const r = rnd()
        c.flush()
        if (r < 0.35) {
          const id = pick([...c.nodes.keys()])
          what = `tick ${id}`
          c.tick(id)
        } else if (r < 0.75 && c.queue.length > 0) {
          const [m] = c.queue.splice(Math.floor(rnd() * Math.min(c.queue.length, 4)), 1)
          what = `deliver ${m.type} ${m.from}->${m.to}`
          deliver(m)
          if (rnd() < 0.05) deliver(structuredClone(m))
          c.flush()
        } else if (r < 0.8 && c.queue.length > 0) {
          what = 'lose a message'
          c.queue.splice(Math.floor(rnd() * c.queue.length), 1)
        } else if (r < 0.88) {
          what = 'propose'
          leaderDo((l) => l.raw.propose(`p${proposals++}`))
        } else if (r < 0.91) {
          what = 'partition'
          cut = new Set([...c.nodes.keys()].filter(() => rnd() < 0.35))
        } else if (r < 0.94) {
          what = 'heal'
          cut = new Set()
        } else if (r < 0.955) {
          const id = pick([...c.nodes.keys()])
          what = `restart ${id}`
          c.restart(id)
        } else if (r < 0.97) {
          const n = c.node(pick([...c.nodes.keys()]))
          const { applied, snapshotIndex } = n.raw.status()
          what = `compact ${n.id} at ${applied}`
          if (applied > snapshotIndex) c.compact(n.id, applied, `state@${applied}`)
        } else if (r < 0.985 && membership) {
          const type = pick<ConfChangeType>(['addLearner', 'addVoter', 'removeNode'])
          const node = pick(ids)
          what = `${type} ${node}`
          leaderDo((l) => l.raw.proposeConfChange({ type, node }))
        } else {
          const to = pick(ids)
          what = `transfer to ${to}`
          leaderDo((l) => l.raw.transferLeadership(to))
        }
      }
      checker.check()
    } catch (e) {
      throw new Error(`seed ${seed}, step ${step} (${what}): ${(e as Error).message}`, { cause: e })
    }
  }
  // Liveness once every fault is healed: a leader exists.
  expect(c.leader(), `seed ${seed}: no leader after healing`).toBeDefined()
}

describe('Figure 3 properties under random faults', () => {
  it('hold on a fixed five-node cluster', () => {
    // Reference: Figure 3 (Election Safety, Leader Append-Only via Log Matching, Log Matching, Leader
    // Completeness, State Machine Safety) and section 5.5 (crashes, lost and duplicated RPCs).
    for (let seed = 1; seed <= 25; seed++) run(seed, 1500, false)
  })

  it('hold while servers are added, promoted and removed', () => {
    // Reference: Figure 3 with thesis chapter 4 (single-server membership changes).
    for (let seed = 1001; seed <= 1025; seed++) run(seed, 1500, true)
  })
})
