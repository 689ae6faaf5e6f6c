import { describe, it, expect } from 'vitest'
import { circlePositions, stretchFor, tokenPoint } from '../../../src/ui/graph/layout.ts'

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
    expect(stretchFor(3000, 500, 5)).toBe(1.6)
    expect(stretchFor(3000, 500, 3)).toBe(1)
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
