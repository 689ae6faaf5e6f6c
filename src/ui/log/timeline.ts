/**
 * The log timelines, drawn on one canvas that stays in view while its scroll container scrolls: one row per
 * node, one column per log index, so a column reads down across nodes. Redrawn only when a log, the selection,
 * the size, the theme or the scroll position changed. Follows the tail unless the user scrolls back.
 */
import type { NodeId } from '../../raft/types.ts'
import type { FrameInfo, Lab } from '../state/lab.svelte.ts'
import { strings } from '../strings.ts'
import { PALETTES, highContrast, termColour, type Palette } from '../theme.ts'
import { DisplayList, type Paint } from '../graph/displaylist.ts'
import { surfaceFor, type Surface } from '../graph/surface.ts'
import { cellAt, indexRange, lastIndexOf, progressOf, type Row } from './model.ts'

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
/** Column widths, narrowest first. Wide by default: few columns with their commands written out, and the row scrolls. */
export const BOX_WIDTHS = [24, 40, 64, 100, 150, 220]
const DEFAULT_BOX = 150
const REDRAW_HZ = 15
/** While following the tail, the scrollbar catches up with the drawn tail at most this often (ms). */
const SCROLL_SYNC_MS = 1000
/** Text size in CSS pixels: 16 is the least a projector's last row can read; projector mode goes bigger. */
const TEXT_PX = 16
const TEXT_PX_PROJECTOR = 21
/** Below this the rows are too short for text of TEXT_PX (many nodes on a small screen): text shrinks, down to it. */
const TEXT_PX_MIN = 12

export class TimelineView {
  private readonly lab: Lab
  private readonly scroller: HTMLElement
  private readonly content: HTMLElement
  private readonly canvas: HTMLCanvasElement
  /** Where the frames are painted (a paint worker when the browser allows). */
  private readonly surface: Surface & { dispose(): void }
  /** A frame is recorded here and painted only when it differs from the one on the canvas. */
  private readonly paint: DisplayList
  private boxW = DEFAULT_BOX
  /** Until the user zooms, the column width follows the view's width (narrower columns on a small screen). */
  private zoomed = false
  /** The text size of the last frame, and the sizes derived from it. */
  private px = TEXT_PX
  private labelW = 176
  private headerH = 28
  private following = true
  private lastVersion = -1
  private lastScroll = -1
  /** The scroller's client size and scroll position (see the constructor). */
  private viewW = 0
  private viewH = 0
  private scrollX = 0
  /** The scroll position the canvas was drawn at (the tail while following, else the page's). */
  private drawnX = 0
  /** While following, when the page's scroll position may next catch up with the tail. */
  private nextSync = 0
  private lastKey = ''
  /** When the logs may be drawn again (see render). */
  private nextDraw = 0
  private lastAria = ''
  private programmatic = -1
  /** The violation whose entries were last brought into view. */
  private shownViolation = ''
  private dpr = 1
  private w = 0
  private h = 0
  private rows: Row[] = []
  private base = 1
  private rowH = 30
  private disposers: (() => void)[] = []
  /** Told when following changes (the "follow the tail" button shows). */
  onFollow: (following: boolean) => void = () => undefined

  constructor(lab: Lab, scroller: HTMLElement) {
    this.lab = lab
    this.scroller = scroller
    this.content = document.createElement('div')
    this.content.className = 'tl-content'
    this.canvas = document.createElement('canvas')
    this.canvas.className = 'tl-canvas'
    this.canvas.setAttribute('role', 'img')
    this.content.append(this.canvas)
    scroller.append(this.content)
    this.surface = surfaceFor(this.canvas)
    this.paint = new DisplayList(this.surface.measure)
    // The scroller's size and scroll position are read where the layout is known (a resize, a scroll event), never
    // in the frame: reading them there would force a layout of the page after every panel update.
    this.viewW = scroller.clientWidth
    this.viewH = scroller.clientHeight
    this.scrollX = scroller.scrollLeft
    const onScroll = () => {
      const sl = this.scroller.scrollLeft
      this.scrollX = sl
      if (Math.abs(sl - this.programmatic) > 2) {
        const atEnd = sl >= this.scroller.scrollWidth - this.scroller.clientWidth - this.boxW
        this.setFollowing(atEnd)
      }
      this.lab.wake()
    }
    scroller.addEventListener('scroll', onScroll, { passive: true })
    const onMove = (e: MouseEvent) => this.hover(e)
    this.canvas.addEventListener('mousemove', onMove)
    const onClick = (e: MouseEvent) => this.click(e)
    this.canvas.addEventListener('click', onClick)
    const ro = new ResizeObserver(() => {
      this.viewW = scroller.clientWidth
      this.viewH = scroller.clientHeight
      this.scrollX = scroller.scrollLeft
      this.lastKey = ''
      this.lab.wake(true)
    })
    ro.observe(scroller)
    this.disposers.push(
      () => scroller.removeEventListener('scroll', onScroll),
      () => this.canvas.removeEventListener('mousemove', onMove),
      () => this.canvas.removeEventListener('click', onClick),
      () => ro.disconnect(),
      lab.addRenderer((f) => this.render(f)),
    )
  }

