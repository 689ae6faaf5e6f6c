/**
 * The cluster graph: cytoscape draws the nodes and links (shapes, borders, cut links) and takes the clicks; a
 * canvas on top draws what moves (see overlay.ts). Cytoscape is loaded lazily, so only `import type` here.
 * Everything is synced from the Lab in the frame loop, and only what changed is touched.
 */
import type { Core, EventObject, StylesheetJson } from 'cytoscape'
import type { NodeId } from '../../raft/types.ts'
import type { FrameInfo, Lab } from '../state/lab.svelte.ts'
import { pairKey } from '../state/messages.ts'
import { PALETTES, highContrast, type Palette, type ThemeName } from '../theme.ts'
import { NODE_SIZE, circlePositions, circleRadius, stretchFor } from './layout.ts'
import { DisplayList } from './displaylist.ts'
import { surfaceFor, type Surface } from './surface.ts'
import { drawOverlay, type DrawnToken, type OverlayNode } from './overlay.ts'
import { gateLoopsOf, type Gate } from './rafgate.ts'

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
const MOVE_MS = 450
/** On-screen text sizes (CSS px) the graph never goes below: node names, and the captions under them. */
const NAME_PX = 18
const CAPTION_PX = 16
/** Projector mode: this much larger. */
const PROJECTOR_SCALE = 1.35
/**
 * A band at the top of the graph's area, in rem, kept free of nodes: the busy pill (LabApp.svelte, 0.6rem from the
 * top, about 2.3rem high) shows there while a membership change waits, and would otherwise cover the top node.
 */
const TOP_BAND_REM = 3.2

/** The top band's height in pixels for a graph area `h` pixels high (at most a quarter of it). */
function topBand(h: number): number {
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16
  return Math.min(h / 4, TOP_BAND_REM * rem)
}

/**
 * How much of the graph area's left side an open legend (an element marked `data-graph-aside` next to the graph)
 * covers, in pixels: its right edge, when it is at least a third as tall as the area (open); 0 when folded, and at
 * most a third of the width.
 */
function asideWidth(host: HTMLElement): number {
  const area = host.getBoundingClientRect()
  let w = 0
  for (const el of host.parentElement?.querySelectorAll('[data-graph-aside]') ?? []) {
    const r = el.getBoundingClientRect()
    if (r.height >= area.height / 3) w = Math.max(w, r.right - area.left + 8)
  }
  return Math.max(0, Math.min(area.width / 3, w))
}

/** Sizes in model units: the node's diameter and its name's font size (cytoscape scales both by the zoom). */
interface Dims {
  node: number
  font: number
}

