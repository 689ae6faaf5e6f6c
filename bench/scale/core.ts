/**
 * Scaling of the core: messages per second and microseconds (CPU and wall) per committed command at 3, 5, 7 and 9
 * nodes, with about 1,000 and about 100,000 entries already in every node's log (no compaction), measured twice:
 *
 * - `raw`: RawNodes alone, wired to each other in process: messages are stepped at once, a Ready is taken as
 *   persisted at once (no disk), the leader takes 64 proposals per round and every node ticks once per round.
 *   This is the core's own cost.
 * - `sim`: the Simulator (src/sim/simulator.ts), that is the shared cluster loop (src/cluster/loop.ts) and the node
 *   host (src/node/host.ts) with its KV state machine and client protocol, on a calm network (1-3 ms, no loss) with
 *   no faults, 64 clients keeping the leader busy, checkers off.
 *
 * The difference between the two is what the loop, the host, the KV machine and the clients cost over the core.
 * Each point is built fresh `--runs` times (default 5): a cluster is filled to the log size, then one window of
 * steady-state commits is timed, in wall time and in CPU time of this process; min, median and max are reported (the
 * machine is shared and noisy: CPU time is what the work costs, wall time adds the neighbours). Prints one
 * `BENCH {...}` line per point.
 *
 *   node --expose-gc --import tsx bench/scale/core.ts [--runs 5] [--nodes 3,5,7,9] [--logs 1000,100000] [--kinds raw,sim]
 */
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { RawNode, type Message, type NodeId } from '../../src/raft/index.ts'
import { calmOptions } from '../calm.ts'
import { Simulator } from '../../src/sim/simulator.ts'
import { Prng } from '../../src/world/prng.ts'

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : def
}
const RUNS = Number(arg('runs', '5'))
const NODES = arg('nodes', '3,5,7,9').split(',').map(Number)
const LOGS = arg('logs', '1000,100000').split(',').map(Number)
const KINDS = arg('kinds', 'raw,sim').split(',') as ('raw' | 'sim')[]
/** Proposals the raw leader takes per round, and clients of the simulator: the same pressure on the leader. */
const BATCH = 64
/** Rounds in one timed raw window (BATCH commits each). */
const RAW_ROUNDS = 300
/** Virtual milliseconds in one timed simulator window. */
const SIM_WINDOW_MS = 1000

/** Collect garbage before a timed window when node runs with --expose-gc (as `npm run bench:scale` does). */
const gc = (): void => (globalThis as { gc?: () => void }).gc?.()

/** CPU seconds (user + system) this process has used: unlike wall time, not inflated by neighbours taking the cores. */
const cpu = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

interface Sample {
  seconds: number
  cpuSeconds: number
  msgs: number
  commits: number
  logStart: number
  logEnd: number
}

/** RawNodes stepping each other's messages at once; the leader's committed commands are counted. */
class RawCluster {
  readonly ids: NodeId[]
  readonly nodes = new Map<NodeId, RawNode>()
  queue: Message[] = []
  delivered = 0
  commits = 0
  leader: NodeId
  seq = 0

  constructor(n: number, seed: number) {
    this.ids = Array.from({ length: n }, (_, i) => `n${i + 1}`)
    const rng = new Prng(seed)
    for (const id of this.ids) {
      const r = new Prng(rng.uint32())
      this.nodes.set(id, new RawNode({ id, peers: this.ids, electionTick: 10, heartbeatTick: 1, random: () => r.next(), preVote: true, checkQuorum: true, maxEntriesPerMsg: 64, maxInflightMsgs: 16 }))
    }
    this.leader = this.ids[0]
    this.nodes.get(this.leader)!.campaign()
    this.pump()
    if (this.nodes.get(this.leader)!.basicStatus().role !== 'leader') throw new Error('raw: no leader after the first campaign')
  }

  /** Hand out Readies and deliver messages until nothing is left to do. */
  pump(): void {
    for (;;) {
      let busy = false
      for (const id of this.ids) {
        const node = this.nodes.get(id)!
        if (!node.hasReady()) continue
        busy = true
        const rd = node.ready()
        for (const m of rd.messages) this.queue.push(m)
        if (id === this.leader) for (const e of rd.committedEntries) if (e.kind === 'command') this.commits++
        node.advance()
      }
      if (this.queue.length > 0) {
        busy = true
        const q = this.queue
        this.queue = []
        for (const m of q) {
          this.nodes.get(m.to)!.step(m)
          this.delivered++
        }
      }
      if (!busy) return
    }
  }

  round(): void {
    const lead = this.nodes.get(this.leader)!
    for (let i = 0; i < BATCH; i++) {
      this.seq++
      lead.propose(JSON.stringify({ op: 'set', key: `k${this.seq % 8}`, value: `v${this.seq}`, client: `c${this.seq % BATCH}`, seq: this.seq }))
    }
    for (const id of this.ids) this.nodes.get(id)!.tick()
    this.pump()
  }

  committed(): number {
    return this.nodes.get(this.leader)!.basicStatus().commit
  }
}

