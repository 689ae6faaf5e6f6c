import { describe, it, expect } from 'vitest'
import { Breakpoints } from '../../../src/ui/state/breakpoints.svelte.ts'
import type { ClusterRuntime } from '../../../src/browser/runtime.ts'
import type { ClusterEvent } from '../../../src/browser/scheduler.ts'
import type { NodeSummary } from '../../../src/node/protocol.ts'

/** A runtime whose driver records halts and has a mode; events are pushed by hand. */
function fakeRuntime() {
  const listeners = new Set<(e: ClusterEvent) => void>()
  const rt = {
    sched: { id: 1 } as object,
    driver: {
      halts: 0,
      mode: 'running',
      halt() {
        this.halts++
        this.mode = 'paused'
      },
    },
    onEvent(f: (e: ClusterEvent) => void) {
      listeners.add(f)
      return () => listeners.delete(f)
    },
  }
  return { rt, runtime: rt as unknown as ClusterRuntime, emit: (e: ClusterEvent) => listeners.forEach((f) => f(e)) }
}

const log = { firstIndex: () => 1, lastIndex: () => 0, term: () => undefined }
const leader = (node: string, term: number, at: number): ClusterEvent => ({ type: 'observation', at, obs: { type: 'role', node, role: 'leader', term, log } })
const summary = (node: string, commit: number, at: number): ClusterEvent => ({ type: 'summary', at, node, summary: { commit } as NodeSummary })

describe('Breakpoints (the page side)', () => {
  it('halts the driver on a hit and keeps the hit until the run goes on or it is cleared', () => {
    const { rt, runtime, emit } = fakeRuntime()
    const bps = new Breakpoints(runtime)
    bps.attach()
    expect(bps.add({ kind: 'role', role: 'leader', node: null })).toBeNull()
    emit(leader('n2', 1, 30))
    expect(rt.driver.halts).toBe(1)
    expect(bps.hit).toMatchObject({ kind: 'role', node: 'n2', term: 1, at: 30 })
    expect(bps.hitSpec).toMatchObject({ kind: 'role', role: 'leader', node: null })
    // The rest of the step, while paused: the hit stays.
    emit(summary('n2', 0, 31))
    expect(bps.hit).not.toBeNull()
    // Played again: the next event clears it.
    rt.driver.mode = 'running'
    emit(summary('n2', 0, 40))
    expect(bps.hit).toBeNull()
    emit(leader('n3', 2, 50))
    expect(bps.hit).toMatchObject({ node: 'n3', at: 50 })
    bps.clearHit()
    expect(bps.hit).toBeNull()
    expect(bps.list).toHaveLength(1)
  })

  it('refuses a bad index, an index already committed and a duplicate, each with its reason', () => {
    const { runtime, emit } = fakeRuntime()
    const bps = new Breakpoints(runtime)
    bps.attach()
    emit(summary('n1', 4, 10))
    expect(bps.committed).toBe(4)
    expect(bps.add({ kind: 'commit', index: '' })).toEqual({ why: 'index', value: '' })
    expect(bps.add({ kind: 'commit', index: '2.5' })).toEqual({ why: 'index', value: '2.5' })
    expect(bps.add({ kind: 'commit', index: '0' })).toEqual({ why: 'index', value: '0' })
    expect(bps.add({ kind: 'commit', index: '4' })).toEqual({ why: 'committed', index: 4, committed: 4 })
    expect(bps.add({ kind: 'commit', index: ' 6 ' })).toBeNull()
    expect(bps.add({ kind: 'commit', index: '6' })).toEqual({ why: 'duplicate' })
    expect(bps.list).toEqual([{ kind: 'commit', index: 6, id: 1 }])
    bps.remove(1)
    expect(bps.list).toEqual([])
  })

  it('a new cluster starts a new matcher and forgets the hit; the list stays', () => {
    const { rt, runtime, emit } = fakeRuntime()
    const bps = new Breakpoints(runtime)
    bps.attach()
    bps.add({ kind: 'commit', index: '3' })
    emit(summary('n1', 5, 10))
    expect(bps.hit).toMatchObject({ kind: 'commit', index: 3, commit: 5 })
    rt.sched = { id: 2 }
    emit(summary('n1', 1, 0))
    expect(bps.hit).toBeNull()
    expect(bps.committed).toBe(1)
    expect(bps.list).toHaveLength(1)
  })
})
