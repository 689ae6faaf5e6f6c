/**
 * The app's one animation loop. Registered renderers (the graph, the timelines) draw in it; it smooths the virtual
 * time they draw towards the scheduler's clock, and it stops: when the cluster is paused and nothing animates,
 * and whenever the tab is hidden. While it is stopped the graph library's own loop waits at the gate too.
 */
import type { DriverMode } from '../../browser/driver.ts'
import { setGateOpen } from '../graph/rafgate.ts'

/** A renderer draws one frame and says whether it still animates (wants another frame while paused). */
export type Renderer = (f: FrameInfo) => boolean

export interface FrameInfo {
  wall: number
  /** The virtual time to draw (smoothed towards the scheduler's clock). */
  now: number
  /** True on the first frame after something changed while paused, or after a reset. */
  dirty: boolean
  /**
   * At most this many drawings per second are worth their cost: 60 at teaching speeds, fewer when the cluster
   * runs fast (tokens then cross an edge within a frame or two, and the CPU is better spent on the cluster).
   */
  drawHz: number
}

export interface FrameSource {
  /** The scheduler's clock and the driver's state now. */
  clock(): { now: number; mode: DriverMode; speed: number }
  /** Tokens jump instead of flying. */
  reducedMotion(): boolean
  /** A fast-forward is running: draw just enough to show progress. */
  fastForwarding(): boolean
  /** Called before the renderers, every frame. */
  beforeFrame(info: FrameInfo): void
  /** Called after the renderers, every frame. */
  afterFrame(info: FrameInfo, mode: DriverMode): void
}

/**
 * Real drawings since the page opened, by what was drawn. A renderer counts a drawing only when it draws: not when it
 * is called and has nothing new, nor when it waits for its rate (`FrameInfo.drawHz`). Benchmarks read them through
 * the test API (src/ui/test-api.ts).
 */
export interface DrawCounts {
  /** The graph's moving layer (tokens, timers, captions: graph.ts's overlay), redrawn by the graph's renderer. */
  graph: number
  /** Cytoscape's own canvas (nodes and links), which it redraws only when a class or the viewport changed. */
  graphLibrary: number
  /** The log timelines' canvas. */
  timelines: number
}

/** A frame this close to its drawing time draws (frames come every 16.7 ms at 60 Hz, give or take a few). */
const FRAME_SLACK_MS = 4
/** How far the drawn time may trail the simulation, in wall milliseconds. */
const MAX_LAG_MS = 120
/**
 * Drawing rates the loop steps through when the cluster cannot keep up (see `adapt`). 40 is the floor: the graph
 * should redraw at least 30 times a second however unevenly the browser's frames come (below that the tokens jump
 * instead of flying), and its redraws cost the main thread little (only changed frames, painted off it: surface.ts).
 */
const RATES = [60, 40] as const

export class FrameLoop {
  /** The virtual time being drawn. */
  displayNow = 0
  /** Animation frames the loop ran since the page opened (benchmarks and tests read it). */
  frames = 0
  /** Of those, the frames in which the renderers were called and the panels could publish (see frame). */
  drawnFrames = 0
  /** Real drawings by renderer (see DrawCounts); the renderers count them. */
  readonly draws: DrawCounts = { graph: 0, graphLibrary: 0, timelines: 0 }
  /**
   * False: frames run and panels publish, but no renderer is called (benchmarks switch it through the test API to
   * measure the cluster without the cost of drawing). Nothing on the screen turns it off.
   */
  drawing = true
  private readonly source: FrameSource
  private readonly renderers = new Set<Renderer>()
  private raf = 0
  private lastWall = 0
  private dirty = true
  private awakeUntil = 0
  /** Index into RATES: drawing slows down while the simulation falls behind its speed. */
  private rate = 0
  private sampleWall = 0
  private sampleNow = 0
  private keptUp = 0
  /** When the next drawing frame is due (see frame), and whether the last one still animated. */
  private nextDraw = 0
  private animating = false

  constructor(source: FrameSource) {
    this.source = source
  }

  get running(): boolean {
    return this.raf !== 0
  }

  add(r: Renderer): () => void {
    this.renderers.add(r)
    this.wake(true)
    return () => this.renderers.delete(r)
  }

