/**
 * Reading the cluster's state in the browser tests, through the page's test handle `window.__raftlab`
 * (src/ui/test-api.ts). Tests act through the screen (see ui-support.ts); this only reads.
 */
import type { Page } from '@playwright/test'
import type { TestApi } from '../../src/ui/test-api.ts'

declare global {
  interface Window {
    __raftlab: TestApi
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
