/**
 * Offline after the first visit (a lecture hall's Wi-Fi): the service worker precaches the app, the node worker and
 * the lazy cytoscape chunk under the /raft-lab/ base; with the network gone a reload opens the app and the cluster
 * elects a leader. A new version waits behind a "Reload to update" prompt and never takes over by itself.
 */
import { test, expect, type Page } from '@playwright/test'
import { openLab, waitLeader, waitReady, fastForward, watchErrors } from './ui-support.ts'
import { serveDist } from './static-server.ts'
import { en } from '../../src/ui/strings.ts'

/** Wait until the service worker is active (its install, the precache, is complete); returns its scope and URL. */
function swReady(page: Page): Promise<{ scope: string; script: string }> {
  return page.evaluate(async () => {
    const r = await navigator.serviceWorker.ready
    return { scope: r.scope, script: r.active!.scriptURL }
  })
}

test('after the first visit the app opens and the cluster runs with no network', async ({ page, context, baseURL }) => {
  const errors = watchErrors(page)
  await openLab(page, 'offline')
  const sw = await swReady(page)
  // The worker belongs to the sub-path, not the whole origin.
  expect(sw.scope).toBe(baseURL)
  expect(sw.script).toBe(`${baseURL}sw.js`)
  // The precache holds the node worker and the lazy graph library, not just the entry.
  const cached = await page.evaluate(async () => {
    const urls: string[] = []
    for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) urls.push(r.url)
    return urls
  })
  for (const re of [/\/raft-lab\/index\.html/, /\/raft-lab\/assets\/index-[^/]+\.js/, /node\.worker-[^/]+\.js/, /cytoscape[^/]*\.js/])
    expect(cached.some((u) => re.test(u)), `${re} in the precache`).toBe(true)

  await context.setOffline(true)
  await page.reload()
  await waitReady(page)
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${baseURL}sw.js`)
  await expect(page.getByTestId('graph').locator('canvas').first()).toBeAttached()
  expect(await waitLeader(page)).toMatch(/^n\d+$/)
  // A fresh cluster from a shared link also starts offline (new workers, new disks).
  await page.goto('./?n=3&autoplay=0&cluster=offline-fresh')
  await waitReady(page)
  expect(await waitLeader(page)).toMatch(/^n\d+$/)
  expect(errors).toEqual([])
})

test.describe('without the service worker', () => {
  test.use({ serviceWorkers: 'block' })
  // The control for the test above: the browser really is offline, and without the worker the reload fails.
  test('an offline reload does not open the app', async ({ page, context }) => {
    await openLab(page, 'offline-control')
    await context.setOffline(true)
    await expect(page.reload()).rejects.toThrow(/ERR_INTERNET_DISCONNECTED/)
  })
})

test('a new version waits for "Reload to update" and never takes over a running cluster by itself', async ({ page }) => {
  const server = await serveDist('dist', '/raft-lab/')
  try {
    const errors = watchErrors(page)
    await page.goto(`${server.url}?cluster=update&autoplay=0`)
    await waitReady(page)
    await swReady(page)
    // Under the worker's control from here on (the first visit is not controlled).
    await page.reload()
    await waitReady(page)
    await waitLeader(page)
    expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true)
    const prompt = page.getByTestId('update-prompt')
    await expect(prompt).toHaveCount(0)

    server.release()
    await page.evaluate(async () => {
      ;(window as unknown as { marker: number }).marker = 1
      await (await navigator.serviceWorker.getRegistration())!.update()
    })
    await expect(prompt).toBeVisible()
    await expect(prompt).toContainText(en.update.ready)
    // The cluster keeps running the old code: the page was not reloaded and the new worker still waits.
    await fastForward(page, 3000)
    await waitLeader(page)
    const state = await page.evaluate(async () => {
      const r = (await navigator.serviceWorker.getRegistration())!
      return { marker: (window as unknown as { marker?: number }).marker, waiting: !!r.waiting }
    })
    expect(state).toEqual({ marker: 1, waiting: true })

    // "Later" hides the prompt; the new version still waits.
    await prompt.getByRole('button', { name: en.update.later }).click()
    await expect(prompt).toHaveCount(0)
    // A plain reload keeps the old version: the new one still waits, and the prompt is back.
    await page.reload()
    await waitReady(page)
    await expect(prompt).toBeVisible()
    expect(await page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration())!.waiting)).toBe(true)

    // Only the button lets it take over: the page reloads under the new worker.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 2))
    await prompt.getByRole('button', { name: en.update.reload }).click()
    await page.waitForFunction(() => (window as unknown as { marker?: number }).marker === undefined)
    await waitReady(page)
    const after = await page.evaluate(async () => {
      const r = (await navigator.serviceWorker.getRegistration())!
      return { waiting: !!r.waiting, controlled: !!navigator.serviceWorker.controller }
    })
    expect(after).toEqual({ waiting: false, controlled: true })
    await expect(prompt).toHaveCount(0)
    await waitLeader(page)
    expect(errors).toEqual([])
  } finally {
    await server.close()
  }
})
