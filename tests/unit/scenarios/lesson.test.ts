import { describe, it, expect } from 'vitest'
import { ScriptPlayer } from '../../../src/scenario/run.ts'
import { SimScenarioCluster } from '../../../src/scenario/sim-cluster.ts'
import { SCENARIO_NAMES, loadScenario } from '../../../src/scenario/library.ts'
import { openLesson } from '../../../src/browser/lesson.ts'
import { Prng } from '../../../src/world/prng.ts'

/**
 * The page plays a scenario on a Scheduler (src/browser/lesson.ts) whose time the speed driver lets pass in slices
 * of its own choosing. Whatever the slices, the run is the test runner's: the same outputs and the same trace hash.
 */

/** The test runner's run: every block at once. */
function direct(name: string): { outputs: string[][]; hash: string } {
  const p = new ScriptPlayer(loadScenario(name))
  const outputs: string[][] = []
  for (let r = p.next(); r !== undefined; r = p.next()) outputs.push(r.output)
  return { outputs, hash: (p.cluster as SimScenarioCluster).sim.traceHash() }
}

/** The page's run: each span's time passed by steps and runUntil calls of random lengths, as a driver would. */
async function paced(name: string, seed: number): Promise<{ outputs: string[][]; hash: string }> {
  const lesson = openLesson(loadScenario(name))
  const rng = new Prng(seed)
  const outputs: string[][] = []
  for (let p = lesson.player.begin(); p !== undefined; p = lesson.player.begin()) {
    let stopped = false
    if (p.span !== null) {
      const sched = lesson.sched()!
      let ended = false
      const done = sched.letPass(p.span).then((s) => {
        ended = true
        stopped = s
      })
      for (let i = 0; !ended && i < 1_000_000; i++) {
        if (rng.chance(0.5)) await sched.step()
        else await sched.runUntil(sched.now + rng.int(40))
      }
      await done
    }
    outputs.push(p.finish(stopped).output)
  }
  return { outputs, hash: (lesson.cluster() as SimScenarioCluster).sim.traceHash() }
}

describe("a scenario played at the page's pace", () => {
  for (const name of SCENARIO_NAMES) {
    it(`${name}: the same outputs and trace as the test runner`, async () => {
      const want = direct(name)
      const got = await paced(name, 7)
      expect(got.outputs).toEqual(want.outputs)
      expect(got.hash).toBe(want.hash)
    })
  }

  it('a span stops right after the instant its stop condition holds, and the clock stays there', async () => {
    const lesson = openLesson(loadScenario('election'))
    const first = lesson.player.begin()!
    first.finish(false)
    const sched = lesson.sched()!
    const t0 = sched.now
    const done = sched.letPass({ until: t0 + 10_000, stop: () => sched.now >= t0 + 35 })
    let ended = false
    void done.then(() => (ended = true))
    while (!ended) await sched.step()
    expect(await done).toBe(true)
    expect(sched.now).toBeGreaterThanOrEqual(t0 + 35)
    expect(sched.now).toBeLessThan(t0 + 50)
    // No span: the driver cannot move the cluster.
    const at = sched.now
    expect(await sched.step()).toBe(false)
    await sched.runUntil(at + 500)
    expect(sched.now).toBe(at)
  })
})