function style(p: Palette, d: Dims = { node: NODE_SIZE, font: 21 }): StylesheetJson {
  return [
    {
      selector: 'node',
      style: {
        width: d.node,
        height: d.node,
        shape: 'ellipse',
        'background-color': p.role.follower.fill,
        'border-width': 2.5,
        'border-color': p.role.follower.border,
        'border-style': 'solid',
        label: 'data(id)',
        color: p.role.follower.text,
        'font-size': d.font,
        'font-weight': 700,
        'font-family': FONT,
        'text-valign': 'center',
        'text-halign': 'center',
      },
    },
    {
      selector: 'node.role-precandidate',
      style: { 'background-color': p.role.precandidate.fill, 'border-color': p.role.precandidate.border, 'border-style': 'dotted', 'border-width': 5, color: p.role.precandidate.text },
    },
    {
      selector: 'node.role-candidate',
      style: { 'background-color': p.role.candidate.fill, 'border-color': p.role.candidate.border, 'border-style': 'dashed', 'border-width': 5, color: p.role.candidate.text },
    },
    {
      selector: 'node.role-leader',
      style: { 'background-color': p.role.leader.fill, 'border-color': p.role.leader.border, 'border-style': 'double', 'border-width': 9, color: p.role.leader.text, 'font-size': Math.round(d.font * 1.1) },
    },
    { selector: 'node.learner', style: { shape: 'round-rectangle' } },
    { selector: 'node.joining', style: { shape: 'round-rectangle', 'border-style': 'dashed', 'background-opacity': 0.55 } },
    { selector: 'node.leaving', style: { 'background-opacity': 0.4, 'border-opacity': 0.6 } },
    { selector: 'node.st-starting', style: { 'background-opacity': 0.55 } },
    {
      selector: 'node.st-crashed',
      style: { 'background-color': p.crashed, 'border-color': p.crashed, 'border-style': 'solid', 'border-width': 2.5, color: p.fg, 'background-opacity': 0.55 },
    },
    {
      selector: 'node.st-corrupt',
      style: { 'background-color': p.crashed, 'border-color': p.danger, 'border-style': 'solid', 'border-width': 7, color: p.fg },
    },
    { selector: 'node.multi', style: { 'underlay-color': p.accent, 'underlay-padding': 16, 'underlay-opacity': 0.18, 'underlay-shape': 'ellipse' } },
    { selector: 'node.sel', style: { 'underlay-color': p.accent, 'underlay-padding': 16, 'underlay-opacity': 0.35, 'underlay-shape': 'ellipse' } },
    // The nodes of the first violation: a red halo, over any selection.
    { selector: 'node.violation', style: { 'underlay-color': p.danger, 'underlay-padding': 20, 'underlay-opacity': 0.55, 'underlay-shape': 'ellipse' } },
    {
      selector: 'edge',
      style: { width: 3, 'line-color': p.edge, 'curve-style': 'straight', opacity: 0.95, 'arrow-scale': 1.8 },
    },
    { selector: 'edge.custom', style: { 'line-color': p.warn, width: 4, 'line-style': 'dotted' } },
    { selector: 'edge.cut-both', style: { 'line-color': p.danger, 'line-style': 'dashed', 'line-dash-pattern': [10, 8], opacity: 0.75, width: 3 } },
    {
      selector: 'edge.cut-st',
      style: { 'line-color': p.warn, 'line-style': 'dashed', 'line-dash-pattern': [10, 8], 'target-arrow-shape': 'tee', 'target-arrow-color': p.danger },
    },
    {
      selector: 'edge.cut-ts',
      style: { 'line-color': p.warn, 'line-style': 'dashed', 'line-dash-pattern': [10, 8], 'source-arrow-shape': 'tee', 'source-arrow-color': p.danger },
    },
    { selector: 'edge.hl', style: { 'line-color': p.accent, width: 5, opacity: 1 } },
    { selector: 'edge.sel', style: { 'line-color': p.accent, width: 7, opacity: 1 } },
    // The links of the messages the violation's nodes received in the step that broke it.
    { selector: 'edge.violation', style: { 'line-color': p.danger, width: 7, opacity: 1, 'line-style': 'solid' } },
  ]
}

export class GraphView {
  private readonly lab: Lab
  private readonly host: HTMLElement
  private cy: Core | null = null
  private canvas: HTMLCanvasElement | null = null
  /** Where the overlay is painted (a paint worker when the browser allows). */
  private surface: (Surface & { dispose(): void }) | null = null
  /** The overlay's frame is recorded here and painted only when it differs from the one on the canvas. */
  private list: DisplayList | null = null
  /** Cytoscape's own render loop, held: it runs only in frames where cytoscape has something to draw. */
  private gate: Gate | null = null
  private dpr = 1
  private width = 0
  private height = 0
  private members: NodeId[] = []
  private nodeClass = new Map<NodeId, string>()
  private edgeClass = new Map<string, string>()
  private theme: ThemeName | null = null
  private moveUntil = 0
  private drawn: DrawnToken[] = []
  private boxed: NodeId[] = []
  private boxAdditive = false
  private disposers: (() => void)[] = []
  private destroyed = false
  private resized = true
  /** Pixels at the left of the graph's area covered by an open legend (see asideWidth). */
  private aside = 0
  private stretch = 1
  private structKey = ''
  private lastNet: unknown = null
  private dims: Dims = { node: NODE_SIZE, font: 21 }
  private captionPx = CAPTION_PX
  private projector = false
  private callouts: { node: NodeId; text: string }[] = []
  private pointerUntil = 0

  constructor(lab: Lab, host: HTMLElement) {
    this.lab = lab
    this.host = host
  }

