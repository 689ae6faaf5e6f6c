/**
 * Breakpoints on the cluster's events: pause when a node becomes candidate or leader (any node, or a chosen one), or
 * when a log index commits. Plain data and no DOM: the page feeds it the scheduler's `ClusterEvent`s in their order
 * (src/ui/state/breakpoints.svelte.ts), and a test can feed it by hand.
 *
 * - A role breakpoint reads the checkers' role observations: the node's role or term changed after a batch, so a
 *   node that campaigns again in a new term hits "becomes candidate" again.
 * - A commit breakpoint reads the nodes' summaries and applied entries: it hits the first time any node's commit or
 *   applied index reaches the index (the leader's, normally). A node's first summary after it starts is what its disk held: it raises what is known
 *   to be committed without hitting anything, so a recovered cluster does not hit indexes committed before the reload.
 *
 * Pausing on a violation is not here: the checkers do it (src/ui/state/checks.svelte.ts).
 */
import type { NodeId } from '../../raft/types.ts'
import type { ClusterEvent } from '../../browser/scheduler.ts'

export type BreakRole = 'candidate' | 'leader'

export type BreakSpec = { kind: 'role'; role: BreakRole; node: NodeId | null } | { kind: 'commit'; index: number }

export type Breakpoint = BreakSpec & { id: number }

/** What hit, and the virtual time of the event that hit it. */
export type BreakHit =
  | { id: number; kind: 'role'; role: BreakRole; node: NodeId; term: number; at: number }
  | { id: number; kind: 'commit'; index: number; node: NodeId; commit: number; at: number }

/** Same breakpoint (ids aside)? */
export function sameSpec(a: BreakSpec, b: BreakSpec): boolean {
  if (a.kind === 'role' && b.kind === 'role') return a.role === b.role && a.node === b.node
  if (a.kind === 'commit' && b.kind === 'commit') return a.index === b.index
  return false
}

export class BreakMatcher {
  /** The highest commit index any node reported (its recovered one included). */
  #max = 0
  /** Nodes that started and have not reported their first summary yet. */
  readonly #fresh = new Set<NodeId>()

  /** The highest commit index seen so far: a commit breakpoint at or below it would never hit. */
  get committed(): number {
    return this.#max
  }

  /** The first of `bps` that `e` hits, or null. */
  handle(e: ClusterEvent, bps: readonly Breakpoint[]): BreakHit | null {
    switch (e.type) {
      case 'recovered':
        this.#fresh.add(e.node)
        return null
      case 'summary': {
        const c = e.summary.commit
        if (this.#fresh.delete(e.node)) {
          if (c > this.#max) this.#max = c
          return null
        }
        return this.#reach(e.node, c, e.at, bps)
      }
      case 'nodeEvent':
        // An index applied is committed; nodes report it in the instant they apply it (a summary comes once per
        // scheduling window, so the applied events give the exact time).
        if (e.event.type !== 'applied' || this.#fresh.has(e.node)) return null
        return this.#reach(e.node, e.event.to, e.at, bps)
      case 'observation': {
        const o = e.obs
        if (o === null || o.type !== 'role' || (o.role !== 'candidate' && o.role !== 'leader')) return null
        for (const b of bps) {
          if (b.kind === 'role' && b.role === o.role && (b.node === null || b.node === o.node)) {
            return { id: b.id, kind: 'role', role: o.role, node: o.node, term: o.term, at: e.at }
          }
        }
        return null
      }
      default:
        return null
    }
  }

  /** A node reports commit index `c` at `at`: the first commit breakpoint it passes hits. */
  #reach(node: NodeId, c: number, at: number, bps: readonly Breakpoint[]): BreakHit | null {
    if (c <= this.#max) return null
    const prev = this.#max
    this.#max = c
    for (const b of bps) if (b.kind === 'commit' && b.index > prev && b.index <= c) return { id: b.id, kind: 'commit', index: b.index, node, commit: c, at }
    return null
  }
}
