import { describe, it, expect } from 'vitest'
import { MAX_STRETCH, circlePositions, stretchFor, tokenPoint } from '../../../src/ui/graph/layout.ts'
import { captionSide } from '../../../src/ui/graph/overlay.ts'

describe('graph layout', () => {
  it('places nodes in counting order, n1 at the top, whatever order they come in', () => {
    const a = circlePositions(['n3', 'n1', 'n10', 'n2'])
    const b = circlePositions(['n1', 'n2', 'n3', 'n10'])
    expect([...a.entries()].sort()).toEqual([...b.entries()].sort())
    const n1 = a.get('n1')!
    expect(n1.x).toBe(0)
    expect(n1.y).toBeLessThan(0)
  })

  it('a restart keeps a node’s place; an added node moves the others only a little', () => {
    const before = circlePositions(['n1', 'n2', 'n3', 'n4', 'n5'])
    const after = circlePositions(['n1', 'n2', 'n3', 'n4', 'n5', 'n6'])
    expect(after.get('n1')).toEqual({ x: 0, y: before.get('n1')!.y - 25 })
  })

  it('stretches into an ellipse only for wide areas, within bounds', () => {
    expect(stretchFor(1000, 1000, 5)).toBe(1)
    expect(stretchFor(1200, 500, 5)).toBe(2.1)
    expect(stretchFor(3000, 500, 5)).toBe(MAX_STRETCH)
    expect(stretchFor(3000, 500, 3)).toBe(1)
  })

  /** Screen positions of a layout drawn at zoom `z` around the middle of a `w` x `h` area. */
  function screen(ids: string[], stretch: number, z: number, w: number, h: number) {
    return [...circlePositions(ids, stretch).values()].map((p) => ({ x: w / 2 + p.x * z, y: h / 2 + p.y * z }))
  }
  const nine = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9']

  it('puts a caption beside its node only where under it it would cover another node, on the outer side', () => {
    // A low, wide area (1280x720 with the timelines open): the side nodes sit close above each other.
    const o = { captionPx: 16, zoom: 0.31, width: 950 }
    const low = screen(nine, stretchFor(950, 260, 9), 0.31, 950, 260)
    const r = 20
    const mid = 475
    const sides = low.map((p) => captionSide(o, low, p, r, mid, 80))
    // n1 (top) and n5, n6 (bottom) keep theirs under them; n8 (left) is above n7, n3 (right) above n4.
    expect(sides[0]).toBe(0)
    expect(sides[4]).toBe(0)
    expect(sides[7]).toBe(-1)
    expect(sides[2]).toBe(1)
    // Every caption still under its node covers no node there.
    for (const [i, p] of low.entries()) {
      if (sides[i] !== 0) continue
      for (const q of low) if (q !== p) expect(Math.abs(q.x - p.x) < 64 + r && q.y + r > p.y + r && q.y - r < p.y + r + 14 + 16 * 3.2).toBe(false)
    }
    // A roomy area: every caption under its node.
    const roomy = { captionPx: 16, zoom: 1, width: 1000 }
    const big = screen(nine, 1, 1, 1000, 1000)
    expect(big.map((p) => captionSide(roomy, big, p, 32, 500, 80))).toEqual(nine.map(() => 0))
    // No room at the edge for captions 200 px wide (a narrow area): under the node after all, even if it covers a
    // neighbour.
    const tight = { captionPx: 16, zoom: 0.31, width: 260 }
    const narrow = screen(nine, 1, 0.31, 260, 260)
    expect(narrow.map((p) => captionSide(tight, narrow, p, r, 130, 200)).every((s) => s === 0)).toBe(true)
  })

  it('tokens travel between the rims, on their own side of the link', () => {
    const start = tokenPoint(0, 0, 100, 0, 0, 10, 5)
    const end = tokenPoint(0, 0, 100, 0, 1, 10, 5)
    expect(start).toEqual({ x: 10, y: 5 })
    expect(end).toEqual({ x: 90, y: 5 })
    const back = tokenPoint(100, 0, 0, 0, 0, 10, 5)
    expect(back.y).toBe(-5)
  })
})
