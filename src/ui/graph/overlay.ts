/**
 * The canvas over the cytoscape graph: what moves every frame. Election timer rings, the leader's crown, term
 * chips, vote counters, state marks (crash cross, pause hatching, recovery pulse), edge pulses and the message
 * tokens. Drawn in rendered (screen) coordinates from cytoscape's node positions.
 */
import type { NodeId } from '../../raft/types.ts'
import { strings } from '../strings.ts'
import { MSG_COLOURS, termColour, type Palette } from '../theme.ts'
import type { NodeLive, Pulse, Token } from '../state/feed.ts'
import type { MsgKind } from '../state/messages.ts'
import type { Paint } from './displaylist.ts'
import { tokenPoint } from './layout.ts'

export interface OverlayNode {
  live: NodeLive
  learner: boolean
  joining: boolean
  /** Being removed by a membership change. */
  leaving?: boolean
  isolated: boolean
}

export interface OverlayInput {
  ctx: Paint
  width: number
  height: number
  zoom: number
  /** The node diameter in model units (it grows when the zoom is small, to hold the name). */
  nodeSize: number
  /** On-screen font sizes (CSS px) of node names and of the captions under the nodes. */
  namePx: number
  captionPx: number
  pos: (id: NodeId) => { x: number; y: number } | null
  nodes: OverlayNode[]
  tokens: Iterable<Token[]>
  pulses: Map<string, Pulse>
  now: number
  wall: number
  tickMs: number
  pal: Palette
  reduced: boolean
  selectedMsg: number | null
  highlightMsg: number | null
  highlightNodes: ReadonlySet<NodeId>
  /** Filled with the callouts drawn this frame (for tests). */
  callouts?: { node: NodeId; text: string }[]
}

/** A token where it was drawn, for clicks. */
export interface DrawnToken {
  token: Token
  x: number
  y: number
}

const PULSE_MS = 350
/** How long a callout stays beside its node (wall-clock ms). */
export const CALLOUT_MS = 6000
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x))
}

/** Draws one frame. Returns whether something animates in wall time (so the loop must keep running). */
export function drawOverlay(o: OverlayInput, drawn: DrawnToken[]): boolean {
  const { ctx, zoom: z, pal } = o
  ctx.clearRect(0, 0, o.width, o.height)
  let animating = false
  if (o.callouts) o.callouts.length = 0
  const r = (o.nodeSize / 2) * z

  // Edge pulses (heartbeats, losses), under everything else.
  for (const [key, p] of o.pulses) {
    const age = o.wall - p.wall
    if (age > PULSE_MS || age < 0) {
      if (age > PULSE_MS) o.pulses.delete(key)
      continue
    }
    const [a, b] = key.split('|')
    const pa = o.pos(a)
    const pb = o.pos(b)
    if (!pa || !pb) continue
    animating = true
    ctx.globalAlpha = o.reduced ? 0.35 : 0.5 * (1 - age / PULSE_MS)
    ctx.strokeStyle = p.lost ? pal.danger : MSG_COLOURS.heartbeat
    ctx.lineWidth = Math.max(3, 7 * z)
    ctx.lineCap = 'round'
    ctx.beginPath()
    ctx.moveTo(pa.x, pa.y)
    ctx.lineTo(pb.x, pb.y)
    ctx.stroke()
  }
  ctx.globalAlpha = 1

  for (const n of o.nodes) {
    const p = o.pos(n.live.id)
    if (!p) continue
    if (drawNode(o, n, p.x, p.y, r)) animating = true
  }

  drawn.length = 0
  const tokenSize = clamp(9 * z, 6, 14)
  for (const list of o.tokens) {
    for (const t of list) {
      const pa = o.pos(t.msg.from)
      const pb = o.pos(t.msg.to)
      if (!pa || !pb || t.sentAt > o.now) continue
      const span = Math.max(1e-6, t.arriveAt - t.sentAt)
      let f: number
      let alpha = 1
      if (o.reduced) {
        // Tokens jump: drawn halfway while in flight, no motion.
        f = 0.5
      } else f = (Math.min(o.now, t.stopAt) - t.sentAt) / span
      if (t.fate !== 'flying' && t.fate !== 'held' && o.now > t.stopAt) {
        alpha = clamp(1 - (o.now - t.stopAt) / Math.max(1e-6, t.endAt - t.stopAt), 0.15, 1)
      }
      if (t.fate === 'dropped' || t.fate === 'lost' || t.fate === 'removed') alpha = Math.min(alpha, o.now >= t.stopAt ? 0.85 : 1)
      const pt = tokenPoint(pa.x, pa.y, pb.x, pb.y, f, r, 8 * z)
      drawToken(ctx, t, pt.x, pt.y, tokenSize, alpha, pal, o.now >= t.stopAt && t.fate !== 'flying' && t.fate !== 'held')
      if (t.id === o.selectedMsg || t.id === o.highlightMsg) {
        ctx.globalAlpha = 1
        ctx.strokeStyle = pal.accent
        ctx.lineWidth = 3
        ctx.beginPath()
        ctx.arc(pt.x, pt.y, tokenSize + 6, 0, Math.PI * 2)
        ctx.stroke()
      }
      drawn.push({ token: t, x: pt.x, y: pt.y })
    }
  }
  ctx.globalAlpha = 1
  // Captions last, over the tokens: a node's term and role stay readable however busy its links are.
  const places: { n: OverlayNode; x: number; y: number }[] = []
  for (const n of o.nodes) {
    const p = o.pos(n.live.id)
    if (p) places.push({ n, x: p.x, y: p.y })
  }
  const midX = places.reduce((a, p) => a + p.x, 0) / Math.max(1, places.length)
  for (const p of places) {
    const side = captionSide(o, places, p, r, midX, captionWidth(o, p.n))
    if (drawCaptions(o, p.n, p.x, p.y, r, side)) animating = true
  }
  return animating
}