  destroy(): void {
    for (const d of this.disposers) d()
    this.surface.dispose()
    this.content.remove()
  }

  get boxWidth(): number {
    return this.boxW
  }

  zoom(dir: 1 | -1): void {
    const i = BOX_WIDTHS.indexOf(this.boxW)
    this.zoomed = true
    this.boxW = BOX_WIDTHS[Math.min(BOX_WIDTHS.length - 1, Math.max(0, (i < 0 ? BOX_WIDTHS.indexOf(DEFAULT_BOX) : i) + dir))]
    this.lastKey = ''
    this.lab.wake(true)
  }

  follow(): void {
    this.setFollowing(true)
    this.lastKey = ''
    this.lab.wake(true)
  }

  private setFollowing(on: boolean): void {
    if (on !== this.following) {
      this.following = on
      this.onFollow(on)
    }
  }

  private collect(): Row[] {
    const sched = this.lab.runtime.sched
    if (!sched) return []
    return this.lab.nodeIds().map((id) => {
      const live = this.lab.feed.node(id)
      return { id, state: live.state, summary: live.summary, log: sched.log(id) }
    })
  }

  private render(f: FrameInfo): boolean {
    const lab = this.lab
    const version = lab.feed.logVersion + lab.feed.structVersion * 1e-6
    const sl = this.scrollX
    const inv = lab.checks.involved
    const invKey = inv ? `${inv.time}:${inv.nodes.join()}:${inv.index ?? ''}` : ''
    const key = `${lab.theme}|${lab.projector}|${lab.selected}|${lab.record?.seq ?? ''}|${this.boxW}|${this.viewW}x${this.viewH}|${invKey}`
    const logsOnly = !f.dirty && sl === this.lastScroll && key === this.lastKey
    if (logsOnly && version === this.lastVersion) return false
    // Logs change at nearly every step: redraw them at most REDRAW_HZ times a second (the eye cannot follow
    // faster, and the canvas is large). Scrolling, resizing and selection redraw at once. The schedule keeps the
    // average rate when frames come unevenly; a few ms of slack keep a frame just early from waiting a whole frame.
    const interval = 1000 / Math.min(REDRAW_HZ, f.drawHz / 2)
    if (logsOnly && f.wall < this.nextDraw - 4) return true
    this.nextDraw = Math.max(this.nextDraw, f.wall - interval / 2) + interval
    this.lastVersion = version
    this.lastKey = key
    this.rows = this.collect()
    const { first, last } = indexRange(this.rows)
    this.base = first
    const cols = last - first + 3
    const viewW = this.viewW
    const viewH = this.viewH
    this.measure(viewH)
    if (!this.zoomed) this.boxW = viewW - this.labelW >= 7 * DEFAULT_BOX ? DEFAULT_BOX : 100
    const contentW = Math.max(viewW, this.labelW + cols * this.boxW)
    // A new violation: bring its index into view (off the tail if need be).
    let bringTo: number | null = null
    if (invKey !== this.shownViolation) {
      this.shownViolation = invKey
      if (inv && inv.index !== null) {
        const colX = (inv.index - first) * this.boxW
        const room = viewW - this.labelW
        const tail = Math.max(0, contentW - viewW)
        if (colX < tail || colX + this.boxW > tail + room) {
          this.setFollowing(false)
          bringTo = Math.min(tail, Math.max(0, colX + this.boxW / 2 - room / 2))
        }
      }
    }
    if (this.following) {
      // The canvas shows the tail at once; the page's scroll position (and the scrolled width) catch up with it at
      // most SCROLL_SYNC_MS apart while only the logs change: moving them forces a layout of the whole page.
      const target = Math.max(0, contentW - viewW)
      this.drawnX = target
      if (Math.abs(this.scrollX - target) > 1 && (!logsOnly || f.wall >= this.nextSync)) {
        this.setWidth(contentW)
        this.scrollTo(target)
        this.nextSync = f.wall + SCROLL_SYNC_MS
      }
    } else {
      this.setWidth(contentW)
      if (bringTo !== null) this.scrollTo(bringTo)
      this.drawnX = this.scrollX
    }
    this.lastScroll = this.scrollX
    this.resize(viewW, viewH)
    this.paint.begin()
    this.draw(this.drawnX)
    // Painted (and counted) only when the frame differs from what the canvas shows.
    if (this.paint.commit(this.surface.paint)) lab.loop.draws.timelines++
    return false
  }

