/**
 * The plotted series, as named columns over the closed buckets: one table that the plots draw and the CSV export
 * writes, so that the file holds exactly what the screen shows.
 */
import type { NodeId } from '../../raft/types.ts'
import { MSG_KINDS, byNodeNumber, type MsgKind } from '../state/messages.ts'
import type { Metrics } from './collector.ts'

export interface Columns {
  /** Bucket end, virtual seconds. */
  t: number[]
  elections: number[]
  campaigns: number[]
  /** Mean election latency of the elections that ended in the bucket (ms), null without one. */
  electionLatency: (number | null)[]
  commitP50: (number | null)[]
  commitP99: (number | null)[]
  commitRate: number[]
  rejectedRate: number[]
  applyRate: number[]
  applyP50: (number | null)[]
  /** Percent of the bucket with a leader able to commit. */
  leaderPct: number[]
  msgRate: Record<MsgKind, number[]>
  nodes: NodeId[]
  behind: Record<NodeId, (number | null)[]>
}

export function columns(m: Metrics): Columns {
  const w = m.opts.bucketMs
  const perSec = 1000 / w
  const bs = m.closed().filter((b) => b.start + w > m.since)
  const nodes = new Set<NodeId>()
  for (const b of bs) for (const id of Object.keys(b.behind)) nodes.add(id)
  const ids = [...nodes].sort(byNodeNumber)
  const msgRate = {} as Record<MsgKind, number[]>
  for (const k of MSG_KINDS) msgRate[k] = bs.map((b) => b.msgs[k] * perSec)
  const behind: Record<NodeId, (number | null)[]> = {}
  for (const id of ids) behind[id] = bs.map((b) => b.behind[id] ?? null)
  return {
    t: bs.map((b) => (b.start + w) / 1000),
    elections: bs.map((b) => b.elections),
    campaigns: bs.map((b) => b.campaigns),
    electionLatency: bs.map((b) => (b.electionLatency.length > 0 ? b.electionLatency.reduce((a, x) => a + x, 0) / b.electionLatency.length : null)),
    commitP50: bs.map((b) => b.commitP50),
    commitP99: bs.map((b) => b.commitP99),
    commitRate: bs.map((b) => b.commits * perSec),
    rejectedRate: bs.map((b) => b.rejectedAppends * perSec),
    applyRate: bs.map((b) => b.applied * perSec),
    applyP50: bs.map((b) => b.applyP50),
    leaderPct: bs.map((b) => {
      const span = Math.min(b.start + w, m.now) - Math.max(b.start, m.since)
      return span > 0 ? Math.round((Math.min(m.ableMs(b), span) / span) * 1000) / 10 : 0
    }),
    msgRate,
    nodes: ids,
    behind,
  }
}

/** A histogram of latencies in `bins` equal bins from 0 to the largest value (rounded up to whole ms). */
export function histogram(xs: number[], bins = 12): { edges: number[]; counts: number[]; mode: number | null } {
  if (xs.length === 0) return { edges: [], counts: [], mode: null }
  const max = Math.max(1, Math.ceil(Math.max(...xs)))
  const width = Math.max(1, Math.ceil(max / bins))
  const n = Math.ceil((max + 1) / width)
  const counts = new Array<number>(n).fill(0)
  for (const x of xs) counts[Math.min(n - 1, Math.floor(x / width))]++
  const edges = counts.map((_, i) => i * width)
  let best = 0
  for (let i = 1; i < n; i++) if (counts[i] > counts[best]) best = i
  return { edges, counts, mode: edges[best] + width / 2 }
}

function cell(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return ''
  return String(Math.round(v * 1000) / 1000)
}

/** The columns as CSV: a header row, then one row per bucket. */
export function toCsv(c: Columns): string {
  const head = ['time_s', 'elections', 'campaigns', 'election_latency_ms', 'commit_p50_ms', 'commit_p99_ms', 'committed_per_s', 'rejected_appends_per_s', 'applied_per_s', 'apply_p50_ms', 'leader_able_pct']
  for (const k of MSG_KINDS) head.push(`msgs_${k}_per_s`)
  for (const id of c.nodes) head.push(`behind_${id}`)
  const rows = [head.join(',')]
  for (let i = 0; i < c.t.length; i++) {
    const r = [c.t[i], c.elections[i], c.campaigns[i], c.electionLatency[i], c.commitP50[i], c.commitP99[i], c.commitRate[i], c.rejectedRate[i], c.applyRate[i], c.applyP50[i], c.leaderPct[i]]
    for (const k of MSG_KINDS) r.push(c.msgRate[k][i])
    for (const id of c.nodes) r.push(c.behind[id][i])
    rows.push(r.map(cell).join(','))
  }
  return rows.join('\n') + '\n'
}