function drawNode(o: OverlayInput, n: OverlayNode, x: number, y: number, r: number): boolean {
  const { ctx, zoom: z, pal } = o
  const live = n.live
  const s = live.summary
  const up = live.state === 'up' || live.state === 'paused'
  let animating = false

  // Election timer: a ring draining clockwise from the top.
  // Learners never campaign, so they have no timer to show.
  if (s && up && s.role !== 'leader' && !n.joining && !n.learner && s.electionTimeout > 0) {
    const between = live.state === 'up' ? clamp((o.now - live.summaryAt) / o.tickMs, 0, 1) : 0
    const left = clamp(1 - (s.electionElapsed + between) / s.electionTimeout, 0, 1)
    const rr = r + 8 * z
    ctx.lineWidth = Math.max(3, 6 * z)
    ctx.lineCap = 'butt'
    ctx.strokeStyle = pal.edge
    ctx.globalAlpha = 0.5
    ctx.beginPath()
    ctx.arc(x, y, rr, 0, Math.PI * 2)
    ctx.stroke()
    ctx.globalAlpha = 1
    ctx.strokeStyle = left < 0.25 ? pal.danger : s.role === 'follower' ? pal.muted : pal.role.candidate.border
    ctx.beginPath()
    ctx.arc(x, y, rr, -Math.PI / 2, -Math.PI / 2 + left * Math.PI * 2)
    ctx.stroke()
  }

  // Highlight from the event log.
  if (o.highlightNodes.has(live.id)) {
    ctx.strokeStyle = pal.accent
    ctx.lineWidth = Math.max(2, 3 * z)
    ctx.setLineDash([6, 4])
    ctx.beginPath()
    ctx.arc(x, y, r + 16 * z, 0, Math.PI * 2)
    ctx.stroke()
    ctx.setLineDash([])
  }

  if (live.state === 'starting') {
    // Recovering: a pulsing ring (a still dashed ring with reduced motion).
    const phase = o.reduced ? 0.5 : (Math.sin(o.wall / 180) + 1) / 2
    ctx.strokeStyle = pal.accent
    ctx.globalAlpha = o.reduced ? 0.8 : 0.3 + 0.6 * phase
    ctx.lineWidth = Math.max(2, 4 * z)
    if (o.reduced) ctx.setLineDash([5, 5])
    ctx.beginPath()
    ctx.arc(x, y, r + (6 + 6 * phase) * z, 0, Math.PI * 2)
    ctx.stroke()
    ctx.setLineDash([])
    ctx.globalAlpha = 1
    animating = !o.reduced
  }

  if (live.state === 'paused') {
    // Hatching over the node.
    ctx.save()
    ctx.beginPath()
    ctx.arc(x, y, r - 1, 0, Math.PI * 2)
    ctx.clip()
    ctx.strokeStyle = pal.fg
    ctx.globalAlpha = 0.35
    ctx.lineWidth = Math.max(1.5, 2.5 * z)
    const step = 9 * z
    for (let d = -2 * r; d < 2 * r; d += step) {
      ctx.beginPath()
      ctx.moveTo(x + d - r, y + r)
      ctx.lineTo(x + d + r, y - r)
      ctx.stroke()
    }
    ctx.restore()
    ctx.globalAlpha = 1
  }

  if (live.state === 'crashed') {
    ctx.strokeStyle = pal.danger
    ctx.lineWidth = Math.max(3, 5 * z)
    ctx.lineCap = 'round'
    const k = r * 0.62
    ctx.beginPath()
    ctx.moveTo(x - k, y - k)
    ctx.lineTo(x + k, y + k)
    ctx.moveTo(x + k, y - k)
    ctx.lineTo(x - k, y + k)
    ctx.stroke()
    // The name stays readable on top of the cross.
    ctx.font = `700 ${o.namePx}px ${FONT}`
    ctx.textAlign = 'center'
    ctx.textBaseline = 'middle'
    ctx.lineJoin = 'round'
    ctx.lineWidth = Math.max(4, o.namePx * 0.3)
    ctx.strokeStyle = pal.bg
    ctx.strokeText(live.id, x, y)
    ctx.fillStyle = pal.fg
    ctx.fillText(live.id, x, y)
    ctx.lineJoin = 'miter'
  }

  // Crown over the leader.
  if (s && s.role === 'leader' && up) {
    const w = 34 * z
    const h = 20 * z
    const top = y - r - 14 * z - h
    ctx.fillStyle = pal.crown
    ctx.strokeStyle = pal.fg
    ctx.lineWidth = Math.max(1.5, 2 * z)
    ctx.beginPath()
    ctx.moveTo(x - w / 2, top + h)
    ctx.lineTo(x - w / 2, top + h * 0.25)
    ctx.lineTo(x - w / 4, top + h * 0.6)
    ctx.lineTo(x, top)
    ctx.lineTo(x + w / 4, top + h * 0.6)
    ctx.lineTo(x + w / 2, top + h * 0.25)
    ctx.lineTo(x + w / 2, top + h)
    ctx.closePath()
    ctx.fill()
    ctx.stroke()
  }

  return animating
}