  private setWidth(w: number): void {
    if (this.content.style.width !== `${w}px`) this.content.style.width = `${w}px`
  }

  /** Scroll to `x` (the browser may clamp it: read back what it did). */
  private scrollTo(x: number): void {
    this.programmatic = x
    this.scroller.scrollLeft = x
    this.scrollX = this.scroller.scrollLeft
  }

  /**
   * Row height and text size for a view `h` pixels high: the text is TEXT_PX (more in projector mode) whenever a row
   * can hold one line of it, and shrinks only when many nodes share a short view.
   */
  private measure(h: number): void {
    const base = this.lab.projector ? TEXT_PX_PROJECTOR : TEXT_PX
    const n = Math.max(1, this.rows.length)
    const headerFor = (px: number) => Math.round(px * 1.6)
    let px = base
    // One line of text needs a box of px + 6, and a row of the box + 6.
    while (px > TEXT_PX_MIN && Math.floor((h - headerFor(px) - 2) / n) < px + 12) px--
    this.px = px
    this.headerH = headerFor(px)
    this.rowH = Math.max(12, Math.min(Math.round(px * 3.4), Math.floor((h - this.headerH - 2) / n)))
    this.labelW = Math.round(px * 11.5)
    this.canvas.dataset.textPx = String(px)
    this.canvas.dataset.rowPx = String(this.rowH)
  }

  private resize(w: number, h: number): void {
    const dpr = window.devicePixelRatio || 1
    if (w === this.w && h === this.h && dpr === this.dpr) return
    this.w = w
    this.h = h
    this.dpr = dpr
    this.surface.resize(Math.round(w * dpr), Math.round(h * dpr))
    this.paint.invalidate()
    this.canvas.style.width = `${w}px`
    this.canvas.style.height = `${h}px`
  }

  private draw(scrollLeft: number): void {
    const { rows, lab } = this
    const ctx: Paint = this.paint
    const pal = lab.projector ? highContrast(PALETTES[lab.theme]) : PALETTES[lab.theme]
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0)
    ctx.clearRect(0, 0, this.w, this.h)
    const rowH = this.rowH
    const px = this.px
    const LABEL_W = this.labelW
    const HEADER_H = this.headerH
    const bw = this.boxW
    const leaderId = lab.leaderId()
    const leader = rows.find((r) => r.id === leaderId) ?? null
    const firstCol = Math.max(this.base, this.base + Math.floor(scrollLeft / bw) - 1)
    const lastCol = this.base + Math.ceil((scrollLeft + this.w - LABEL_W) / bw) + 1
    const x = (i: number) => LABEL_W + (i - this.base) * bw - scrollLeft
    const hl = new Set(lab.record?.nodes ?? [])

    // Header: index numbers.
    ctx.font = `600 ${px}px ${FONT}`
    ctx.fillStyle = pal.muted
    ctx.textAlign = 'center'
    ctx.textBaseline = 'middle'
    // Skip index numbers rather than let wide ones touch.
    const numW = ctx.measureText(String(lastCol)).width + px * 0.6
    const every = [1, 2, 5, 10, 20, 50].find((k) => k * bw >= numW) ?? 100
    for (let i = firstCol; i <= lastCol; i++) {
      if (i % every !== 0 && every > 1) continue
      const cx = x(i) + bw / 2
      if (cx < LABEL_W) continue
      ctx.fillText(String(i), cx, HEADER_H / 2)
    }

