import { describe, it, expect } from 'vitest'
import { CallGuard } from '../../../src/browser/worker-host.ts'

describe("the worker port's calls", () => {
  it('forgets each call once it settles, so that thousands of calls retain nothing', async () => {
    const g = new CallGuard()
    for (let i = 0; i < 1000; i++) expect(await g.run(() => Promise.resolve(i))).toBe(i)
    await expect(g.run(() => Promise.reject(new Error('thrown in the worker')))).rejects.toThrow('thrown in the worker')
    expect(g.inFlight).toBe(0)
  })

  it('a worker that dies rejects the calls in flight and every later call with its error', async () => {
    const g = new CallGuard()
    const never = () => new Promise<number>(() => undefined)
    const a = g.run(never)
    const b = g.run(never)
    expect(g.inFlight).toBe(2)
    g.fail(new Error('worker of n2 failed: boom'))
    await expect(a).rejects.toThrow('worker of n2 failed: boom')
    await expect(b).rejects.toThrow('worker of n2 failed: boom')
    expect(g.inFlight).toBe(0)
    await expect(g.run(() => Promise.resolve(1))).rejects.toThrow('worker of n2 failed: boom')
    // A later failure does not replace the first error.
    g.fail(new Error('n2 is down'))
    expect(g.failure?.message).toBe('worker of n2 failed: boom')
  })
})