/** The height of the caption block under a node (gap, term chip, role line), in screen pixels. */
function captionBlock(o: Pick<OverlayInput, 'captionPx' | 'zoom'>): { gap: number; height: number; half: number } {
  const fs = o.captionPx
  const gap = Math.max(8, 14 * o.zoom)
  // Half the width of a usual caption: what a neighbour below must keep clear of.
  return { gap, height: gap + fs * 3.2, half: fs * 4 }
}

/**
 * Where a node's captions go: under it (0), or beside it on the outer side (-1 left, 1 right) when under it they
 * would cover another node, as they do on a low, wide graph area where the nodes at the sides sit close above each
 * other.
 */
export function captionSide(
  o: Pick<OverlayInput, 'captionPx' | 'zoom' | 'width'>,
  places: readonly { x: number; y: number }[],
  p: { x: number; y: number },
  r: number,
  midX: number,
  need: number,
): -1 | 0 | 1 {
  const b = captionBlock(o)
  const top = p.y + r
  const bottom = top + b.height
  for (const q of places) {
    if (q === p) continue
    if (Math.abs(q.x - p.x) < b.half + r && q.y + r > top && q.y - r < bottom) {
      const side = p.x < midX ? -1 : 1
      // Only where the captions (`need` pixels wide) fit between the rim and the edge of the graph.
      const far = p.x + side * (r + b.gap + need)
      return far >= 0 && far <= o.width ? side : 0
    }
  }
  return 0
}

