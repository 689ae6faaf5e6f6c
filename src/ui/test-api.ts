/**
 * `window.__raftlab`: the page's handle for the browser tests and benchmarks, and the one place it is defined.
 * It is for tests only: people use the screen, and tests click the same controls; through this handle they only read
 * state (summaries, the trace hash, the leader), fast-forward virtual time, start a client workload, or inject a
 * fault no control offers (a malformed input to a node). Nothing here is a second user interface.
 */
import type { ClusterRuntime } from '../browser/runtime.ts'
import type { LoadGenerator } from '../cluster/workload.ts'
import type { GraphView } from './graph/graph.ts'
import type { DrawCounts } from './state/frames.ts'
import type { Lab } from './state/lab.svelte.ts'

export interface TestApi {
  /** The cluster: `runtime.sched` (summaries, kv, `trace.hex()`), `runtime.driver.fastForward(ms)`. */
  runtime: ClusterRuntime
  /** A client workload to run against `runtime.sched`. */
  LoadGenerator: typeof LoadGenerator
  /** The teaching app's state, once mounted, and its graph, once cytoscape has loaded (null until then). */
  ui?: {
    lab: Lab
    graph: GraphView | null
    /**
     * Real drawings since the page opened: `graph` (the graph's moving layer), `graphLibrary` (cytoscape's canvas of
     * nodes and links), `timelines` (the log timelines). Each counts only when that canvas is really drawn, not when
     * its renderer is asked and has nothing new, would paint the same pixels, or waits for its rate; `lab.frames`
     * counts the app's frames.
     */
    draws: () => DrawCounts
    /**
     * Benchmarks only: `false` stops calling the renderers (the frame loop and the panels run on), so the cluster's
     * speed can be measured without the cost of drawing; `true` draws again, from scratch.
     */
    setDrawing: (on: boolean) => void
  }
}

const g = globalThis as unknown as { __raftlab?: TestApi }

/** Called once by main.ts, before the app mounts. */
export function exposeRuntime(runtime: ClusterRuntime): void {
  g.__raftlab = { ...g.__raftlab, runtime } as TestApi
  // The cluster's code loads after the first paint; the load generator comes with it.
  void import('../cluster/workload.ts').then((m) => {
    g.__raftlab = { ...(g.__raftlab as TestApi), LoadGenerator: m.LoadGenerator }
  })
}

/** Called by the app's root once its state exists. */
export function exposeLab(lab: Lab): void {
  const draws = () => ({ ...lab.loop.draws })
  const setDrawing = (on: boolean) => {
    lab.loop.drawing = on
    lab.wake(true)
  }
  g.__raftlab = { ...(g.__raftlab as TestApi), ui: { lab, graph: null, draws, setDrawing } }
}

/** Called by the app's root once the graph is drawn. */
export function exposeGraph(graph: GraphView): void {
  if (g.__raftlab?.ui) g.__raftlab.ui.graph = graph
}