  /** Ask for a frame. `dirty`: something changed that every renderer must redraw. */
  wake(dirty = false): void {
    if (dirty) this.dirty = true
    if (this.raf || typeof document === 'undefined' || document.hidden) return
    setGateOpen(true)
    this.raf = requestAnimationFrame(this.frame)
  }

  /** Keep drawing for `ms` even if nothing moves (the pointer is acting on the graph). */
  linger(ms: number): void {
    this.awakeUntil = Math.max(this.awakeUntil, performance.now() + ms)
    this.wake()
  }

  /** Draw `now` at once on the next frame (after a reset or a jump). */
  snap(now: number): void {
    this.displayNow = now
    this.wake(true)
  }

  /** The tab was hidden (or the app is going away): draw nothing until woken. */
  stop(): void {
    if (this.raf) cancelAnimationFrame(this.raf)
    this.raf = 0
    this.lastWall = 0
    this.nextDraw = 0
    setGateOpen(false)
  }

  /**
   * The simulation shares the main thread with drawing: when virtual time advances clearly slower than the chosen
   * speed, draw less often (60, then 40 times a second); once it keeps up for a few seconds, draw more again.
   * The page itself still produces every frame; only our drawing is spaced out.
   */
  private adapt(wall: number, now: number, mode: DriverMode, speed: number): number {
    if (mode === 'paused') {
      this.sampleWall = 0
      return this.rate
    }
    if (!this.sampleWall) {
      this.sampleWall = wall
      this.sampleNow = now
      return this.rate
    }
    const dw = wall - this.sampleWall
    if (dw < 1000) return this.rate
    const ratio = (now - this.sampleNow) / (dw * speed)
    this.sampleWall = wall
    this.sampleNow = now
    if (ratio < 0.8) {
      this.rate = Math.min(RATES.length - 1, this.rate + 1)
      this.keptUp = 0
    } else if (ratio > 0.95 && ++this.keptUp >= 3) {
      this.rate = Math.max(0, this.rate - 1)
      this.keptUp = 0
    }
    return this.rate
  }

  private frame = (wall: number): void => {
    this.raf = 0
    if (document.hidden) {
      this.stop()
      return
    }
    const dt = this.lastWall ? Math.min(100, wall - this.lastWall) : 16
    this.lastWall = wall
    const { now: target, mode, speed } = this.source.clock()
    if (mode === 'paused' || this.source.reducedMotion()) this.displayNow = target
    else {
      // Advance smoothly at the chosen speed, never past the simulation, never far behind it.
      this.displayNow = Math.max(Math.min(target, this.displayNow + dt * speed), target - MAX_LAG_MS * speed)
    }
    const drawHz = this.source.fastForwarding() ? 10 : mode === 'paused' ? 60 : Math.min(speed < 2 ? 60 : 30, RATES[this.adapt(wall, target, mode, speed)])
    this.frames++
    // Everything is drawn in the same frames, drawHz times a second: the graph, the timelines (at their own lower
    // rate, on some of these frames) and the panels. The frames between them change nothing on the page, so the
    // browser has nothing to paint or hand to its compositor. The schedule keeps the average rate when frames come
    // unevenly (after a late frame the next one comes sooner); a few ms of slack keep a frame just early from waiting.
    const interval = 1000 / drawHz
    // The rate went up (a fast-forward ended, the cluster caught up): draw now rather than at the slower schedule's
    // time, so the page shows where the run is within one frame, as it did before the frames were spaced out.
    if (this.nextDraw > wall + interval) this.nextDraw = wall
    let animating = this.animating
    if (this.dirty || wall >= this.nextDraw - FRAME_SLACK_MS) {
      this.nextDraw = Math.max(this.nextDraw, wall - interval / 2) + interval
      const info: FrameInfo = { wall, now: this.displayNow, dirty: this.dirty, drawHz }
      this.dirty = false
      this.source.beforeFrame(info)
      animating = false
      if (this.drawing) for (const r of this.renderers) if (r(info)) animating = true
      this.animating = animating
      this.drawnFrames++
      this.source.afterFrame(info, mode)
    }
    if (mode !== 'paused' || animating || this.displayNow < target || wall < this.awakeUntil) this.raf = requestAnimationFrame(this.frame)
    else this.stop()
  }
}
