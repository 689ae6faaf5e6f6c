/**
 * The display list the graph's moving layer and the timelines draw into: a frame reaches the canvas only when its
 * drawing operations differ from the frame the canvas shows.
 */
import { describe, expect, it } from 'vitest'
import { DisplayList, replay } from '../../../src/ui/graph/displaylist.ts'

/** A canvas context that logs what is done to it. */
function fakeContext() {
  const calls: string[] = []
  const ctx = new Proxy({ font: '10px sans-serif' } as Record<string, unknown>, {
    get: (t, p: string) =>
      p in t ? t[p] : p === 'measureText' ? (s: string) => ({ width: s.length * 5 }) : (...args: unknown[]) => calls.push(`${p}(${args.join(',')})`),
    set: (t, p: string, v) => {
      t[p] = v
      calls.push(`${p}=${String(v)}`)
      return true
    },
  })
  return { ctx: ctx as unknown as CanvasRenderingContext2D, calls }
}

function frame(list: DisplayList, x: number, colour = '#f00') {
  list.begin()
  list.clearRect(0, 0, 100, 100)
  list.fillStyle = colour
  list.save()
  list.globalAlpha = 0.5
  list.setLineDash([4, 3])
  list.beginPath()
  list.arc(x, 10, 5, 0, Math.PI)
  list.fill()
  list.restore()
  list.fillText('n1', x, 20)
}

describe('DisplayList', () => {
  it('paints a frame once, replaying its operations in order, and not again while it stays the same', () => {
    const { ctx, calls } = fakeContext()
    const list = new DisplayList(ctx)
    frame(list, 10)
    expect(list.commit((f) => replay(ctx, f))).toBe(true)
    // From the initial state (identity transform, full opacity, no dash...), then the frame's operations.
    expect(calls.slice(0, 3)).toEqual(['setTransform(1,0,0,1,0,0)', 'setLineDash()', 'globalAlpha=1'])
    expect(calls.slice(calls.indexOf('clearRect(0,0,100,100)'))).toEqual([
      'clearRect(0,0,100,100)',
      'fillStyle=#f00',
      'save()',
      'globalAlpha=0.5',
      'setLineDash(4,3)',
      'beginPath()',
      `arc(10,10,5,0,${Math.PI},false)`,
      'fill()',
      'restore()',
      'fillText(n1,10,20)',
    ])
    calls.length = 0
    frame(list, 10)
    expect(list.commit((f) => replay(ctx, f))).toBe(false)
    expect(calls).toEqual([])
  })

  it('paints again when anything differs: a position, a colour, or the canvas was cleared', () => {
    const { ctx } = fakeContext()
    const list = new DisplayList(ctx)
    frame(list, 10)
    expect(list.commit((f) => replay(ctx, f))).toBe(true)
    frame(list, 11)
    expect(list.commit((f) => replay(ctx, f))).toBe(true)
    frame(list, 11, '#0f0')
    expect(list.commit((f) => replay(ctx, f))).toBe(true)
    frame(list, 11, '#0f0')
    expect(list.commit((f) => replay(ctx, f))).toBe(false)
    list.invalidate()
    frame(list, 11, '#0f0')
    expect(list.commit((f) => replay(ctx, f))).toBe(true)
  })

  it('leaves out setting a property to what it already is', () => {
    const { ctx, calls } = fakeContext()
    const list = new DisplayList(ctx)
    list.begin()
    list.fillStyle = '#111'
    list.fillRect(0, 0, 1, 1)
    list.fillStyle = '#111'
    list.fillRect(1, 0, 1, 1)
    list.globalAlpha = 1
    list.commit((f) => replay(ctx, f))
    expect(calls.slice(calls.indexOf('fillStyle=#111'))).toEqual(['fillStyle=#111', 'fillRect(0,0,1,1)', 'fillRect(1,0,1,1)'])
  })

  it('reads back the state it was given, through save and restore, and measures text in the recorded font', () => {
    const { ctx } = fakeContext()
    const list = new DisplayList(ctx)
    list.begin()
    list.globalAlpha = 0.3
    list.font = '700 16px serif'
    list.save()
    list.globalAlpha = 0.9
    expect(list.globalAlpha).toBe(0.9)
    list.restore()
    expect(list.globalAlpha).toBe(0.3)
    expect(list.measureText('abcd').width).toBe(20)
    expect(ctx.font).toBe('700 16px serif')
  })
})