    rows.forEach((row, k) => {
      const top = HEADER_H + k * rowH
      const down = row.state === 'crashed' || row.state === 'corrupt' || row.state === 'starting'
      if (k % 2 === 1) {
        ctx.fillStyle = pal.fg
        ctx.globalAlpha = 0.04
        ctx.fillRect(0, top, this.w, rowH)
        ctx.globalAlpha = 1
      }
      if (row.id === lab.selected || hl.has(row.id)) {
        ctx.fillStyle = pal.accent
        ctx.globalAlpha = 0.1
        ctx.fillRect(0, top, this.w, rowH)
        ctx.globalAlpha = 1
      }
      ctx.save()
      ctx.beginPath()
      ctx.rect(LABEL_W, top, this.w - LABEL_W, rowH)
      ctx.clip()
      if (down) ctx.globalAlpha = 0.45
      const boxTop = top + 3
      const boxH = rowH - 7
      const snapIdx = row.log.snapshot.index
      // The snapshot: one band up to its index, closed by a bracket.
      if (snapIdx >= firstCol && snapIdx >= this.base) {
        const sx = Math.max(LABEL_W, x(this.base))
        const ex = x(snapIdx + 1) - 2
        if (ex > sx) {
          ctx.fillStyle = pal.edge
          ctx.globalAlpha = down ? 0.25 : 0.5
          ctx.fillRect(sx, boxTop, ex - sx, boxH)
          ctx.globalAlpha = down ? 0.45 : 1
          ctx.strokeStyle = pal.fg
          ctx.lineWidth = 2
          ctx.beginPath()
          ctx.moveTo(ex - 5, boxTop)
          ctx.lineTo(ex, boxTop)
          ctx.lineTo(ex, boxTop + boxH)
          ctx.lineTo(ex - 5, boxTop + boxH)
          ctx.stroke()
          const text = strings.log.snapshot(snapIdx, row.log.snapshot.term)
          ctx.font = `600 ${px}px ${FONT}`
          const tw = ctx.measureText(text).width
          if (ex - sx > tw + 12) {
            ctx.fillStyle = pal.fg
            ctx.textAlign = 'right'
            ctx.fillText(text, ex - 8, boxTop + boxH / 2)
          }
        }
      }
      for (let i = Math.max(firstCol, row.log.from); i <= lastCol; i++) {
        const c = cellAt(row, i, leader)
        if (c.kind !== 'entry' || !c.entry) {
          if (i > lastIndexOf(row.log)) break
          continue
        }
        this.box(ctx, pal, x(i) + 2, boxTop, bw - 4, boxH, c.entry.term, c.entry.label, c.committed, c.applied, c.conflict, c.entry.kind, px)
      }
      // Commit marker of this row: a bar after the last committed entry.
      const commit = row.summary?.commit ?? 0
      if (commit >= this.base) {
        const cx = x(commit + 1) - 1
        if (cx > LABEL_W) {
          ctx.fillStyle = pal.ok
          ctx.fillRect(cx - 1.5, top + 1, 3, rowH - 4)
        }
      }
      // The leader's view of this follower: match (filled) and next (hollow).
      const p = progressOf(leader, row.id)
      if (p) {
        this.marker(ctx, pal, x(p.match) + bw / 2, top + rowH - 4, true, px)
        this.marker(ctx, pal, x(p.next) + bw / 2, top + rowH - 4, false, px)
      }
      ctx.restore()
      ctx.globalAlpha = 1
      this.label(ctx, pal, row, top, rowH, row.id === leaderId)
    })

