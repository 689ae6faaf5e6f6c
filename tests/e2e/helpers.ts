/**
 * Helpers for the browser tests: open the app paused on a cluster of its own, drive virtual time through
 * `window.__raftlab`, and read the cluster's state. Tests never wait on wall-clock speed: they fast-forward
 * virtual time and poll conditions with generous timeouts.
 */
import { expect, type Page } from '@playwright/test'
import type { ClusterRuntime } from '../../src/cluster/runtime.ts'
import type { LoadGenerator } from '../../src/cluster/workload.ts'

declare global {
  interface Window {
    __raftlab: { runtime: ClusterRuntime; LoadGenerator: typeof LoadGenerator }
  }
}

/** Collect console errors and uncaught exceptions; assert none at the end with `expect(errors).toEqual([])`. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(String(e)))
  return errors
}

/** The app's URL for cluster `name`, paused (tests drive the clock). */
export function appUrl(name: string, extra = ''): string {
  return `./?cluster=${name}&autoplay=0${extra}#debug`
}

/** Open the app on cluster `name` and wait until it runs. */
export async function openCluster(page: Page, name: string): Promise<void> {
  await page.goto(appUrl(name))
  await expectPhase(page, 'running')
}

export async function expectPhase(page: Page, phase: string, timeout = 20_000): Promise<void> {
  await expect(page.getByTestId('status-banner')).toHaveAttribute('data-phase', phase, { timeout })
}

/** Run `ms` of virtual time as fast as possible (the driver stays paused afterwards). */
export async function fastForward(page: Page, ms: number): Promise<void> {
  await page.evaluate((n) => window.__raftlab.runtime.driver!.fastForward(n), ms)
}

/** The node that leads in the highest term and is up, or null. */
export function leaderOf(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const s = window.__raftlab.runtime.sched!
    let best: string | null = null
    let term = -1
    for (const id of s.nodeIds()) {
      const sum = s.summary(id)
      if (s.nodeState(id) === 'up' && sum?.role === 'leader' && sum.term > term) {
        best = id
        term = sum.term
      }
    }
    return best
  })
}

/** Fast-forward until a leader (other than `not`) is elected; returns it. */
export async function waitForLeader(page: Page, not?: string, limitMs = 10_000): Promise<string> {
  for (let t = 0; t <= limitMs; t += 200) {
    const l = await leaderOf(page)
    if (l && l !== not) return l
    await fastForward(page, 200)
  }
  throw new Error(`no leader${not ? ` other than ${not}` : ''} after ${limitMs} ms of virtual time`)
}

export interface NodeView {
  state: string
  role: string | undefined
  term: number
  commit: number
  applied: number
  lastIndex: number
  kv: [string, string][]
}

/** Every node's state and key/value contents. */
export function nodes(page: Page): Promise<Record<string, NodeView>> {
  return page.evaluate(async () => {
    const s = window.__raftlab.runtime.sched!
    const out: Record<string, NodeView> = {}
    for (const id of s.nodeIds()) {
      const sum = s.summary(id)
      out[id] = {
        state: s.nodeState(id),
        role: sum?.role,
        term: sum?.term ?? 0,
        commit: sum?.commit ?? 0,
        applied: sum?.applied ?? 0,
        lastIndex: sum?.lastIndex ?? 0,
        kv: s.nodeState(id) === 'up' ? await s.kv(id) : [],
      }
    }
    return out
  })
}

/**
 * Send one operation through the debug panel's KV form, fast-forward until it is answered, and return the
 * outcome shown: status, value and index.
 */
export async function kvThroughPanel(
  page: Page,
  op: 'set' | 'get' | 'delete',
  key: string,
  value?: string,
): Promise<{ status: string; value: string | null; index: number | null }> {
  const outcome = page.getByTestId('kv-outcome')
  // Locator reads wait for the element: only read what is there.
  const before = (await outcome.count()) > 0 ? await outcome.getAttribute('data-seq') : null
  await page.getByTestId('kv-op').selectOption(op)
  await page.getByTestId('kv-key').fill(key)
  if (value !== undefined) await page.getByTestId('kv-value').fill(value)
  await page.getByTestId('kv-send').click()
  for (let i = 0; i < 60; i++) {
    await fastForward(page, 100)
    if ((await page.getByTestId('kv-pending').count()) > 0) continue
    if ((await outcome.count()) > 0 && (await outcome.getAttribute('data-seq')) !== before) break
  }
  await expect(page.getByTestId('kv-pending')).toHaveCount(0)
  const status = (await outcome.getAttribute('data-status')) ?? ''
  const result = page.getByTestId('kv-result')
  const index = page.getByTestId('kv-index')
  return {
    status,
    value: (await result.count()) > 0 ? await result.textContent() : null,
    index: (await index.count()) > 0 ? Number(await index.textContent()) : null,
  }
}
