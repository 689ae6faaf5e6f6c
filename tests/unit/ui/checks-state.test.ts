import { describe, it, expect } from 'vitest'
import { Checks } from '../../../src/ui/state/checks.svelte.ts'
import * as live from '../../../src/ui/check/live.ts'
import type { ClusterRuntime } from '../../../src/browser/runtime.ts'
import type { ClusterEvent } from '../../../src/browser/scheduler.ts'
import type { Entry, Message } from '../../../src/raft/types.ts'

/** A runtime with one scheduler and a driver that records halts; events are pushed by hand. */
function fakeRuntime() {
  const listeners = new Set<(e: ClusterEvent) => void>()
  const rt = {
    sched: { spec: { seed: 1 }, now: 0 },
    driver: { halts: 0, halt() { this.halts++ } },
    onEvent(f: (e: ClusterEvent) => void) {
      listeners.add(f)
      return () => listeners.delete(f)
    },
  }
  return { rt, runtime: rt as unknown as ClusterRuntime, emit: (e: ClusterEvent) => listeners.forEach((f) => f(e)) }
}

const apply = (node: string, e: Entry): ClusterEvent => ({ type: 'observation', at: 10, obs: { type: 'apply', node, entry: e } })

describe('Checks (the page side of the live checkers)', () => {
  it('checks the events that came before its code arrived, in order, and halts the driver on a violation', async () => {
    const { rt, runtime, emit } = fakeRuntime()
    let arrive!: (m: typeof live) => void
    const checks = new Checks(runtime, () => new Promise((r) => (arrive = r)))
    checks.attach()
    emit(apply('n1', { index: 1, term: 1, kind: 'command', data: 'a' }))
    emit(apply('n2', { index: 1, term: 1, kind: 'command', data: 'b' }))
    expect(checks.violation).toBeNull()
    arrive(live)
    await Promise.resolve()
    await Promise.resolve()
    expect(checks.violation).toMatchObject({ property: 'StateMachineSafety', nodes: ['n1', 'n2'], index: 1 })
    expect(rt.driver.halts).toBe(1)
    expect(checks.cost().counts.observations).toBe(2)
  })

  it('a new scheduler gets a new checker', async () => {
    const { rt, runtime, emit } = fakeRuntime()
    const checks = new Checks(runtime, async () => live)
    checks.attach()
    await Promise.resolve()
    await Promise.resolve()
    emit(apply('n1', { index: 1, term: 1, kind: 'command', data: 'a' }))
    emit(apply('n2', { index: 1, term: 1, kind: 'command', data: 'b' }))
    expect(checks.violation).not.toBeNull()
    rt.sched = { spec: { seed: 2 }, now: 0 }
    emit(apply('n1', { index: 1, term: 1, kind: 'command', data: 'c' }))
    expect(checks.violation).toBeNull()
  })

  it('when its code cannot be loaded, it says so and keeps nothing', async () => {
    const { runtime, emit } = fakeRuntime()
    const checks = new Checks(runtime, () => Promise.reject(new Error('offline')))
    checks.attach()
    emit(apply('n1', { index: 1, term: 1, kind: 'command', data: 'a' }))
    await Promise.resolve()
    await Promise.resolve()
    expect(checks.failed).toBe('offline')
    emit(apply('n1', { index: 2, term: 1, kind: 'command', data: 'a' }))
    expect(checks.cost().counts.observations).toBe(0)
  })

  it('names what the violation involves: its nodes, index, term, and the messages they received in that step', async () => {
    const { rt, runtime, emit } = fakeRuntime()
    const checks = new Checks(runtime, async () => live)
    checks.attach()
    await Promise.resolve()
    await Promise.resolve()
    const msg = (from: string, to: string, at: number, id: number): ClusterEvent => ({
      type: 'delivered',
      at,
      id,
      msg: { type: 'MsgAppResp', from, to, term: 1, reject: true } as Message,
    })
    emit(msg('n3', 'n2', 9, 1)) // an earlier step
    emit(apply('n1', { index: 1, term: 1, kind: 'command', data: 'a' }))
    emit(msg('n1', 'n2', 10, 2))
    emit(msg('n2', 'n3', 10, 3)) // not to a node of the violation
    emit(apply('n2', { index: 1, term: 1, kind: 'command', data: 'b' }))
    expect(checks.involved).toEqual({
      nodes: ['n1', 'n2'],
      index: 1,
      term: 1,
      time: 10,
      messages: [{ id: 2, type: 'MsgAppResp', from: 'n1', to: 'n2', term: 1, reject: true }],
      paused: true,
    })
    expect(rt.driver.halts).toBe(1)
    const st = checks.state()
    expect(st.running).toBe(true)
    expect(st.violation?.property).toBe('StateMachineSafety')
    expect(st.safety?.applies).toBe(2)
    expect(st.limits).toEqual({ window: 50, maxStates: 100_000 })
  })

  it('with pausing on a violation off, it finds the violation and leaves the cluster running', async () => {
    const { rt, runtime, emit } = fakeRuntime()
    const checks = new Checks(runtime, async () => live)
    checks.pauseOnViolation = false
    checks.attach()
    await Promise.resolve()
    await Promise.resolve()
    emit(apply('n1', { index: 1, term: 1, kind: 'command', data: 'a' }))
    emit(apply('n2', { index: 1, term: 1, kind: 'command', data: 'b' }))
    expect(checks.violation?.property).toBe('StateMachineSafety')
    expect(checks.involved?.paused).toBe(false)
    expect(rt.driver.halts).toBe(0)
  })
})