    // The leader's commit index: one line across every row, labelled in the header.
    if (leader?.summary) {
      const c = leader.summary.commit
      const cx = x(c + 1) - 1
      if (cx > LABEL_W && cx < this.w) {
        ctx.strokeStyle = pal.ok
        ctx.lineWidth = 2
        ctx.setLineDash([4, 3])
        ctx.beginPath()
        ctx.moveTo(cx, HEADER_H - 2)
        ctx.lineTo(cx, HEADER_H + rows.length * rowH)
        ctx.stroke()
        ctx.setLineDash([])
      }
    }
    // The leader's commit index, named in the corner above the labels (the line has the same colour).
    if (leader?.summary) {
      const text = strings.log.commitLine(leader.summary.commit)
      ctx.font = `700 ${px}px ${FONT}`
      ctx.fillStyle = pal.surface
      ctx.fillRect(0, 0, LABEL_W - 1, HEADER_H)
      ctx.strokeStyle = pal.ok
      ctx.lineWidth = 2
      ctx.setLineDash([4, 3])
      ctx.beginPath()
      ctx.moveTo(10, 4)
      ctx.lineTo(10, HEADER_H - 4)
      ctx.stroke()
      ctx.setLineDash([])
      ctx.fillStyle = pal.ok
      ctx.textAlign = 'left'
      ctx.fillText(fit(ctx, text, LABEL_W - 24), 18, HEADER_H / 2)
    }
    this.drawViolation(ctx, pal, x, firstCol, lastCol)
    // The label column's edge.
    ctx.fillStyle = pal.edge
    ctx.fillRect(LABEL_W - 1, HEADER_H, 1, rows.length * rowH)
    const aria = rows.map((r) => rowText(r)).join('; ')
    if (aria !== this.lastAria) {
      this.lastAria = aria
      this.canvas.setAttribute('aria-label', aria)
    }
  }

  /**
   * The entries of the first violation: a red band down its index and a thick red outline on each involved node's
   * entry there (dashed where the node lacks it or holds another entry there). The canvas's `data-violation` lists what was outlined, for tests.
   */
  private drawViolation(ctx: Paint, pal: Palette, x: (i: number) => number, firstCol: number, lastCol: number): void {
    const inv = this.lab.checks.involved
    const marked: string[] = []
    if (inv && inv.index !== null && inv.index >= firstCol && inv.index <= lastCol) {
      const i = inv.index
      const bw = this.boxW
      const left = x(i)
      const rowsH = this.rows.length * this.rowH
      ctx.save()
      ctx.beginPath()
      ctx.rect(this.labelW, 0, this.w - this.labelW, this.headerH + rowsH)
      ctx.clip()
      ctx.fillStyle = pal.danger
      ctx.globalAlpha = 0.12
      ctx.fillRect(left, this.headerH, bw, rowsH)
      ctx.globalAlpha = 1
      // The index number, in a red box.
      ctx.strokeStyle = pal.danger
      ctx.lineWidth = 2
      ctx.strokeRect(left + 2, 2, bw - 4, this.headerH - 4)
      this.rows.forEach((row, k) => {
        if (!inv.nodes.includes(row.id)) return
        const top = this.headerH + k * this.rowH
        const c = cellAt(row, i, null)
        // Holds the entry the violation is about (its term), another entry at that index, or none.
        const has = c.kind === 'entry' && c.entry !== undefined && (inv.term === null || c.entry.term === inv.term)
        const what = has ? 'entry' : c.kind === 'entry' ? 'differs' : 'missing'
        ctx.strokeStyle = pal.danger
        ctx.lineWidth = 4
        if (!has) ctx.setLineDash([6, 4])
        ctx.strokeRect(left + 1, top + 1, bw - 2, this.rowH - 3)
        ctx.setLineDash([])
        marked.push(`${row.id}@${i}:${what}`)
      })
      ctx.restore()
    }
    const text = marked.join(' ')
    if (this.canvas.dataset.violation !== text) this.canvas.dataset.violation = text
  }

  private box(
    ctx: Paint,
    pal: Palette,
    x: number,
    y: number,
    w: number,
    h: number,
    term: number,
    label: string,
    committed: boolean,
    applied: boolean,
    conflict: boolean,
    kind: string,
    px: number,
  ): void {
    ctx.fillStyle = termColour(term)
    if (committed) {
      ctx.fillRect(x, y, w, h)
      ctx.strokeStyle = 'rgba(0,0,0,0.55)'
      ctx.lineWidth = 1
      ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1)
    } else {
      // Not committed: pale, hatched, dashed outline.
      const a = ctx.globalAlpha
      ctx.globalAlpha = a * 0.45
      ctx.fillRect(x, y, w, h)
      ctx.globalAlpha = a
      ctx.save()
      ctx.beginPath()
      ctx.rect(x, y, w, h)
      ctx.clip()
      ctx.strokeStyle = termColour(term)
      ctx.lineWidth = 2
      // One path for every hatch line (they never overlap, so one stroke paints what one stroke each would).
      ctx.beginPath()
      for (let d = -h; d < w; d += 7) {
        ctx.moveTo(x + d, y + h)
        ctx.lineTo(x + d + h, y)
      }
      ctx.stroke()
      ctx.restore()
      ctx.strokeStyle = pal.fg
      ctx.lineWidth = 1.5
      ctx.setLineDash([4, 3])
      ctx.strokeRect(x + 0.75, y + 0.75, w - 1.5, h - 1.5)
      ctx.setLineDash([])
    }
    if (conflict) {
      ctx.strokeStyle = pal.danger
      ctx.lineWidth = 3
      ctx.strokeRect(x + 1.5, y + 1.5, w - 3, h - 3)
    }
    // Text: the command and the term, on two lines when the row is tall enough, else on one ("T1 set x=1"). The
    // hover title has the whole command when it is cut.
    ctx.fillStyle = '#111'
    ctx.textBaseline = 'middle'
    const twoLines = h >= 2 * px + 8
    const tickW = applied ? px : 0
    const termText = strings.node.termShort(term)
    if (w >= px * 3) {
      ctx.textAlign = 'left'
      const line1 = twoLines ? y + h * 0.3 : y + h / 2
      let tx = x + 4
      if (!twoLines) {
        ctx.font = `800 ${px}px ${FONT}`
        ctx.fillText(termText, tx, line1)
        tx += ctx.measureText(termText).width + px * 0.35
      }
      ctx.font = `${kind === 'command' ? 600 : 'italic 600'} ${px}px ${FONT}`
      // Leave room for the applied tick when it shares the line.
      const text = fit(ctx, label, x + w - tx - (twoLines ? 3 : tickW + 4))
      ctx.fillText(text, tx, line1)
      if (twoLines) {
        ctx.font = `800 ${px}px ${FONT}`
        ctx.fillText(termText, x + 4, y + h * 0.72)
      }
    } else if (w >= px * 1.2) {
      ctx.font = `800 ${px}px ${FONT}`
      ctx.textAlign = 'center'
      ctx.fillText(fit(ctx, String(term), w - 2), x + w / 2, y + h / 2)
    }
    if (applied && w >= px * 3) {
      ctx.font = `800 ${px}px ${FONT}`
      ctx.textAlign = 'right'
      ctx.fillStyle = '#0a5c2c'
      ctx.fillText('✓', x + w - 3, twoLines ? y + h * 0.72 : y + h / 2)
    }
  }

  private marker(ctx: Paint, pal: Palette, cx: number, y: number, filled: boolean, px: number): void {
    const k = px / 16
    ctx.beginPath()
    ctx.moveTo(cx, y - 7 * k)
    ctx.lineTo(cx + 6 * k, y + 2)
    ctx.lineTo(cx - 6 * k, y + 2)
    ctx.closePath()
    ctx.lineWidth = 2
    ctx.strokeStyle = pal.accent
    if (filled) {
      ctx.fillStyle = pal.accent
      ctx.fill()
    } else {
      ctx.fillStyle = pal.surface
      ctx.fill()
      ctx.stroke()
    }
  }

  private label(ctx: Paint, pal: Palette, row: Row, top: number, rowH: number, isLeader: boolean): void {
    const px = this.px
    const labelW = this.labelW
    ctx.fillStyle = pal.surface
    ctx.fillRect(0, top, labelW - 1, rowH)
    const mid = top + rowH / 2
    const twoLines = rowH >= 2 * px + 10
    ctx.textBaseline = 'middle'
    ctx.textAlign = 'left'
    ctx.fillStyle = pal.fg
    ctx.font = `800 ${px + 2}px ${FONT}`
    ctx.fillText(row.id, 6, mid)
    const idW = Math.max(ctx.measureText('n99').width, ctx.measureText(row.id).width) + px * 0.5
    const s = row.summary
    let chipW = 0
    if (s) {
      const t = strings.node.termShort(s.term)
      ctx.font = `700 ${px}px ${FONT}`
      const tw = ctx.measureText(t).width
      chipW = tw + px * 0.5
      const bx = labelW - chipW - 6
      const ch = Math.min(rowH - 4, px + 6)
      const cy = twoLines ? mid - px * 0.55 : mid
      ctx.fillStyle = termColour(s.term)
      ctx.fillRect(bx, cy - ch / 2, chipW, ch)
      ctx.fillStyle = '#111'
      ctx.fillText(t, bx + px * 0.25, cy + 1)
    }
    let tag = ''
    if (row.state !== 'up') tag = strings.states[row.state]
    else if (s) tag = isLeader ? `♛ ${strings.rolesShort.leader}` : this.lab.view.learners.includes(row.id) ? strings.node.learner : strings.rolesShort[s.role]
    const room = labelW - idW - chipW - 14
    ctx.font = `${isLeader ? 700 : 500} ${px}px ${FONT}`
    ctx.fillStyle = row.state === 'crashed' || row.state === 'corrupt' ? pal.danger : pal.muted
    ctx.fillText(fit(ctx, tag, room), idW, twoLines && s ? mid - px * 0.55 : mid)
    if (s && twoLines) {
      ctx.fillStyle = pal.muted
      ctx.font = `500 ${px}px ${FONT}`
      ctx.fillText(fit(ctx, strings.log.commitApplied(s.commit, s.applied), labelW - idW - 8), idW, mid + px * 0.6)
    }
  }

  private at(e: MouseEvent): { row: Row; index: number } | null {
    const r = this.canvas.getBoundingClientRect()
    const px = e.clientX - r.left
    const py = e.clientY - r.top
    const k = Math.floor((py - this.headerH) / this.rowH)
    const row = this.rows[k]
    if (!row) return null
    if (px < this.labelW) return { row, index: -1 }
    const index = this.base + Math.floor((px - this.labelW + this.drawnX) / this.boxW)
    return { row, index }
  }

  private hover(e: MouseEvent): void {
    const hit = this.at(e)
    if (!hit) {
      this.canvas.title = ''
      return
    }
    if (hit.index < 0) {
      this.canvas.title = rowText(hit.row)
      return
    }
    const leaderId = this.lab.leaderId()
    const leader = this.rows.find((r) => r.id === leaderId) ?? null
    const c = cellAt(hit.row, hit.index, leader)
    if (c.kind === 'entry' && c.entry) {
      const bits = [`${hit.row.id} #${hit.index}`, strings.node.term(c.entry.term), c.entry.label]
      bits.push(c.committed ? strings.log.legendCommitted : strings.log.legendUncommitted)
      if (c.applied) bits.push(strings.inspector.applied)
      if (c.conflict) bits.push(strings.log.legendConflict)
      this.canvas.title = bits.join(' · ')
    } else if (c.kind === 'snapshot') {
      this.canvas.title = strings.log.snapshot(hit.row.log.snapshot.index, hit.row.log.snapshot.term)
    } else this.canvas.title = ''
  }

  private click(e: MouseEvent): void {
    const hit = this.at(e)
    if (hit) this.lab.select(hit.row.id as NodeId)
  }
}

