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

describe('Driver pacing keeps the speed asked on average', () => {
  it('virtual time lost to a stalled slice is made up by the next slices', async () => {
    const s = new Scheduler(testSpec(), inprocFactory())
    await s.start()
    let t = 0
    const queue: { f: () => void; ms: number }[] = []
    const clock: WallClock = {
      now: () => t,
      later: (f, ms) => {
        queue.push({ f, ms })
        return () => undefined
      },
    }
    // Every third slice stalls: right after its first step the wall clock jumps 40 ms (a long frame, a GC), so the
    // slice ends far short of its target.
    let slice = 0
    let stallNext = false
    const advance = s.advance.bind(s)
    s.advance = async (limit: number) => {
      const r = await advance(limit)
      if (stallNext) {
        stallNext = false
        t += 40
      }
      return r
    }
    const d = new Driver(s, clock)
    d.setSpeed(1)
    const v0 = s.now
    const w0 = t
    d.play()
    while (slice < 60) {
      const next = queue.shift()!
      t += next.ms === 0 ? 1 : next.ms
      stallNext = slice % 3 === 1
      slice++
      next.f()
      for (let i = 0; i < 50 && queue.length === 0; i++) await new Promise((r) => setTimeout(r, 1))
    }
    d.pause()
    const wall = t - w0
    // At 1x the run is owed one virtual ms per wall ms; the last slice may still be short by one slice's worth.
    expect(s.now - v0).toBeGreaterThan(wall - 60)
    expect(s.now - v0).toBeLessThanOrEqual(wall)
  })
})