  async start(): Promise<void> {
    const { default: cytoscape } = await import('cytoscape')
    if (this.destroyed) return
    const box = document.createElement('div')
    box.className = 'cy'
    const canvas = document.createElement('canvas')
    canvas.className = 'overlay'
    canvas.setAttribute('aria-hidden', 'true')
    this.host.append(box, canvas)
    this.canvas = canvas
    this.surface = surfaceFor(canvas)
    this.list = new DisplayList(this.surface.measure)
    const options = {
      container: box,
      elements: [],
      style: style(PALETTES[this.lab.theme]),
      userZoomingEnabled: false,
      userPanningEnabled: false,
      boxSelectionEnabled: true,
      autoungrabify: true,
      autounselectify: true,
      minZoom: 0.2,
      maxZoom: 1.9,
    }
    const gate = gateLoopsOf(() => cytoscape(options))
    const cy = gate.value
    this.disposers.push(gate.release)
    this.gate = gate
    this.cy = cy
    // Cytoscape draws hover and box selection on its own frames: keep the loop awake while the pointer acts, and
    // let cytoscape's loop run freely meanwhile (see render).
    const poke = () => {
      this.pointerUntil = performance.now() + 600
      this.lab.linger(600)
    }
    this.host.addEventListener('pointermove', poke, { passive: true })
    this.host.addEventListener('pointerdown', poke, { passive: true })
    this.disposers.push(() => {
      this.host.removeEventListener('pointermove', poke)
      this.host.removeEventListener('pointerdown', poke)
    })
    this.theme = this.lab.theme
    // One tap handler: a message token (drawn over the links) wins over the link or node under it.
    cy.on('tap', (e: EventObject) => {
      const target = e.target
      // Over a node, only a direct hit on a token counts; elsewhere a near miss does too.
      const z = cy.zoom()
      const radius = target !== cy && target.isNode() ? Math.max(6, 9 * z) : Math.max(10, 16 * z)
      const hit = this.hitToken(e.renderedPosition.x, e.renderedPosition.y, radius)
      if (hit) this.lab.selectMessage(hit)
      else if (target !== cy && target.isNode()) {
        const oe = e.originalEvent as MouseEvent | undefined
        this.lab.select(target.id(), !!(oe && (oe.shiftKey || oe.ctrlKey || oe.metaKey)))
      } else if (target !== cy && target.isEdge()) this.lab.selectLink(target.data('source'), target.data('target'))
      else this.lab.clearSelection()
    })
    cy.on('boxstart', (e: EventObject) => {
      const oe = e.originalEvent as MouseEvent | undefined
      this.boxAdditive = !!(oe && (oe.shiftKey || oe.ctrlKey || oe.metaKey))
      this.boxed = []
    })
    cy.on('box', 'node', (e: EventObject) => {
      if (this.boxed.length === 0) {
        queueMicrotask(() => {
          const ids = this.boxAdditive ? [...this.lab.multi, ...this.boxed] : this.boxed
          this.boxed = []
          this.lab.setMulti(ids)
        })
      }
      this.boxed.push(e.target.id())
    })
    // Cytoscape redraws its canvas (nodes and links) on its own loop, only when something changed: count those draws.
    cy.on('render', () => this.lab.loop.draws.graphLibrary++)
    cy.on('mouseover', 'node, edge', () => (box.style.cursor = 'pointer'))
    cy.on('mouseout', 'node, edge', () => (box.style.cursor = ''))
    const ro = new ResizeObserver(() => {
      this.aside = asideWidth(this.host)
      this.resized = true
      this.lab.wake(true)
    })
    ro.observe(this.host)
    // What lies over the graph's left edge (the legend, open or folded): the nodes keep clear of it.
    for (const el of this.host.parentElement?.querySelectorAll('[data-graph-aside]') ?? []) ro.observe(el)
    this.disposers.push(() => ro.disconnect())
    this.disposers.push(this.lab.addRenderer((f) => this.render(f)))
  }

  destroy(): void {
    this.destroyed = true
    for (const d of this.disposers) d()
    this.disposers = []
    this.cy?.destroy()
    this.cy = null
    this.surface?.dispose()
    this.canvas?.remove()
  }

  /** Where node `id` is on the screen (page coordinates), for tests and tooltips. */
  nodeClientPosition(id: NodeId): { x: number; y: number } | null {
    const n = this.cy?.$id(id)
    if (!n || n.empty()) return null
    const p = n.renderedPosition()
    const r = this.host.getBoundingClientRect()
    return { x: r.left + p.x, y: r.top + p.y }
  }

