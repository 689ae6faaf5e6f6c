/**
 * Times the linearizability checker on generated histories (linearizable by construction), and on the same
 * histories with one stale read injected (the failing search plus shrinking to a fragment).
 * Run: npx tsx bench/linearizability.bench.ts [seed]
 */
import { checkLinearizability } from '../src/check/linearizability.ts'
import { generateHistory, injectStaleRead } from '../tests/unit/check/linearizability-gen.ts'

const seed = Number(process.argv[2] ?? 1)
const cases: { ops: number; clients: number; keys: number; unknownRate: number; valuePool?: number }[] = [
  { ops: 2_000, clients: 5, keys: 3, unknownRate: 0.03 },
  { ops: 2_000, clients: 5, keys: 1, unknownRate: 0.03 },
  { ops: 2_000, clients: 5, keys: 5, unknownRate: 0.1 },
  { ops: 2_000, clients: 5, keys: 1, unknownRate: 0.03, valuePool: 3 },
  { ops: 10_000, clients: 10, keys: 5, unknownRate: 0.03 },
]

console.log(`seed ${seed} (replay: npx tsx bench/linearizability.bench.ts ${seed})`)
for (const c of cases) {
  const values = c.valuePool ? `${c.valuePool} distinct values` : 'unique values'
  const label = `${c.ops} ops, ${c.clients} clients, ${c.keys} keys, ${c.unknownRate * 100}% unknown, ${values}`
  const history = generateHistory({ seed, ...c })
  const unknown = history.filter((op) => op.outcome === 'unknown').length
  const runs: number[] = []
  let states = 0
  let ok = false
  // The first run includes JIT warm-up; report the first and the best of the rest.
  for (let i = 0; i < 6; i++) {
    const t0 = process.hrtime.bigint()
    const r = checkLinearizability(history)
    runs.push(Number(process.hrtime.bigint() - t0) / 1e6)
    states = r.stats.statesExplored
    ok = r.ok
  }
  const best = Math.min(...runs.slice(1))
  console.log(
    `${label}: ok=${ok}, ${unknown} unknown, ${states} states, first ${runs[0].toFixed(1)} ms, best ${best.toFixed(1)} ms`,
  )

  // The injected read is stale only when values are unique.
  const stale = c.valuePool ? null : injectStaleRead(history, seed)
  if (stale === null) continue
  const t0 = process.hrtime.bigint()
  const r = checkLinearizability(history)
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  console.log(
    `  + stale read #${stale.id}: ok=${r.ok}${r.inconclusive ? ' (inconclusive)' : ''}, ${r.stats.statesExplored} states, ` +
      `fragment ${r.failure?.ops.length ?? '-'} ops, ${ms.toFixed(1)} ms (search + shrink)`,
  )
  if (r.failure) console.log(`    ${r.failure.explanation}`)
}
