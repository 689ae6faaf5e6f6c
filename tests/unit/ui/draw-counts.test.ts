/**
 * The redraw counters that `npm run bench:fps` reads (FrameLoop.draws, through the test API): a renderer counts a
 * drawing only when it really draws. The timelines' renderer runs here on a stand-in DOM (no browser in unit tests):
 * every element and the canvas context are inert stubs, so only the renderer's own decisions are exercised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DrawCounts, FrameInfo, Renderer } from '../../../src/ui/state/frames.ts'
import type { Lab } from '../../../src/ui/state/lab.svelte.ts'
import type { EntryView } from '../../../src/node/protocol.ts'

/** An object that answers every property with another stub and every call with a stub; numbers read as 0. */
function stub(fields: Record<string | symbol, unknown> = {}): Record<string, unknown> {
  const store: Record<string | symbol, unknown> = { ...fields }
  const target = function () {} as unknown as Record<string | symbol, unknown>
  return new Proxy(target, {
    get: (_t, p) => {
      if (p in store) return store[p]
      if (p === Symbol.toPrimitive) return () => 0
      if (p === 'then') return undefined
      return (store[p] = stub())
    },
    set: (_t, p, v) => {
      store[p] = v
      return true
    },
    apply: () => stub(),
  }) as Record<string, unknown>
}

const g = globalThis as Record<string, unknown>
const saved = { document: g.document, window: g.window, ResizeObserver: g.ResizeObserver, requestAnimationFrame: g.requestAnimationFrame, cancelAnimationFrame: g.cancelAnimationFrame }
let pendingFrames: FrameRequestCallback[] = []

beforeAll(() => {
  g.document = { hidden: false, createElement: () => stub({ style: {}, dataset: {} }) }
  g.requestAnimationFrame = (cb: FrameRequestCallback) => pendingFrames.push(cb)
  g.cancelAnimationFrame = () => (pendingFrames = [])
  g.window = { devicePixelRatio: 1 }
  g.ResizeObserver = class {
    observe(): void {}
    disconnect(): void {}
  }
})
afterAll(() => Object.assign(g, saved))

function entries(n: number): EntryView[] {
  return Array.from({ length: n }, (_, i) => ({ index: i + 1, term: 1, kind: 'command', label: `set k${i}` }))
}

/** Just enough of the app's state for the timelines: two nodes with logs, a version that says when logs changed. */
function fakeLab() {
  const draws: DrawCounts = { graph: 0, graphLibrary: 0, timelines: 0 }
  const renderers: Renderer[] = []
  let log = entries(3)
  const feed = { logVersion: 1, structVersion: 1, node: () => ({ state: 'up', summary: { role: 'follower', term: 1, commit: 2, applied: 2 } }) }
  const lab = {
    feed,
    theme: 'light',
    projector: false,
    selected: null,
    record: null,
    view: { learners: [] },
    checks: { involved: null },
    loop: { draws },
    runtime: { sched: { log: () => ({ from: 1, entries: log, snapshot: { index: 0, term: 0 } }) } },
    nodeIds: () => ['n1', 'n2'],
    leaderId: () => null,
    addRenderer: (r: Renderer) => {
      renderers.push(r)
      return () => undefined
    },
    wake: () => undefined,
  }
  return {
    lab: lab as unknown as Lab,
    draws,
    renderers,
    append(n: number) {
      log = entries(log.length + n)
      feed.logVersion++
    },
  }
}

const frame = (wall: number, dirty = false): FrameInfo => ({ wall, now: wall, dirty, drawHz: 60 })

describe('redraw counters', () => {
  it('count a timelines drawing only when the timelines really draw', async () => {
    const { TimelineView } = await import('../../../src/ui/log/timeline.ts')
    const f = fakeLab()
    const scroller = stub({ clientWidth: 1600, clientHeight: 300, scrollLeft: 0, scrollWidth: 1600, style: {} })
    new TimelineView(f.lab, scroller as unknown as HTMLElement)
    expect(f.renderers).toHaveLength(1)
    const render = f.renderers[0]

    render(frame(1000, true))
    expect(f.draws.timelines).toBe(1)

    // Asked again, nothing new: no drawing, nothing counted, and no more frames wanted.
    expect(render(frame(1500))).toBe(false)
    expect(render(frame(2500))).toBe(false)
    expect(f.draws.timelines).toBe(1)

    // Asked to redraw everything (a dirty frame), but the frame would paint the same pixels: not painted, not counted.
    render(frame(2600, true))
    expect(f.draws.timelines).toBe(1)

    // A log grew, but within the timelines' rate: it waits (wants another frame) and counts nothing yet.
    f.append(1)
    expect(render(frame(2610))).toBe(true)
    expect(f.draws.timelines).toBe(1)

    // Once its rate allows, it draws the new entry: one more.
    render(frame(3000))
    expect(f.draws.timelines).toBe(2)
    expect(f.draws.graph).toBe(0)
  })
})

describe('the frame loop with drawing switched off', () => {
  it('calls no renderer, so nothing is drawn or counted, and draws again when switched on', async () => {
    const { FrameLoop } = await import('../../../src/ui/state/frames.ts')
    const loop = new FrameLoop({
      clock: () => ({ now: 0, mode: 'running', speed: 1 }),
      reducedMotion: () => false,
      fastForwarding: () => false,
      beforeFrame: () => undefined,
      afterFrame: () => undefined,
    })
    let asked = 0
    loop.add(() => {
      asked++
      loop.draws.graph++
      return false
    })
    const run = (wall: number) => {
      const cbs = pendingFrames
      pendingFrames = []
      for (const cb of cbs) cb(wall)
    }
    loop.drawing = false
    run(16)
    run(32)
    expect(loop.frames).toBe(2)
    expect(asked).toBe(0)
    expect(loop.draws.graph).toBe(0)
    loop.drawing = true
    run(48)
    expect(asked).toBe(1)
    expect(loop.draws.graph).toBe(1)
    loop.stop()
  })
})
