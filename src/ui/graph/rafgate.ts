/**
 * Cytoscape keeps its own requestAnimationFrame loop running forever, even when nothing changes. "Paused means
 * paused": this gate holds that loop's frame requests while the app's own loop is idle, and releases them when
 * the app wakes. Only callbacks registered while the library was being created are gated (its render loop
 * re-requests itself with the same function); every other requestAnimationFrame on the page passes through.
 */
let installed = false
let open = true
let capturing: FrameRequestCallback[] | null = null
const gated = new Set<FrameRequestCallback>()
const held = new Set<FrameRequestCallback>()

function install(): void {
  if (installed || typeof window === 'undefined') return
  installed = true
  const real = window.requestAnimationFrame.bind(window)
  window.requestAnimationFrame = (cb: FrameRequestCallback): number => {
    if (capturing) capturing.push(cb)
    if (!open && gated.has(cb)) {
      held.add(cb)
      return 0
    }
    return real(cb)
  }
}

/** Run `create` (which starts a library's render loop) and gate the frame callbacks it requested. */
export function gateLoopsOf<T>(create: () => T): { value: T; release: () => void } {
  install()
  capturing = []
  let mine: FrameRequestCallback[] = []
  try {
    return {
      value: create(),
      release: () => {
        for (const cb of mine) {
          gated.delete(cb)
          held.delete(cb)
        }
      },
    }
  } finally {
    mine = capturing ?? []
    for (const cb of mine) gated.add(cb)
    capturing = null
  }
}

/** Open: gated loops run; closed: their next frame waits until the gate opens again. */
export function setGateOpen(o: boolean): void {
  if (o === open) return
  open = o
  if (o && held.size > 0) {
    const cbs = [...held]
    held.clear()
    for (const cb of cbs) window.requestAnimationFrame(cb)
  }
}

/** How many loops wait at the gate (for tests and benchmarks). */
export function heldLoops(): number {
  return held.size
}