  /**
   * The text sizes on screen, in CSS px (for tests): node names as cytoscape renders them at the current zoom, and
   * the captions (term, role) the overlay draws.
   */
  textSizes(): { name: number; leaderName: number; caption: number } {
    const z = this.cy?.zoom() ?? 1
    return { name: this.dims.font * z, leaderName: Math.round(this.dims.font * 1.1) * z, caption: this.captionPx }
  }

  /** Tokens drawn in the last frame, in page coordinates (for tests). */
  tokenClientPositions(): { id: number; type: string; x: number; y: number }[] {
    const r = this.host.getBoundingClientRect()
    return this.drawn.map((d) => ({ id: d.token.id, type: d.token.msg.type, x: r.left + d.x, y: r.top + d.y }))
  }

  /** The callouts drawn in the last frame (sentences beside nodes), for tests. */
  calloutsShown(): { node: NodeId; text: string }[] {
    return this.callouts.slice()
  }

  /** The page position of the middle of the link a-b. */
  linkClientPosition(a: NodeId, b: NodeId): { x: number; y: number } | null {
    const pa = this.nodeClientPosition(a)
    const pb = this.nodeClientPosition(b)
    return pa && pb ? { x: (pa.x + pb.x) / 2, y: (pa.y + pb.y) / 2 } : null
  }

  private hitToken(x: number, y: number, radius: number) {
    let best: DrawnToken | null = null
    let bd = radius * radius
    for (const d of this.drawn) {
      const dd = (d.x - x) ** 2 + (d.y - y) ** 2
      if (dd < bd) {
        bd = dd
        best = d
      }
    }
    return best?.token ?? null
  }

