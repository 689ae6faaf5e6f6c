import { describe, it, expect } from 'vitest'
import { Scheduler } from '../../../src/browser/scheduler.ts'
import { Driver } from '../../../src/browser/driver.ts'
import { inprocFactory } from '../../../src/browser/inproc.ts'
import { testSpec } from './spec.ts'

/** Fast-forward 2 s and call `stop` on the driver from inside the step that reaches 500 ms (as the checkers do). */
async function stopAt500(stop: (d: Driver) => void): Promise<{ now: number; mode: string; at: number }> {
  const s = new Scheduler(testSpec(), inprocFactory())
  const d = new Driver(s)
  let stopped = false
  let at = -1
  s.on((e) => {
    if (!stopped && e.at >= 500) {
      stopped = true
      at = e.at
      stop(d)
    }
  })
  await s.start()
  d.play()
  await d.fastForward(2000)
  const r = { now: s.now, mode: d.mode, at }
  d.pause()
  await s.shutdown()
  return r
}

describe('Driver.halt', () => {
  it('ends a fast-forward on the step it is called in, and stays paused', async () => {
    const r = await stopAt500((d) => d.halt())
    expect(r.at).toBeGreaterThanOrEqual(500)
    expect(r.now).toBe(r.at)
    expect(r.mode).toBe('paused')
  })

  it('where a pause would not: the fast-forward runs on to its target and resumes its mode', async () => {
    const r = await stopAt500((d) => d.pause())
    expect(r.now).toBe(2000)
    expect(r.mode).toBe('running')
  })
})
