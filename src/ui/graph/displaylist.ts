/**
 * A 2D canvas context that records instead of drawing. The graph's moving layer and the timelines draw a frame into
 * it, and the frame reaches its canvas only when its list of drawing operations differs from the last one painted:
 * a frame that would paint the same pixels is not painted, and not counted as a redraw (`npm run bench:fps`).
 * Only what those renderers use is recorded; `measureText` asks a real context (with the font recorded so far).
 * The list is painted by a Surface: in a paint worker when the browser can hand a canvas to one (see surface.ts), so
 * rasterizing the canvas and handing it to the compositor cost the main thread nothing; else on the canvas here.
 */
/** The part of CanvasRenderingContext2D the renderers draw with (the real context and DisplayList both have it). */
export type Paint = Pick<
  CanvasRenderingContext2D,
  | 'globalAlpha'
  | 'fillStyle'
  | 'strokeStyle'
  | 'lineWidth'
  | 'lineCap'
  | 'lineJoin'
  | 'font'
  | 'textAlign'
  | 'textBaseline'
  | 'beginPath'
  | 'closePath'
  | 'moveTo'
  | 'lineTo'
  | 'arc'
  | 'arcTo'
  | 'rect'
  | 'fill'
  | 'stroke'
  | 'clip'
  | 'fillRect'
  | 'strokeRect'
  | 'clearRect'
  | 'fillText'
  | 'strokeText'
  | 'measureText'
  | 'setLineDash'
  | 'save'
  | 'restore'
> & { setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void }

/** Operation codes. */
const Op = {
  Alpha: 0,
  Fill: 1,
  Stroke: 2,
  LineWidth: 3,
  LineCap: 4,
  LineJoin: 5,
  Font: 6,
  TextAlign: 7,
  TextBaseline: 8,
  BeginPath: 9,
  ClosePath: 10,
  MoveTo: 11,
  LineTo: 12,
  Arc: 13,
  ArcTo: 14,
  Rect: 15,
  FillPath: 16,
  StrokePath: 17,
  Clip: 18,
  FillRect: 19,
  StrokeRect: 20,
  ClearRect: 21,
  FillText: 22,
  StrokeText: 23,
  LineDash: 24,
  Save: 25,
  Restore: 26,
  Transform: 27,
} as const

interface State {
  globalAlpha: number
  fillStyle: string
  strokeStyle: string
  lineWidth: number
  lineCap: CanvasLineCap
  lineJoin: CanvasLineJoin
  font: string
  textAlign: CanvasTextAlign
  textBaseline: CanvasTextBaseline
}

const INITIAL: State = {
  globalAlpha: 1,
  fillStyle: '#000000',
  strokeStyle: '#000000',
  lineWidth: 1,
  lineCap: 'butt',
  lineJoin: 'miter',
  font: '10px sans-serif',
  textAlign: 'start',
  textBaseline: 'alphabetic',
}

/** Text widths by font and text (fonts are loaded before the app draws: the system's own). */
const widths = new Map<string, number>()

/**
 * A recorded frame: operation codes and their numeric arguments, with each text argument as an index into `strs`
 * (a typed array is compared and sent to the paint worker far faster than an array of mixed values).
 */
export interface Frame {
  nums: Float64Array
  strs: string[]
}

export class DisplayList implements Paint {
  /** This frame's operations (`n` numbers used). */
  private nums = new Float64Array(4096)
  private n = 0
  private strs: string[] = []
  /** The operations on the canvas now (`shownN` < 0: unknown, the next commit paints). */
  private shownNums = new Float64Array(4096)
  private shownN = -1
  private shownStrs: string[] = []
  private state: State = { ...INITIAL }
  private stack: State[] = []
  private readonly measure: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D

  /** `measure`: a real context, for measureText. */
  constructor(measure: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D) {
    this.measure = measure
  }

  /** Start recording a frame (from the initial state: setting a property to what it already is is not recorded). */
  begin(): void {
    this.n = 0
    this.strs = []
    this.state = { ...INITIAL }
    this.stack.length = 0
  }

  /**
   * Paint the recorded frame through `paint` (a Surface's) if it differs from the one painted last. Returns whether
   * it painted.
   */
  commit(paint: (frame: Frame) => void): boolean {
    if (this.same()) return false
    paint({ nums: this.nums.slice(0, this.n), strs: this.strs })
    const t = this.shownNums
    this.shownNums = this.nums
    this.nums = t
    this.shownN = this.n
    this.shownStrs = this.strs
    return true
  }

  /** Forget what is on the canvas (the next commit paints). */
  invalidate(): void {
    this.shownN = -1
  }

