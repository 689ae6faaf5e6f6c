/**
 * Helpers for the teaching app's browser tests (tests/e2e/ui*.spec.ts). The app opens paused (`autoplay=0`) on a
 * cluster of the test's own, and tests drive virtual time through `window.__raftlab`, never waiting on wall-clock
 * speed. Canvas elements (nodes, tokens) are clicked at the positions the graph reports.
 */
import { expect, type Page } from '@playwright/test'
import type { ClusterRuntime } from '../../src/cluster/runtime.ts'
import type { Lab } from '../../src/ui/state/lab.svelte.ts'
import type { GraphView } from '../../src/ui/graph/graph.ts'

export { watchErrors } from './helpers.ts'

/** What the page exposes (see src/main.ts and src/ui/LabApp.svelte). */
export interface Handle {
  runtime: ClusterRuntime
  ui: { lab: Lab; graph: GraphView | null }
}

/** Open the teaching app on cluster `name` (paused) and wait until the cluster runs and the graph is drawn. */
export async function openLab(page: Page, name: string, extra = ''): Promise<void> {
  page.on('dialog', (d) => void d.accept())
  await page.goto(`./?cluster=${name}&autoplay=0${extra}`)
  await waitReady(page)
}

export async function waitReady(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const h = (window as unknown as { __raftlab?: Handle }).__raftlab
      return h?.ui?.lab.status.phase === 'running' && !!h.ui.graph
    },
    undefined,
    { timeout: 30_000 },
  )
}

/** Run `ms` of virtual time as fast as possible; the driver stays in its mode. */
export async function fastForward(page: Page, ms: number): Promise<void> {
  await page.evaluate(
    (n) => (window as unknown as { __raftlab: Handle }).__raftlab.runtime.driver!.fastForward(n),
    ms,
  )
}

export function leaderOf(page: Page): Promise<string | null> {
  return page.evaluate(() => (window as unknown as { __raftlab: Handle }).__raftlab.ui.lab.leaderId())
}

/** Fast-forward until a leader is elected; returns it. */
export async function waitLeader(page: Page, budgetMs = 10_000): Promise<string> {
  for (let t = 0; t < budgetMs; t += 250) {
    const l = await leaderOf(page)
    if (l) return l
    await fastForward(page, 250)
  }
  throw new Error('no leader elected')
}

export async function nodePosition(page: Page, id: string): Promise<{ x: number; y: number }> {
  await page.waitForFunction((n) => !!(window as unknown as { __raftlab: Handle }).__raftlab.ui.graph?.nodeClientPosition(n), id)
  const p = await page.evaluate((n) => (window as unknown as { __raftlab: Handle }).__raftlab.ui.graph!.nodeClientPosition(n), id)
  return p!
}

export async function clickNode(page: Page, id: string, shift = false): Promise<void> {
  if (shift) {
    const p = await nodePosition(page, id)
    await page.keyboard.down('Shift')
    await page.mouse.click(p.x, p.y)
    await page.keyboard.up('Shift')
    return
  }
  // Nodes glide to new places after a membership change: click where the node is now until it is selected.
  await expect(async () => {
    const p = await nodePosition(page, id)
    await page.mouse.click(p.x, p.y)
    expect(await js<string | null>(page, 'lab.selected')).toBe(id)
  }).toPass({ timeout: 15_000 })
}

/**
 * Evaluate an expression in the page, with `lab`, `graph`, `cy` (the cytoscape instance) and `runtime` in scope.
 * (Functions passed to page.evaluate cannot see this module, so page-side code is written as an expression.)
 */
export function js<T>(page: Page, expr: string): Promise<T> {
  return page.evaluate(
    `(() => { const h = window.__raftlab; const lab = h.ui.lab; const graph = h.ui.graph; const cy = graph && graph.cy; const runtime = h.runtime; return (${expr}) })()`,
  ) as Promise<T>
}

/** Same as `js`, kept short for Lab expressions. */
export const lab = js

/** The node ids in the graph, in order. */
export function graphNodes(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __raftlab: Handle }).__raftlab.ui.lab.nodeIds())
}

export async function expectNoErrors(errors: string[]): Promise<void> {
  expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([])
}