/** How wide a node's captions are (the wider of the term chip and the role line), in screen pixels. */
function captionWidth(o: OverlayInput, n: OverlayNode): number {
  const { ctx } = o
  const fs = o.captionPx
  const s = n.live.summary
  const up = n.live.state === 'up' || n.live.state === 'paused'
  let w = 0
  if (s && up && !n.joining) {
    ctx.font = `700 ${fs}px ${FONT}`
    w = ctx.measureText(strings.node.term(s.term)).width + fs
  }
  const caption = nodeCaption(n)
  if (caption) {
    ctx.font = `${s?.role === 'leader' && up ? 800 : 600} ${fs}px ${FONT}`
    w = Math.max(w, ctx.measureText(caption).width + 4)
  }
  return w
}

/**
 * Under the node (or beside it, `side`): the term chip, then the role or state; and the count of messages a paused
 * node holds.
 */
function drawCaptions(o: OverlayInput, n: OverlayNode, x: number, y: number, r: number, side: -1 | 0 | 1 = 0): boolean {
  const { ctx, zoom: z, pal } = o
  let animating = false
  const live = n.live
  const s = live.summary
  const up = live.state === 'up' || live.state === 'paused'
  const fs = o.captionPx
  // The leader's double border is thicker: start below it (or beside it).
  const below = s?.role === 'leader' && up ? 5 * z : 0
  const gap = captionBlock(o).gap
  const hh = fs * 1.35
  const chip = s && up && !n.joining
  // Beside the node: the two lines centred on it, starting (or, on the left, ending) past its rim.
  let cy = side === 0 ? y + r + below + gap + fs / 2 : y - (chip ? (hh + fs * 0.85) / 2 : 0)
  const edge = x + side * (r + below + gap * 0.6)
  const align: CanvasTextAlign = side === 0 ? 'center' : side < 0 ? 'right' : 'left'
  if (chip) {
    const text = strings.node.term(s.term)
    ctx.font = `700 ${fs}px ${FONT}`
    const tw = ctx.measureText(text).width
    const padX = fs * 0.5
    const left = side === 0 ? x - tw / 2 - padX : side > 0 ? edge : edge - tw - 2 * padX
    ctx.fillStyle = termColour(s.term)
    roundRect(ctx, left, cy - hh / 2, tw + 2 * padX, hh, hh / 2)
    ctx.fill()
    ctx.strokeStyle = 'rgba(0,0,0,0.45)'
    ctx.lineWidth = 1
    ctx.stroke()
    ctx.fillStyle = '#111'
    ctx.textAlign = 'center'
    ctx.textBaseline = 'middle'
    ctx.fillText(text, left + padX + tw / 2, cy + 1)
    cy += hh / 2 + fs * 0.85
  }
  const caption = nodeCaption(n)
  if (caption) {
    const cx = side === 0 ? x : edge
    ctx.font = `${s?.role === 'leader' && up ? 800 : 600} ${fs}px ${FONT}`
    ctx.textAlign = align
    ctx.textBaseline = 'middle'
    ctx.lineWidth = 4
    ctx.strokeStyle = pal.bg
    ctx.strokeText(caption, cx, cy)
    ctx.fillStyle = live.state === 'crashed' || live.state === 'corrupt' ? pal.danger : pal.fg
    ctx.fillText(caption, cx, cy)
  }

  // Why the user's action changed nothing visible (a callout to the side, for a few seconds).
  if (live.callout) {
    const age = o.wall - live.callout.wall
    if (age >= 0 && age < CALLOUT_MS) {
      drawCallout(o, live.callout.text, x, y, r)
      o.callouts?.push({ node: live.id, text: live.callout.text })
      animating = true
    } else if (age >= CALLOUT_MS) live.callout = undefined
  }

  // Messages waiting in a paused node's inbox.
  if (live.held > 0) {
    const text = `✉ ${live.held}`
    const bfs = o.captionPx
    ctx.font = `700 ${bfs}px ${FONT}`
    const tw = ctx.measureText(text).width
    const bx = x + r * 0.75
    const by = y - r * 0.85
    ctx.fillStyle = pal.warn
    roundRect(ctx, bx - 4, by - bfs * 0.7, tw + 8, bfs * 1.4, 6)
    ctx.fill()
    ctx.fillStyle = '#111'
    ctx.textAlign = 'left'
    ctx.fillText(text, bx, by)
  }
  return animating
}