  private same(): boolean {
    if (this.n !== this.shownN || this.strs.length !== this.shownStrs.length) return false
    const a = this.nums
    const b = this.shownNums
    for (let i = 0; i < this.n; i++) if (a[i] !== b[i]) return false
    const s = this.strs
    const t = this.shownStrs
    for (let i = 0; i < s.length; i++) if (s[i] !== t[i]) return false
    return true
  }

  /** Append numbers (growing the buffer when full). */
  private put(...xs: number[]): void {
    if (this.n + xs.length > this.nums.length) {
      const bigger = new Float64Array(Math.max(this.nums.length * 2, this.n + xs.length))
      bigger.set(this.nums.subarray(0, this.n))
      this.nums = bigger
    }
    for (const x of xs) this.nums[this.n++] = x
  }

  /** A text argument: its index in `strs`. */
  private str(text: string): number {
    this.strs.push(text)
    return this.strs.length - 1
  }

  get globalAlpha(): number {
    return this.state.globalAlpha
  }
  set globalAlpha(v: number) {
    if (v === this.state.globalAlpha) return
    this.state.globalAlpha = v
    this.put(Op.Alpha, v)
  }
  get fillStyle(): string {
    return this.state.fillStyle
  }
  set fillStyle(v: string) {
    if (v === this.state.fillStyle) return
    this.state.fillStyle = v
    this.put(Op.Fill, this.str(v))
  }
  get strokeStyle(): string {
    return this.state.strokeStyle
  }
  set strokeStyle(v: string) {
    if (v === this.state.strokeStyle) return
    this.state.strokeStyle = v
    this.put(Op.Stroke, this.str(v))
  }
  get lineWidth(): number {
    return this.state.lineWidth
  }
  set lineWidth(v: number) {
    if (v === this.state.lineWidth) return
    this.state.lineWidth = v
    this.put(Op.LineWidth, v)
  }
  get lineCap(): CanvasLineCap {
    return this.state.lineCap
  }
  set lineCap(v: CanvasLineCap) {
    if (v === this.state.lineCap) return
    this.state.lineCap = v
    this.put(Op.LineCap, this.str(v))
  }
  get lineJoin(): CanvasLineJoin {
    return this.state.lineJoin
  }
  set lineJoin(v: CanvasLineJoin) {
    if (v === this.state.lineJoin) return
    this.state.lineJoin = v
    this.put(Op.LineJoin, this.str(v))
  }
  get font(): string {
    return this.state.font
  }
  set font(v: string) {
    if (v === this.state.font) return
    this.state.font = v
    this.put(Op.Font, this.str(v))
  }
  get textAlign(): CanvasTextAlign {
    return this.state.textAlign
  }
  set textAlign(v: CanvasTextAlign) {
    if (v === this.state.textAlign) return
    this.state.textAlign = v
    this.put(Op.TextAlign, this.str(v))
  }
  get textBaseline(): CanvasTextBaseline {
    return this.state.textBaseline
  }
  set textBaseline(v: CanvasTextBaseline) {
    if (v === this.state.textBaseline) return
    this.state.textBaseline = v
    this.put(Op.TextBaseline, this.str(v))
  }
  beginPath(): void {
    this.put(Op.BeginPath)
  }
  closePath(): void {
    this.put(Op.ClosePath)
  }
  moveTo(x: number, y: number): void {
    this.put(Op.MoveTo, x, y)
  }
  lineTo(x: number, y: number): void {
    this.put(Op.LineTo, x, y)
  }
  arc(x: number, y: number, r: number, a0: number, a1: number, ccw = false): void {
    this.put(Op.Arc, x, y, r, a0, a1, ccw ? 1 : 0)
  }
  arcTo(x1: number, y1: number, x2: number, y2: number, r: number): void {
    this.put(Op.ArcTo, x1, y1, x2, y2, r)
  }
  rect(x: number, y: number, w: number, h: number): void {
    this.put(Op.Rect, x, y, w, h)
  }
  fill(): void {
    this.put(Op.FillPath)
  }
  stroke(): void {
    this.put(Op.StrokePath)
  }
  clip(): void {
    this.put(Op.Clip)
  }
  fillRect(x: number, y: number, w: number, h: number): void {
    this.put(Op.FillRect, x, y, w, h)
  }
  strokeRect(x: number, y: number, w: number, h: number): void {
    this.put(Op.StrokeRect, x, y, w, h)
  }
  clearRect(x: number, y: number, w: number, h: number): void {
    this.put(Op.ClearRect, x, y, w, h)
  }
  fillText(text: string, x: number, y: number): void {
    this.put(Op.FillText, this.str(text), x, y)
  }
  strokeText(text: string, x: number, y: number): void {
    this.put(Op.StrokeText, this.str(text), x, y)
  }
  /** Only the width is measured (and remembered: the same labels come back every frame). */
  measureText(text: string): TextMetrics {
    const key = `${this.state.font}|${text}`
    let width = widths.get(key)
    if (width === undefined) {
      if (this.measure.font !== this.state.font) this.measure.font = this.state.font
      width = this.measure.measureText(text).width
      if (widths.size > 5000) widths.clear()
      widths.set(key, width)
    }
    return { width } as TextMetrics
  }
  setLineDash(segments: number[]): void {
    this.put(Op.LineDash, segments.length, ...segments)
  }
  save(): void {
    this.stack.push({ ...this.state })
    this.put(Op.Save)
  }
  restore(): void {
    const s = this.stack.pop()
    if (s) this.state = s
    this.put(Op.Restore)
  }
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void {
    this.put(Op.Transform, a, b, c, d, e, f)
  }
}

