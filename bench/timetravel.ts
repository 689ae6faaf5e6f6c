/**
 * What time travel costs: a run of a few virtual minutes (3 nodes, the load switch on, a crash and a partition every
 * 20 s) is recorded in-process, then rebuilt: the whole run from the start, a jump to a random time from the start,
 * a step of 1 s forward from where a rebuild stands, and the scrubber's way (a jump back served from a parked
 * rebuild). Prints wall ms per case and one BENCH line. Run: npx tsx bench/timetravel.ts [--minutes 3]
 */
import { loadavg } from 'node:os'
import { RecordingScheduler } from '../src/browser/record.ts'
import { Replay } from '../src/browser/replay.ts'
import { inprocFactory } from '../src/browser/inproc.ts'
import { defaultSpec } from '../src/browser/runtime.ts'
import * as net from '../src/ui/state/netedit.ts'

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : def
}
const minutes = arg('minutes', 3)
const endMs = minutes * 60_000

async function record() {
  const spec = defaultSpec('bench', 7)
  const s = new RecordingScheduler(spec, inprocFactory())
  await s.start()
  await s.setLoad(true)
  for (let t = 20_000; t <= endMs; t += 20_000) {
    await s.runUntil(t - 10_000)
    await s.crash('n2')
    await s.runUntil(t - 8_000)
    await s.restart('n2')
    s.network.setConfig(net.isolate(s.network.config, s.likelyLeader() ?? 'n1'))
    await s.runUntil(t - 4_000)
    s.network.setConfig(net.heal(s.network.config))
    await s.runUntil(t)
  }
  return s
}

const load0 = loadavg()
const w0 = performance.now()
const orig = await record()
const recordMs = performance.now() - w0
const rec = orig.record()
const time = async (f: () => Promise<unknown>) => {
  const t = performance.now()
  await f()
  return performance.now() - t
}
const whole = await time(() => new Replay(rec).advance(rec.end))
const jumps: number[] = []
for (const frac of [0.25, 0.5, 0.75, 0.9]) jumps.push(await time(() => new Replay(rec).advance(Math.round(rec.end * frac))))
const r = new Replay(rec)
await r.advance(Math.round(rec.end / 2))
const steps: number[] = []
for (let i = 0; i < 5; i++) steps.push(await time(() => r.advance(r.now + 1000)))
// The scrubber's way: rebuilds parked every end/8 (built in the background while the past is shown), a jump back
// continues the nearest parked one at or before its target.
const ladderStart = performance.now()
const ladder: Replay[] = []
for (let k = 1; k < 8; k++) {
  const p = new Replay(rec)
  await p.advance(Math.round((rec.end * k) / 8))
  ladder.push(p)
}
const ladderMs = performance.now() - ladderStart
const parkedJumps: number[] = []
for (const frac of [0.3, 0.55, 0.8, 0.95]) {
  const t = Math.round(rec.end * frac)
  const p = ladder.filter((x) => x.now <= t).sort((a, b) => b.now - a.now)[0]
  parkedJumps.push(await time(() => p.advance(t)))
}
const load1 = loadavg()
const out = {
  minutes,
  actions: rec.actions.length,
  ops: orig.stats.opsOk,
  recordMs: Math.round(recordMs),
  wholeReplayMs: Math.round(whole),
  jumpFromStartMs: jumps.map(Math.round),
  stepForward1sMs: steps.map(Math.round),
  ladderBuildMs: Math.round(ladderMs),
  jumpFromParkedMs: parkedJumps.map(Math.round),
  load: [load0[0], load1[0]].map((x) => Math.round(x * 10) / 10),
}
console.log(`recorded ${minutes} virtual min (${out.actions} actions, ${out.ops} ops ok) in ${out.recordMs} ms`)
console.log(`rebuild the whole run: ${out.wholeReplayMs} ms; jump from the start to 25/50/75/90 %: ${out.jumpFromStartMs.join(' / ')} ms`)
console.log(`parked rebuilds at every eighth: built in ${out.ladderBuildMs} ms (background); then a jump to 30/55/80/95 %: ${out.jumpFromParkedMs.join(' / ')} ms`)
console.log(`from a rebuild, 1 s forward: ${out.stepForward1sMs.join(' / ')} ms; load average ${out.load.join(' -> ')}`)
console.log(`BENCH ${JSON.stringify(out)}`)