  private render(f: FrameInfo): boolean {
    const cy = this.cy
    const surface = this.surface
    const canvas = this.canvas
    const lab = this.lab
    const sched = lab.runtime.sched
    const list = this.list
    if (!cy || !surface || !canvas || !list) return false
    // Cytoscape's loop waits at the gate. While the pointer acts on the graph it runs freely (hover, box
    // selection); otherwise it runs in this frame only if something changed for it (a class, the viewport, a move).
    this.gate?.setOpen(f.wall < this.pointerUntil)
    // The frame loop calls this drawHz times a second (see FrameLoop.frame).
    let animating = false

    if (this.theme !== lab.theme || this.projector !== lab.projector) {
      this.theme = lab.theme
      this.projector = lab.projector
      cy.style(style(paletteFor(lab), this.dims))
      this.resized = true
    }
    const pal = paletteFor(lab)

    // Members: add and remove nodes and links, move everyone to their place on the circle.
    const ids = lab.nodeIds()
    const hostH = this.host.clientHeight
    const stretch = stretchFor(this.host.clientWidth - this.aside, hostH - topBand(hostH), ids.length)
    if (ids.join() !== this.members.join() || stretch !== this.stretch) {
      this.stretch = stretch
      this.syncMembers(ids, f.wall)
      this.resized = true
    }
    if (f.wall < this.moveUntil) animating = true

    if (this.resized) {
      this.resized = false
      this.fit()
    }

    const view = lab.view
    const learners = new Set(view.learners)
    const voters = new Set(view.voters)
    const selected = lab.selected
    const multi = new Set(lab.multi)
    const rec = lab.record
    const hlNodes = new Set<NodeId>(rec?.nodes ?? [])
    const inv = lab.checks.involved
    const badNodes = new Set<NodeId>(inv?.nodes ?? [])
    const badPairs = new Set<string>(inv?.messages.map((m) => pairKey(m.from, m.to)) ?? [])
    const netCfg = sched?.spec.network
    const isolated = new Set(netCfg?.isolated ?? [])

    // Classes change only with roles, states, membership, the network and the selection.
    const leaving = lab.runtime.removing
    const key = `${lab.feed.structVersion}|${view.voters.join()}|${view.learners.join()}|${selected}|${lab.multi.join()}|${lab.link?.join() ?? ''}|${rec?.seq ?? ''}|${ids.join()}|${leaving ?? ''}|${inv ? `${inv.time}:${inv.nodes.join()}` : ''}`
    const structChanged = key !== this.structKey || netCfg !== this.lastNet
    this.structKey = key
    this.lastNet = netCfg
    const overlayNodes: OverlayNode[] = []
    cy.batch(() => {
      for (const id of ids) {
        const live = lab.feed.node(id)
        const s = live.summary
        const learner = learners.has(id)
        const isLeaving = id === leaving
        const joining = !learner && !voters.has(id) && view.voters.length > 0 && !isLeaving
        const cls = [
          `role-${s && (live.state === 'up' || live.state === 'paused') ? s.role : 'follower'}`,
          `st-${live.state}`,
          learner ? 'learner' : '',
          joining ? 'joining' : '',
          isLeaving ? 'leaving' : '',
          id === selected ? 'sel' : multi.has(id) ? 'multi' : '',
          badNodes.has(id) ? 'violation' : '',
        ]
          .filter(Boolean)
          .join(' ')
        if (this.nodeClass.get(id) !== cls) {
          this.nodeClass.set(id, cls)
          cy.$id(id).classes(cls)
        }
        overlayNodes.push({ live, learner, joining, leaving: isLeaving, isolated: isolated.has(id) })
      }
      // Link classes: blocked directions, overrides, selection.
      if (sched && structChanged) {
        const linkSel = lab.link ? pairKey(lab.link[0], lab.link[1]) : null
        const msgPair = rec?.msgId !== undefined && rec.nodes.length === 2 ? pairKey(rec.nodes[0], rec.nodes[1]) : null
        for (let i = 0; i < ids.length; i++) {
          for (let j = i + 1; j < ids.length; j++) {
            const key = pairKey(ids[i], ids[j])
            const [a, b] = key.split('|')
            const ab = sched.network.blocked(a, b) !== null
            const ba = sched.network.blocked(b, a) !== null
            const custom = !!netCfg && (netCfg.links[`${a}->${b}`] !== undefined || netCfg.links[`${b}->${a}`] !== undefined)
            const cls = [
              ab && ba ? 'cut-both' : ab ? 'cut-st' : ba ? 'cut-ts' : '',
              custom ? 'custom' : '',
              key === linkSel ? 'sel' : key === msgPair ? 'hl' : '',
              badPairs.has(key) ? 'violation' : '',
            ]
              .filter(Boolean)
              .join(' ')
            if (this.edgeClass.get(key) !== cls) {
              this.edgeClass.set(key, cls)
              cy.$id(`e:${key}`).classes(cls)
            }
          }
        }
      }
    })

    // The overlay.
    const pos = (id: NodeId) => {
      const n = cy.$id(id)
      return n.empty() ? null : n.renderedPosition()
    }
    list.begin()
    list.setTransform(this.dpr, 0, 0, this.dpr, 0, 0)
    if (
      drawOverlay(
        {
          ctx: list,
          width: this.width,
          height: this.height,
          zoom: cy.zoom(),
          nodeSize: this.dims.node,
          namePx: this.dims.font * cy.zoom(),
          captionPx: this.captionPx,
          pos,
          nodes: overlayNodes,
          tokens: lab.feed.tokens.values(),
          pulses: lab.feed.pulses,
          now: f.now,
          wall: f.wall,
          tickMs: sched?.spec.tickMs ?? 10,
          pal,
          reduced: lab.reducedMotion,
          selectedMsg: lab.message?.id ?? null,
          highlightMsg: rec?.msgId ?? null,
          highlightNodes: hlNodes,
          callouts: this.callouts,
        },
        this.drawn,
      )
    )
      animating = true
    // Painted only when it differs from what the canvas shows: only then is it a redraw.
    if (list.commit(surface.paint)) lab.loop.draws.graph++
    this.pumpLibrary(f.wall)
    return animating
  }

  /** Let cytoscape's held loop draw in this frame if it asked for a frame (a change) or animates (nodes moving). */
  private pumpLibrary(wall: number): void {
    const cy = this.cy
    const gate = this.gate
    if (!cy || !gate || gate.isOpen()) return
    const r = (cy as unknown as { renderer(): { requestedFrame?: boolean } }).renderer()
    const moving = (cy as unknown as { _private?: { animationsRunning?: boolean } })._private?.animationsRunning
    if (r.requestedFrame !== false || moving || wall < this.moveUntil) gate.pump(wall)
  }