function rawSample(n: number, log: number, seed: number): Sample {
  const c = new RawCluster(n, seed)
  while (c.committed() < log) c.round()
  const logStart = c.committed()
  gc()
  const m0 = c.delivered
  const k0 = c.commits
  const t0 = performance.now()
  const c0 = cpu()
  for (let i = 0; i < RAW_ROUNDS; i++) c.round()
  const cpuSeconds = cpu() - c0
  const seconds = (performance.now() - t0) / 1000
  if (c.nodes.get(c.leader)!.basicStatus().role !== 'leader') throw new Error('raw: the leader changed on a calm run')
  return { seconds, cpuSeconds, msgs: c.delivered - m0, commits: c.commits - k0, logStart, logEnd: c.committed() }
}

function buildSim(n: number, seed: number): Simulator {
  return new Simulator(calmOptions(seed, n, { snapshotEvery: 0, clients: BATCH }))
}

function simSample(n: number, log: number, seed: number): Sample {
  const sim = buildSim(n, seed)
  while (sim.stats.committed < log) sim.runFor(10)
  const logStart = sim.stats.committed
  gc()
  const s0 = sim.stats
  const t0 = performance.now()
  const c0 = cpu()
  sim.runFor(SIM_WINDOW_MS)
  const cpuSeconds = cpu() - c0
  const seconds = (performance.now() - t0) / 1000
  const s1 = sim.stats
  if (s1.elections !== s0.elections) throw new Error('sim: an election on a calm run')
  return { seconds, cpuSeconds, msgs: s1.delivered - s0.delivered, commits: s1.committedCommands - s0.committedCommands, logStart, logEnd: s1.committed }
}

const stats = (xs: number[]): { min: number; median: number; max: number } => {
  const s = [...xs].sort((a, b) => a - b)
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] }
}
const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d
const stat = (xs: number[], d: number): { min: number; median: number; max: number } => {
  const s = stats(xs)
  return { min: round(s.min, d), median: round(s.median, d), max: round(s.max, d) }
}
const load = (): number[] => loadavg().map((x) => round(x, 2))

// Warm up the JIT on every shape before timing any.
for (const n of NODES) {
  if (KINDS.includes('raw')) rawSample(n, 500, 99)
  if (KINDS.includes('sim')) simSample(n, 500, 99)
}

const started = performance.now()
const points: { kind: 'raw' | 'sim'; log: number; n: number }[] = []
for (const kind of KINDS) for (const log of LOGS) for (const n of NODES) points.push({ kind, log, n })
// Runs are interleaved (every point once, then every point again): a neighbour's burst of load then spreads over
// all points instead of landing on one.
const samples = points.map((): Sample[] => [])
const loads = points.map((): number[][] => [])
for (let i = 0; i < RUNS; i++) {
  points.forEach((p, j) => {
    loads[j].push(load())
    samples[j].push(p.kind === 'raw' ? rawSample(p.n, p.log, i + 1) : simSample(p.n, p.log, i + 1))
  })
}
const rows: string[][] = []
points.forEach(({ kind, log, n }, j) => {
  const ss = samples[j]
  const wallUs = stat(ss.map((s) => (s.seconds * 1e6) / s.commits), 1)
  const cpuUs = stat(ss.map((s) => (s.cpuSeconds * 1e6) / s.commits), 1)
  const result = {
    name: `scale-core-${kind}`,
    nodes: n,
    logEntries: log,
    logAtStart: Math.min(...ss.map((s) => s.logStart)),
    logAtEnd: Math.max(...ss.map((s) => s.logEnd)),
    runs: RUNS,
    // Per wall second (what a reader waits) and per CPU second of this process (robust to neighbours' load).
    msgsPerSec: stat(ss.map((s) => s.msgs / s.seconds), 0),
    msgsPerCpuSec: stat(ss.map((s) => s.msgs / s.cpuSeconds), 0),
    commitsPerSec: stat(ss.map((s) => s.commits / s.seconds), 0),
    usPerCommit: wallUs,
    cpuUsPerCommit: cpuUs,
    msgsPerCommit: round(ss[0].msgs / ss[0].commits, 2),
    gcBeforeWindow: typeof (globalThis as { gc?: unknown }).gc === 'function',
    timedSeconds: round(ss.reduce((a, s) => a + s.seconds, 0), 2),
    window: kind === 'raw' ? `${RAW_ROUNDS} rounds of ${BATCH} proposals` : `${SIM_WINDOW_MS} virtual ms, ${BATCH} clients`,
    loadavg: loads[j],
  }
  console.log(`BENCH ${JSON.stringify(result)}`)
  const fmt = (x: { min: number; median: number; max: number }) => `${x.min}/${x.median}/${x.max}`
  rows.push([kind, String(n), log.toLocaleString('en-US'), fmt(result.msgsPerCpuSec), fmt(cpuUs), fmt(wallUs)])
})
console.log(`core scaling: ${RUNS} runs per point, ${round((performance.now() - started) / 1000, 1)} s in all, load ${load().join(' ')}`)
console.log(['kind', 'nodes', 'log', 'msgs per CPU s', 'CPU µs/commit', 'wall µs/commit (min/median/max)'].join('\t'))
for (const r of rows) console.log(r.join('\t'))
