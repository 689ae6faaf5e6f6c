import { describe, it, expect } from 'vitest'
import { Scheduler } from '../../../src/browser/scheduler.ts'
import { Driver, type WallClock } from '../../../src/browser/driver.ts'
import { inprocFactory } from '../../../src/browser/inproc.ts'
import { testSpec } from './spec.ts'

/** A wall clock that moves `perRead` ms every time it is read, and records the delays the driver asks for. */
function slowClock(perRead: number): WallClock & { delays: number[]; run: () => Promise<void> } {
  let t = 0
  const queue: (() => void)[] = []
  const delays: number[] = []
  return {
    now: () => (t += perRead),
    later: (f, ms) => {
      delays.push(ms)
      queue.push(f)
      return () => undefined
    },
    delays,
    // Runs the scheduled callbacks one by one (each slice is async: let it finish).
    run: async () => {
      for (let i = 0; i < 6 && queue.length > 0; i++) {
        queue.shift()!()
        await new Promise((r) => setTimeout(r, 20))
      }
    },
  }
}

describe('Driver pacing at a chosen speed', () => {
  it('a cluster that cannot keep up gets the next slice at once, not after a frame', async () => {
    const s = new Scheduler(testSpec(), inprocFactory())
    await s.start()
    // Every read of the clock costs 10 ms: a slice runs out of time after a few steps, far behind 100x.
    const clock = slowClock(10)
    const d = new Driver(s, clock)
    d.setSpeed(100)
    d.play()
    await clock.run()
    d.pause()
    expect(clock.delays.length).toBeGreaterThan(2)
    expect(clock.delays.slice(1)).toContain(0)
    expect(clock.delays.slice(1).every((ms) => ms === 0)).toBe(true)
  })

  it('a cluster that keeps up waits for the next frame', async () => {
    const s = new Scheduler(testSpec(), inprocFactory())
    await s.start()
    // A fast wall clock and a slow speed: each slice reaches its target well within its budget.
    const clock = slowClock(0.01)
    const d = new Driver(s, clock)
    d.setSpeed(0.01)
    d.play()
    await clock.run()
    d.pause()
    expect(clock.delays.slice(1).every((ms) => ms === 16)).toBe(true)
  })
})