/** A boxed sentence beside a node, on the side with more room, wrapped to two lines at most. */
function drawCallout(o: OverlayInput, text: string, x: number, y: number, r: number): void {
  const { ctx, zoom: z, pal } = o
  const fs = clamp(16 * z, 16, 22)
  ctx.font = `700 ${fs}px ${FONT}`
  const maxW = Math.max(120, Math.min(260 * z, o.width * 0.3))
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word
    if (line && ctx.measureText(next).width > maxW) {
      lines.push(line)
      line = word
    } else line = next
  }
  if (line) lines.push(line)
  const w = Math.max(...lines.map((l) => ctx.measureText(l).width)) + fs
  const lh = fs * 1.3
  const h = lines.length * lh + fs * 0.6
  const right = x + r + 14 * z + w < o.width - 4
  const bx = right ? x + r + 14 * z : x - r - 14 * z - w
  const by = clamp(y - h / 2, 2, o.height - h - 2)
  ctx.fillStyle = pal.surface
  ctx.strokeStyle = pal.warn
  ctx.lineWidth = 2.5
  roundRect(ctx, bx, by, w, h, 6)
  ctx.fill()
  ctx.stroke()
  // A short pointer to the node.
  ctx.beginPath()
  ctx.moveTo(right ? bx : bx + w, y)
  ctx.lineTo(right ? x + r + 2 : x - r - 2, y)
  ctx.stroke()
  ctx.fillStyle = pal.fg
  ctx.textAlign = 'left'
  ctx.textBaseline = 'middle'
  lines.forEach((l, i) => ctx.fillText(l, bx + fs / 2, by + fs * 0.3 + lh * (i + 0.5)))
}

/** The second caption line: role (with votes while campaigning) or the node's state, and "leaving" while removed. */
export function nodeCaption(n: OverlayNode): string {
  const base = roleCaption(n)
  return n.leaving && n.live.state !== 'removed' ? (base ? `${base} · ${strings.node.leaving}` : strings.node.leaving) : base
}

function roleCaption(n: OverlayNode): string {
  const live = n.live
  const s = live.summary
  const st = strings.states
  switch (live.state) {
    case 'crashed':
    case 'corrupt':
    case 'starting':
    case 'removed':
      return st[live.state]
    case 'paused':
      return `${st.paused}${s ? ` · ${strings.roles[s.role]}` : ''}`
    case 'up':
      break
  }
  if (n.joining) return strings.node.joining
  if (!s) return ''
  const iso = n.isolated ? ' · ⊘' : ''
  if (n.learner) return `${strings.node.learner}${iso}`
  if (s.role === 'candidate' || s.role === 'precandidate') return `${strings.roles[s.role]} · ${strings.node.votes(s.votesGranted, s.voters.length)}${iso}`
  return `${s.role === 'leader' ? strings.roles.leader.toUpperCase() : strings.roles[s.role]}${iso}`
}

function roundRect(ctx: Paint, x: number, y: number, w: number, h: number, r: number): void {
  ctx.beginPath()
  ctx.moveTo(x + r, y)
  ctx.arcTo(x + w, y, x + w, y + h, r)
  ctx.arcTo(x + w, y + h, x, y + h, r)
  ctx.arcTo(x, y + h, x, y, r)
  ctx.arcTo(x, y, x + w, y, r)
  ctx.closePath()
}

