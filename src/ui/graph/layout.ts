/**
 * Where nodes sit: on a circle, in counting order (n1 at the top, clockwise). A node keeps its place across
 * restarts because its place depends only on the set of members; adding or removing one moves the others a
 * little, smoothly.
 */
import type { NodeId } from '../../raft/types.ts'
import { byNodeNumber } from '../state/messages.ts'

/** The widest ellipse, as its width over its height. */
export const MAX_STRETCH = 2.6

/** Node diameter in model units. */
export const NODE_SIZE = 64

export function circleRadius(n: number): number {
  return n <= 3 ? 170 : 110 + 25 * n
}

/**
 * Places on an ellipse stretched by `stretch` (>= 1) horizontally, so that a wide graph area is used: the order
 * and the angles stay the same whatever the stretch.
 */
export function circlePositions(ids: readonly NodeId[], stretch = 1): Map<NodeId, { x: number; y: number }> {
  const sorted = ids.slice().sort(byNodeNumber)
  const n = sorted.length
  const r = circleRadius(n)
  const out = new Map<NodeId, { x: number; y: number }>()
  sorted.forEach((id, i) => {
    if (n === 1) out.set(id, { x: 0, y: 0 })
    else {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / n
      out.set(id, { x: Math.round(r * stretch * Math.cos(a)), y: Math.round(r * Math.sin(a)) })
    }
  })
  return out
}

/** Where a token is drawn on the edge from a to b: between the node rims, offset sideways by direction. */
export function tokenPoint(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  f: number,
  rim: number,
  side: number,
): { x: number; y: number } {
  const dx = bx - ax
  const dy = by - ay
  const len = Math.hypot(dx, dy) || 1
  const ux = dx / len
  const uy = dy / len
  const usable = Math.max(0, len - 2 * rim)
  const d = rim + usable * Math.min(1, Math.max(0, f))
  return { x: ax + ux * d - uy * side, y: ay + uy * d + ux * side }
}

/**
 * How much to stretch the circle for a graph area of w x h pixels (1 = circle, at most MAX_STRETCH): a wide, low
 * area (a laptop screen with the timelines open) spreads the nodes sideways, where their captions have room, instead
 * of stacking them over each other.
 */
export function stretchFor(w: number, h: number, n: number): number {
  if (n < 4 || h <= 0) return 1
  return Math.max(1, Math.min(MAX_STRETCH, Math.round((w / h / 1.15) * 10) / 10))
}
