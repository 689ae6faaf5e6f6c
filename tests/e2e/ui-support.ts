/**
 * Helpers for the teaching app's browser tests (tests/e2e/ui*.spec.ts). The app opens paused (`autoplay=0`) on a
 * cluster of the test's own, and tests drive virtual time through `window.__raftlab`, never waiting on wall-clock
 * speed. Canvas elements (nodes, tokens) are clicked at the positions the graph reports.
 */
import { expect, type Locator, type Page } from '@playwright/test'
import type { TestApi } from '../../src/ui/test-api.ts'

export { watchErrors } from './helpers.ts'

/** What the page exposes once the app is mounted (src/ui/test-api.ts). */
export type Handle = TestApi & { ui: NonNullable<TestApi['ui']> }

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

/** Fast-forward until a leader (other than `not`) is elected; returns it. */
export async function waitLeader(page: Page, budgetMs = 10_000, not?: string): Promise<string> {
  for (let t = 0; t < budgetMs; t += 250) {
    const l = await leaderOf(page)
    if (l && l !== not) return l
    await fastForward(page, 250)
  }
  throw new Error(`no leader${not ? ` other than ${not}` : ''} elected`)
}

/** The cluster's phase as the page has it ('running', 'busy-elsewhere', 'taken-over'); the banners carry it. */
export async function expectPhase(page: Page, phase: string, timeout = 20_000): Promise<void> {
  await expect(page.getByTestId('banners')).toHaveAttribute('data-phase', phase, { timeout })
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

/** Select node `id` and show it in the inspector; returns the inspector. */
export async function inspect(page: Page, id: string): Promise<Locator> {
  await clickNode(page, id)
  await page.getByTestId('tab-inspector').click()
  const insp = page.getByTestId('inspector')
  await expect(insp.locator('header h2')).toHaveText(id)
  return insp
}

/** The inspected node's role when it is up, else its state, as its header says it ('leader', 'disk corrupted'). */
export function statePill(page: Page): Locator {
  return page.getByTestId('inspector').locator('header .pill').first()
}

/** Your operations in the client panel, newest first. */
function kvRows(page: Page): Locator {
  return page.getByTestId('kv-panel').getByTestId('kv-ops').locator('tr')
}

/** Fill the client panel's form and send one operation; returns how many of your operations were listed before. */
export async function kvSubmit(page: Page, op: 'set' | 'get' | 'delete', key: string, value?: string): Promise<number> {
  await page.getByTestId('tab-client').click()
  const panel = page.getByTestId('kv-panel')
  const before = await kvRows(page).count()
  await panel.getByTestId('kv-op').selectOption(op)
  await panel.getByTestId('kv-key').fill(key)
  if (value !== undefined) await panel.getByTestId('kv-value').fill(value)
  await panel.getByTestId('kv-send').click()
  return before
}

export interface KvShown {
  status: string
  /** The value a get read (`= v`), or null. */
  value: string | null
  /** The log index the panel names (`@7`), or null. */
  index: number | null
}

/** Your latest operation as the client panel shows it. */
export async function kvLatest(page: Page): Promise<KvShown> {
  await page.getByTestId('tab-client').click()
  const row = kvRows(page).first()
  const status = (await row.getAttribute('data-status')) ?? ''
  const [what, outcome] = await row.locator('td').allTextContents()
  const index = /@(\d+)/.exec(what)
  const value = /= (.*)$/.exec(outcome.trim())
  return { status, value: value ? value[1] : null, index: index ? Number(index[1]) : null }
}

/** Send one operation through the client panel, fast-forward until it is answered, and return what the panel shows. */
export async function kvSend(page: Page, op: 'set' | 'get' | 'delete', key: string, value?: string): Promise<KvShown> {
  const before = await kvSubmit(page, op, key, value)
  const rows = kvRows(page)
  await expect(async () => {
    await fastForward(page, 100)
    expect(await rows.count()).toBeGreaterThan(before)
    expect(await rows.first().getAttribute('data-status')).not.toBe('pending')
  }).toPass({ timeout: 20_000 })
  return kvLatest(page)
}