/** The glyph of a kind: tells kinds apart without colour. */
export function glyphPath(ctx: Paint, kind: MsgKind, x: number, y: number, s: number): void {
  ctx.beginPath()
  switch (kind) {
    case 'append':
      ctx.rect(x - s, y - s * 0.8, 2 * s, 1.6 * s)
      break
    case 'heartbeat':
      ctx.arc(x, y, s * 0.7, 0, Math.PI * 2)
      break
    case 'vote':
      ctx.moveTo(x, y - s * 1.1)
      ctx.lineTo(x + s * 1.1, y)
      ctx.lineTo(x, y + s * 1.1)
      ctx.lineTo(x - s * 1.1, y)
      ctx.closePath()
      break
    case 'prevote':
      ctx.moveTo(x, y - s * 1.1)
      ctx.lineTo(x + s * 1.05, y + s * 0.8)
      ctx.lineTo(x - s * 1.05, y + s * 0.8)
      ctx.closePath()
      break
    case 'snapshot':
      for (let i = 0; i < 6; i++) {
        const a = (Math.PI / 3) * i
        const px = x + s * 1.1 * Math.cos(a)
        const py = y + s * 1.1 * Math.sin(a)
        if (i === 0) ctx.moveTo(px, py)
        else ctx.lineTo(px, py)
      }
      ctx.closePath()
      break
    case 'timeout':
      for (let i = 0; i < 10; i++) {
        const a = -Math.PI / 2 + (Math.PI / 5) * i
        const rr = i % 2 === 0 ? s * 1.2 : s * 0.5
        const px = x + rr * Math.cos(a)
        const py = y + rr * Math.sin(a)
        if (i === 0) ctx.moveTo(px, py)
        else ctx.lineTo(px, py)
      }
      ctx.closePath()
      break
  }
}

function drawToken(ctx: Paint, t: Token, x: number, y: number, s: number, alpha: number, pal: Palette, lost: boolean): void {
  const colour = MSG_COLOURS[t.info.kind]
  ctx.globalAlpha = alpha
  glyphPath(ctx, t.info.kind, x, y, s)
  if (t.info.reply) {
    ctx.fillStyle = pal.surface
    ctx.fill()
    ctx.strokeStyle = colour
    ctx.lineWidth = Math.max(2, s * 0.3)
    ctx.stroke()
  } else {
    ctx.fillStyle = colour
    ctx.fill()
    ctx.strokeStyle = pal.fg
    ctx.lineWidth = 1
    ctx.stroke()
  }
  if (t.info.kind === 'append' && !t.info.reply && t.info.entries > 0) {
    ctx.fillStyle = '#fff'
    ctx.font = `700 ${Math.round(s * 1.25)}px ${FONT}`
    ctx.textAlign = 'center'
    ctx.textBaseline = 'middle'
    ctx.fillText(t.info.entries > 99 ? '99+' : String(t.info.entries), x, y + 1)
  }
  if (t.info.reply && t.info.ok !== null) {
    ctx.font = `800 ${Math.round(s * 1.3)}px ${FONT}`
    ctx.textAlign = 'center'
    ctx.textBaseline = 'middle'
    ctx.fillStyle = t.info.ok ? pal.ok : pal.danger
    ctx.fillText(t.info.ok ? '✓' : '✗', x, y + 1)
  }
  if (lost) {
    ctx.globalAlpha = Math.min(1, alpha + 0.2)
    ctx.strokeStyle = pal.danger
    ctx.lineWidth = 2.5
    const k = s * 1.2
    ctx.beginPath()
    ctx.moveTo(x - k, y - k)
    ctx.lineTo(x + k, y + k)
    ctx.moveTo(x + k, y - k)
    ctx.lineTo(x - k, y + k)
    ctx.stroke()
  }
  ctx.globalAlpha = 1
}
