/**
 * Linearizability checker speed (part of `npm run bench`):
 * 1. a single-key history of 50,000 operations with 15% unknown outcomes (generated, linearizable by construction):
 *    wall and CPU time, peak RSS and heap;
 * 2. a ~38,000-operation simulator history (16 clients, 8 keys, crashes and partitions), checked clean, then with a
 *    stale read planted in the middle: the time to detect it and shrink it, and the fragment's size;
 * 3. a few other generated shapes, clean and with a stale read.
 * Targets: (1) under 2 s and 500 MB; (2) a fragment of at most 10 ops in under 5 s. Wall time on a shared machine
 * measures the neighbours too: CPU time is printed beside it.
 * Run: npx tsx bench/linearizability.bench.ts [seed]
 */
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import v8 from 'node:v8'
import { checkLinearizability } from '../src/check/linearizability.ts'
import { sweepKey } from '../src/check/lin-sweep.ts'
import { Simulator } from '../src/sim/simulator.ts'
import { BUSY_KV_SIM, generateHistory, injectStaleRead, plantStaleRead } from '../tests/unit/check/linearizability-gen.ts'

const seed = Number(process.argv[2] ?? 1)
const MB = 2 ** 20
const fmtMs = (ms: number): string => `${Math.round(ms).toLocaleString('en-US')} ms`
const fmtMB = (bytes: number): string => `${Math.round(bytes / MB)} MB`

/** Runs `f` and measures wall time, CPU time, and how far it raised the process's peak RSS. */
function measure<T>(f: () => T): { value: T; wallMs: number; cpuMs: number; peakRss: number; rssRise: number; heap: number } {
  const rss0 = process.resourceUsage().maxRSS * 1024
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const value = f()
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const peakRss = process.resourceUsage().maxRSS * 1024
  const heap = v8.getHeapStatistics().used_heap_size
  return { value, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRss, rssRise: peakRss - rss0, heap }
}

console.log(`linearizability checker, seed ${seed} (replay: npx tsx bench/linearizability.bench.ts ${seed})`)

// 1. 50k single-key ops, 15% unknown. First, so that the process's peak RSS is this case's.
{
  const history = generateHistory({ seed, ops: 50_000, clients: 5, keys: 1, unknownRate: 0.15 })
  const unknown = history.filter((op) => op.outcome === 'unknown').length
  const before = process.memoryUsage().rss
  const m = measure(() => checkLinearizability(history))
  console.log(
    `50k single key: ${history.length} ops (${unknown} unknown, 5 clients): ${m.value.verdict}, ` +
      `${m.value.stats.statesExplored.toLocaleString('en-US')} states, ${fmtMs(m.wallMs)} wall, ${fmtMs(m.cpuMs)} CPU, ` +
      `peak RSS ${fmtMB(m.peakRss)} (${fmtMB(before)} before the check), heap after ${fmtMB(m.heap)} ` +
      `[target: under 2 s, under 500 MB]`,
  )
  console.log(
    `BENCH ${JSON.stringify({ name: 'lin-50k', ops: history.length, verdict: m.value.verdict, wallMs: Math.round(m.wallMs), cpuMs: Math.round(m.cpuMs), peakRssMB: Math.round(m.peakRss / MB) })}`,
  )
}

// 2. A simulator history of ~38k ops with a stale read planted in the middle.
{
  const t0 = performance.now()
  const sim = new Simulator(BUSY_KV_SIM)
  sim.runUntil(18_000)
  sim.workload.stop()
  sim.runUntil(21_000)
  const history = sim.workload.history
  const simMs = performance.now() - t0
  const clean = measure(() => checkLinearizability(history))
  console.log(
    `simulator history: ${history.length} ops, 8 keys, 16 clients (simulated in ${fmtMs(simMs)}): ${clean.value.verdict} ` +
      `in ${fmtMs(clean.wallMs)} wall, ${fmtMs(clean.cpuMs)} CPU`,
  )
  const planted = plantStaleRead(history)
  const keyOps = history.filter((op) => op.key === planted.key)
  const detect = measure(() => sweepKey(keyOps, 20_000_000))
  const found = measure(() => checkLinearizability(history))
  const fragment = found.value.failure?.ops ?? []
  const hasPlanted = fragment.some((op) => op.id === planted.id)
  console.log(
    `  + stale read #${planted.id} planted (op ${history.indexOf(planted) + 1} of ${history.length}, key ${planted.key} ` +
      `with ${keyOps.length} ops): ${found.value.verdict}; detected by the sweep in ${fmtMs(detect.wallMs)}, ` +
      `detected and shrunk in ${fmtMs(found.wallMs)} wall, ${fmtMs(found.cpuMs)} CPU; fragment ${fragment.length} ops ` +
      `(${fragment.map((op) => `#${op.id}`).join(', ')})${hasPlanted ? '' : ' WITHOUT the planted read'} ` +
      `[target: at most 10 ops, under 5 s]`,
  )
  if (found.value.failure) console.log(`    ${found.value.failure.explanation}`)
  console.log(
    `BENCH ${JSON.stringify({ name: 'lin-stale-read', ops: history.length, verdict: found.value.verdict, detectMs: Math.round(detect.wallMs), shrinkTotalMs: Math.round(found.wallMs), fragment: fragment.length })}`,
  )
}

// 3. Other shapes.
const cases: { ops: number; clients: number; keys: number; unknownRate: number; valuePool?: number }[] = [
  { ops: 10_000, clients: 10, keys: 5, unknownRate: 0.03 },
  { ops: 10_000, clients: 5, keys: 1, unknownRate: 0.3 },
  { ops: 2_000, clients: 5, keys: 1, unknownRate: 0.03, valuePool: 3 },
  { ops: 2_000, clients: 16, keys: 1, unknownRate: 0.05 },
]
for (const c of cases) {
  const values = c.valuePool ? `${c.valuePool} distinct values` : 'unique values'
  const label = `${c.ops} ops, ${c.clients} clients, ${c.keys} keys, ${c.unknownRate * 100}% unknown, ${values}`
  const history = generateHistory({ seed, ...c })
  const m = measure(() => checkLinearizability(history))
  console.log(`${label}: ${m.value.verdict}, ${m.value.stats.statesExplored} states, ${fmtMs(m.wallMs)} wall, ${fmtMs(m.cpuMs)} CPU`)
  // The injected read is stale only when values are unique.
  const stale = c.valuePool ? null : injectStaleRead(history, seed)
  if (stale === null) continue
  const s = measure(() => checkLinearizability(history))
  console.log(
    `  + stale read #${stale.id}: ${s.value.verdict}, fragment ${s.value.failure?.ops.length ?? '-'} ops, ` +
      `${fmtMs(s.wallMs)} wall (search + shrink)`,
  )
}
