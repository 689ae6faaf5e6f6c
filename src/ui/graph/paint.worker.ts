/**
 * The paint worker: it owns the canvases the page handed over (the graph's moving layer, the timelines) and paints
 * the frames the page sends as DisplayList operations (see surface.ts). It keeps no other state.
 */
import { replay } from './displaylist.ts'
import type { PaintMessage } from './surface.ts'

const canvases = new Map<number, { canvas: OffscreenCanvas; ctx: OffscreenCanvasRenderingContext2D }>()

self.onmessage = (e: MessageEvent<PaintMessage>) => {
  const m = e.data
  if (m.t === 'canvas') {
    const ctx = m.canvas.getContext('2d')
    if (ctx) canvases.set(m.id, { canvas: m.canvas, ctx })
    return
  }
  if (m.t === 'drop') {
    canvases.delete(m.id)
    return
  }
  const c = canvases.get(m.id)
  if (!c) return
  if (m.t === 'size') {
    c.canvas.width = m.width
    c.canvas.height = m.height
  } else replay(c.ctx, m.frame)
}
