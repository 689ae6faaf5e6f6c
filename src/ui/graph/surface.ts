/**
 * Where a DisplayList's frames are painted. When the browser can hand a canvas to a worker
 * (transferControlToOffscreen), one paint worker (paint.worker.ts) owns the graph's moving layer and the timelines'
 * canvas: the main thread only sends each changed frame's operations, and rasterizing and compositing the canvas
 * happen off it, so the cluster (which runs its loop on the main thread) keeps the time. Otherwise, or if the worker
 * cannot start, the frames are painted on the canvas here.
 */
import { replay, type Frame } from './displaylist.ts'

export interface Surface {
  /** The canvas's backing size in device pixels (this clears it). */
  resize(width: number, height: number): void
  /** Paint one frame. */
  paint(frame: Frame): void
  /** A context to measure text with (fonts as on the canvas). */
  readonly measure: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D
  /** True when a worker paints (for tests). */
  readonly offThread: boolean
}

/** What the paint worker is told. */
export type PaintMessage =
  | { t: 'canvas'; id: number; canvas: OffscreenCanvas }
  | { t: 'size'; id: number; width: number; height: number }
  | { t: 'draw'; id: number; frame: Frame }
  | { t: 'drop'; id: number }

let worker: Worker | null | undefined
let nextId = 1

function paintWorker(): Worker | null {
  if (worker !== undefined) return worker
  worker = null
  try {
    if (typeof Worker !== 'undefined' && typeof OffscreenCanvas !== 'undefined') {
      worker = new Worker(new URL('./paint.worker.ts', import.meta.url), { type: 'module', name: 'raft-paint' })
    }
  } catch {
    worker = null
  }
  return worker
}

/** A surface for `canvas`: in the paint worker when possible. Returns the surface and its cleanup. */
export function surfaceFor(canvas: HTMLCanvasElement): Surface & { dispose(): void } {
  const w = 'transferControlToOffscreen' in canvas ? paintWorker() : null
  if (w) {
    try {
      const id = nextId++
      const off = canvas.transferControlToOffscreen()
      w.postMessage({ t: 'canvas', id, canvas: off } satisfies PaintMessage, [off])
      const measure = new OffscreenCanvas(1, 1).getContext('2d')
      if (measure) {
        return {
          offThread: true,
          measure,
          resize: (width, height) => w.postMessage({ t: 'size', id, width, height } satisfies PaintMessage),
          // The frame's numbers are a copy of the list's: handed over, not copied again.
          paint: (frame) => w.postMessage({ t: 'draw', id, frame } satisfies PaintMessage, [frame.nums.buffer]),
          dispose: () => w.postMessage({ t: 'drop', id } satisfies PaintMessage),
        }
      }
    } catch {
      // The canvas stays with the page (below).
    }
  }
  const ctx = canvas.getContext('2d')!
  return {
    offThread: false,
    measure: ctx,
    resize: (width, height) => {
      canvas.width = width
      canvas.height = height
    },
    paint: (frame) => replay(ctx, frame),
    dispose: () => undefined,
  }
}