function rowText(r: Row): string {
  const s = r.summary
  return strings.log.rowSummary(r.id, r.log.from, lastIndexOf(r.log), s?.commit ?? 0, s?.applied ?? 0, r.log.snapshot.index)
}

const fitCache = new Map<string, string>()
/**
 * Labels cached at most: more than one frame draws (labels need boxes of 48 px or more: nine rows of a 4K-wide
 * screen's boxes, and the headers). Emptied when full; at 4,000 the cache alone swung the page's heap by about 1 MB
 * between two emptyings.
 */
const FIT_CACHE = 1000

/** `text` cut to `max` pixels with an ellipsis (cached: the same labels come back every frame). */
function fit(ctx: Paint, text: string, max: number): string {
  const key = `${ctx.font}|${max}|${text}`
  let out = fitCache.get(key)
  if (out === undefined) {
    out = fitNow(ctx, text, max)
    if (fitCache.size >= FIT_CACHE) fitCache.clear()
    fitCache.set(key, out)
  }
  return out
}

function fitNow(ctx: Paint, text: string, max: number): string {
  if (ctx.measureText(text).width <= max) return text
  let lo = 0
  let hi = text.length
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= max) lo = mid
    else hi = mid - 1
  }
  return lo > 0 ? `${text.slice(0, lo)}…` : ''
}
