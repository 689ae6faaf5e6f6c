/**
 * First paint before the graph library: the JavaScript a first visit needs (the entry chunk and its static imports,
 * from Vite's build manifest) stays within 100 KB gzipped and holds no cytoscape; the shell renders and the cluster
 * runs while cytoscape is still on its way, and the graph appears once it arrives.
 */
import { test, expect } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { fastForward, waitLeader, waitReady, watchErrors, type Handle } from './ui-support.ts'

const DIST = 'dist'
const BUDGET = 100_000 // bytes of gzipped JavaScript before first paint

interface Chunk {
  file: string
  src?: string
  isEntry?: boolean
  isDynamicEntry?: boolean
  imports?: string[]
  dynamicImports?: string[]
}

test('the first-load JavaScript is within 100 KB gzipped and holds no cytoscape', () => {
  const manifest = JSON.parse(readFileSync(join(DIST, '.vite/manifest.json'), 'utf8')) as Record<string, Chunk>
  const entry = Object.keys(manifest).find((k) => manifest[k].isEntry)
  expect(entry, 'an entry chunk in dist/.vite/manifest.json').toBeDefined()
  // The entry and everything it imports statically, transitively: what the browser must run before first paint.
  const first = new Set<string>()
  const visit = (key: string) => {
    if (first.has(key)) return
    first.add(key)
    for (const k of manifest[key].imports ?? []) visit(k)
  }
  visit(entry!)
  const gz = (file: string) => gzipSync(readFileSync(join(DIST, file))).length
  const sizes = [...first].map((k) => ({ file: manifest[k].file, gzip: gz(manifest[k].file) }))
  const total = sizes.reduce((s, c) => s + c.gzip, 0)
  const lazy = Object.values(manifest)
    .filter((c) => c.isDynamicEntry)
    .map((c) => ({ file: c.file, gzip: gz(c.file) }))
  console.log(`first load: ${JSON.stringify(sizes)} total ${total} B gzip; lazy: ${JSON.stringify(lazy)}`)

  expect(total).toBeLessThanOrEqual(BUDGET)
  expect([...first].filter((k) => /cytoscape/.test(k))).toEqual([])
  // cytoscape is there, as a chunk of its own that is loaded on demand.
  const cy = Object.keys(manifest).filter((k) => /cytoscape/.test(k))
  expect(cy).toHaveLength(1)
  expect(manifest[cy[0]].isDynamicEntry).toBe(true)
  // Loaded on demand by the graph's own lazy chunk (src/ui/graph/graph.ts), which the entry loads on demand.
  const importers = Object.keys(manifest).filter((k) => manifest[k].dynamicImports?.includes(cy[0]))
  expect(importers).toEqual(['src/ui/graph/graph.ts'])
  expect(manifest[entry!].dynamicImports).toContain('src/ui/graph/graph.ts')
})

test('the shell renders and the cluster runs before cytoscape arrives; the graph follows', async ({ page }) => {
  const errors = watchErrors(page)
  let release!: () => void
  const held = new Promise<void>((r) => (release = r))
  let requested = false
  await page.route(/\/assets\/cytoscape[^/]*\.js$/, async (route) => {
    requested = true
    await held
    await route.continue()
  })
  await page.goto('./?cluster=first-paint&autoplay=0')
  await expect(page.getByTestId('play')).toBeVisible()
  await expect(page.getByTestId('timelines')).toBeVisible()
  await expect(page.getByRole('tablist')).toBeVisible()
  await page.getByTestId('tab-events').click()
  await expect(page.getByTestId('event-log')).toBeVisible()
  await page.waitForFunction(() => (window as unknown as { __raftlab?: Handle }).__raftlab?.ui?.lab.status.phase === 'running')
  expect(await waitLeader(page)).toMatch(/^n\d+$/)
  await fastForward(page, 500)
  // Still without the graph library: it was asked for, and is held back.
  expect(requested).toBe(true)
  expect(await page.evaluate(() => (window as unknown as { __raftlab: Handle }).__raftlab.ui.graph)).toBeNull()
  await expect(page.getByTestId('graph').locator('canvas')).toHaveCount(0)

  release()
  await waitReady(page)
  await expect(page.getByTestId('graph').locator('canvas').first()).toBeAttached()
  expect(errors).toEqual([])
})
