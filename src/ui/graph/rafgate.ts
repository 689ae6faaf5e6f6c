/**
 * Cytoscape keeps its own requestAnimationFrame loop running forever, even when nothing changes, and each turn
 * costs main-thread time. This gate holds that loop's frame requests. "Paused means paused": while the app's own
 * loop is stopped (setGateOpen(false)) every gated loop waits. While the app's loop runs, a gate stays closed too
 * unless its owner opens it (the graph does while the pointer acts on it): the owner runs the held loop itself, in
 * its own frame, only when the library has something to draw (`pump`). Only callbacks registered while the library
 * was being created are gated (its render loop re-requests itself with the same function); every other
 * requestAnimationFrame on the page passes through.
 */
let installed = false
/** The app's frame loop is running. */
let loopOpen = true
let capturing: FrameRequestCallback[] | null = null

interface GateState {
  open: boolean
  held: Set<FrameRequestCallback>
}
const gated = new Map<FrameRequestCallback, GateState>()
const gates = new Set<GateState>()

let real: (cb: FrameRequestCallback) => number = (cb) => requestAnimationFrame(cb)

function install(): void {
  if (installed || typeof window === 'undefined') return
  installed = true
  real = window.requestAnimationFrame.bind(window)
  window.requestAnimationFrame = (cb: FrameRequestCallback): number => {
    if (capturing) capturing.push(cb)
    const g = gated.get(cb)
    if (g && !(loopOpen && g.open)) {
      g.held.add(cb)
      return 0
    }
    return real(cb)
  }
}

/** A library's gated loops. */
export interface Gate {
  /** Open: the loop runs on its own frames (while the app's loop runs); closed: it waits for `pump`. */
  setOpen(open: boolean): void
  isOpen(): boolean
  /** Run the held loop once now, inside the caller's frame (it re-requests itself and is held again). */
  pump(time: number): void
  /** Forget the loops (the library is gone). */
  release(): void
}

/** Run `create` (which starts a library's render loop) and gate the frame callbacks it requested. */
export function gateLoopsOf<T>(create: () => T): Gate & { value: T } {
  install()
  capturing = []
  const state: GateState = { open: false, held: new Set() }
  gates.add(state)
  let mine: FrameRequestCallback[] = []
  try {
    return {
      value: create(),
      setOpen(open: boolean) {
        if (open === state.open) return
        state.open = open
        if (open && loopOpen) flush(state, real)
      },
      isOpen: () => loopOpen && state.open,
      pump(time: number) {
        const cbs = [...state.held]
        state.held.clear()
        for (const cb of cbs) cb(time)
      },
      release() {
        for (const cb of mine) gated.delete(cb)
        state.held.clear()
        gates.delete(state)
      },
    }
  } finally {
    mine = capturing ?? []
    for (const cb of mine) gated.set(cb, state)
    capturing = null
  }
}

function flush(state: GateState, request: (cb: FrameRequestCallback) => void): void {
  if (state.held.size === 0) return
  const cbs = [...state.held]
  state.held.clear()
  for (const cb of cbs) request(cb)
}

/** The app's loop runs (gates open to their owners' choice) or is stopped (every gated loop waits). */
export function setGateOpen(o: boolean): void {
  if (o === loopOpen) return
  loopOpen = o
  if (o) for (const g of gates) if (g.open) flush(g, real)
}

/** How many loops wait at the gates (for tests and benchmarks). */
export function heldLoops(): number {
  let n = 0
  for (const g of gates) n += g.held.size
  return n
}