  private syncMembers(ids: NodeId[], wall: number): void {
    const cy = this.cy!
    const want = new Set(ids)
    const places = circlePositions(ids, this.stretch)
    const first = this.members.length === 0
    cy.batch(() => {
      cy.nodes().forEach((n) => {
        if (!want.has(n.id())) {
          this.nodeClass.delete(n.id())
          n.remove()
        }
      })
      for (const id of ids) {
        if (cy.$id(id).empty()) {
          cy.add({ group: 'nodes', data: { id }, position: { ...places.get(id)! } })
        }
      }
      for (let i = 0; i < ids.length; i++) {
        for (let j = i + 1; j < ids.length; j++) {
          const key = pairKey(ids[i], ids[j])
          if (cy.$id(`e:${key}`).empty()) {
            const [a, b] = key.split('|')
            cy.add({ group: 'edges', data: { id: `e:${key}`, source: a, target: b } })
            this.edgeClass.set(key, '')
          }
        }
      }
    })
    for (const [id, p] of places) {
      const n = cy.$id(id)
      const cur = n.position()
      if (cur.x === p.x && cur.y === p.y) continue
      if (first || this.lab.reducedMotion) n.position(p)
      else {
        n.animate({ position: p }, { duration: MOVE_MS, easing: 'ease-in-out-cubic' })
        this.moveUntil = wall + MOVE_MS + 50
      }
    }
    this.members = ids.slice()
  }

  /**
 * Fit the circle (with room for crowns above and captions below) into the container, under its top band and right
 * of an open legend.
 */
  private fit(): void {
    const cy = this.cy!
    const canvas = this.canvas!
    const w = this.host.clientWidth
    const h = this.host.clientHeight
    if (w === 0 || h === 0) return
    this.dpr = window.devicePixelRatio || 1
    this.width = w
    this.height = h
    this.surface?.resize(Math.round(w * this.dpr), Math.round(h * this.dpr))
    this.list?.invalidate()
    canvas.style.width = `${w}px`
    canvas.style.height = `${h}px`
    cy.resize()
    // Names and captions keep a readable size on screen however small the zoom: nodes grow (in model units) to hold
    // their names, and the margins grow with the captions. A few rounds, as the zoom depends on the margins.
    const k = this.lab.projector ? PROJECTOR_SCALE : 1
    const band = topBand(h)
    const fitH = h - band
    const left = this.aside
    const fitW = w - left
    const r = circleRadius(this.members.length)
    let z = 1
    let dims: Dims = { node: NODE_SIZE * k, font: 21 * k }
    let box = { x1: 0, x2: 0, y1: 0, y2: 0 }
    for (let round = 0; round < 4; round++) {
      const namePx = Math.max(21 * k * z, NAME_PX * k)
      const node = Math.max(NODE_SIZE * k, (namePx * 2.3) / z)
      const caption = Math.max(CAPTION_PX * k, Math.min(22 * k, 14 * z)) / z
      dims = { node, font: namePx / z }
      const half = node / 2
      box = {
        x1: -r * this.stretch - half - caption * 2.8,
        x2: r * this.stretch + half + caption * 2.8,
        y1: -r - half - 40 * k,
        y2: r + half + caption * 3.6,
      }
      z = Math.min(1.9, Math.min(fitW / (box.x2 - box.x1), fitH / (box.y2 - box.y1)))
    }
    // The names at the final zoom (the rounds converge, but the last zoom is the one drawn): never under NAME_PX.
    dims = { node: dims.node, font: Math.max(21 * k * z, NAME_PX * k) / z }
    this.captionPx = Math.max(CAPTION_PX * k, Math.min(22 * k, 14 * z))
    if (dims.node !== this.dims.node || dims.font !== this.dims.font) {
      this.dims = dims
      cy.style(style(paletteFor(this.lab), dims))
    }
    cy.viewport({ zoom: z, pan: { x: left + fitW / 2 - ((box.x1 + box.x2) / 2) * z, y: band + fitH / 2 - ((box.y1 + box.y2) / 2) * z } })
  }
}

/** The palette of the lab's theme, in high contrast in projector mode. */
export function paletteFor(lab: Pick<Lab, 'theme' | 'projector'>): Palette {
  return lab.projector ? highContrast(PALETTES[lab.theme]) : PALETTES[lab.theme]
}