/** Paint `frame` (a DisplayList's) on `ctx`, from the state a recording starts from. */
export function replay(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, frame: Frame): void {
  const ops = frame.nums
  const strs = frame.strs
  // The state a recording starts from (a DisplayList leaves out setting what it already is).
  ctx.setTransform(1, 0, 0, 1, 0, 0)
  ctx.setLineDash([])
  Object.assign(ctx, INITIAL)
  const n = (i: number) => ops[i]
  const s = (i: number) => strs[ops[i]]
  let i = 0
  while (i < ops.length) {
    switch (ops[i]) {
      case Op.Alpha:
        ctx.globalAlpha = n(i + 1)
        i += 2
        break
      case Op.Fill:
        ctx.fillStyle = s(i + 1)
        i += 2
        break
      case Op.Stroke:
        ctx.strokeStyle = s(i + 1)
        i += 2
        break
      case Op.LineWidth:
        ctx.lineWidth = n(i + 1)
        i += 2
        break
      case Op.LineCap:
        ctx.lineCap = s(i + 1) as CanvasLineCap
        i += 2
        break
      case Op.LineJoin:
        ctx.lineJoin = s(i + 1) as CanvasLineJoin
        i += 2
        break
      case Op.Font:
        ctx.font = s(i + 1)
        i += 2
        break
      case Op.TextAlign:
        ctx.textAlign = s(i + 1) as CanvasTextAlign
        i += 2
        break
      case Op.TextBaseline:
        ctx.textBaseline = s(i + 1) as CanvasTextBaseline
        i += 2
        break
      case Op.BeginPath:
        ctx.beginPath()
        i += 1
        break
      case Op.ClosePath:
        ctx.closePath()
        i += 1
        break
      case Op.MoveTo:
        ctx.moveTo(n(i + 1), n(i + 2))
        i += 3
        break
      case Op.LineTo:
        ctx.lineTo(n(i + 1), n(i + 2))
        i += 3
        break
      case Op.Arc:
        ctx.arc(n(i + 1), n(i + 2), n(i + 3), n(i + 4), n(i + 5), n(i + 6) === 1)
        i += 7
        break
      case Op.ArcTo:
        ctx.arcTo(n(i + 1), n(i + 2), n(i + 3), n(i + 4), n(i + 5))
        i += 6
        break
      case Op.Rect:
        ctx.rect(n(i + 1), n(i + 2), n(i + 3), n(i + 4))
        i += 5
        break
      case Op.FillPath:
        ctx.fill()
        i += 1
        break
      case Op.StrokePath:
        ctx.stroke()
        i += 1
        break
      case Op.Clip:
        ctx.clip()
        i += 1
        break
      case Op.FillRect:
        ctx.fillRect(n(i + 1), n(i + 2), n(i + 3), n(i + 4))
        i += 5
        break
      case Op.StrokeRect:
        ctx.strokeRect(n(i + 1), n(i + 2), n(i + 3), n(i + 4))
        i += 5
        break
      case Op.ClearRect:
        ctx.clearRect(n(i + 1), n(i + 2), n(i + 3), n(i + 4))
        i += 5
        break
      case Op.FillText:
        ctx.fillText(s(i + 1), n(i + 2), n(i + 3))
        i += 4
        break
      case Op.StrokeText:
        ctx.strokeText(s(i + 1), n(i + 2), n(i + 3))
        i += 4
        break
      case Op.LineDash: {
        const k = n(i + 1)
        ctx.setLineDash(Array.from(ops.subarray(i + 2, i + 2 + k)))
        i += 2 + k
        break
      }
      case Op.Save:
        ctx.save()
        i += 1
        break
      case Op.Restore:
        ctx.restore()
        i += 1
        break
      case Op.Transform:
        ctx.setTransform(n(i + 1), n(i + 2), n(i + 3), n(i + 4), n(i + 5), n(i + 6))
        i += 7
        break
      default:
        throw new Error(`display list: unknown operation ${String(ops[i])}`)
    }
  }
}
