import { test, expect } from '@playwright/test'
import { clickNode, expectNoErrors, graphNodes, js, lab, nodePosition, openLab, waitLeader, watchErrors, type Handle } from './ui-support.ts'

test.describe('cluster graph', () => {
  test('shows every node, elects a leader, and the page has no errors', async ({ page }) => {
    const errors = watchErrors(page)
    await openLab(page, 'g-basic')
    await expect(page.getByRole('heading', { name: 'Raft Lab' })).toBeVisible()
    expect(await graphNodes(page)).toEqual(['n1', 'n2', 'n3'])
    const leader = await waitLeader(page)
    // The leader is drawn with its role's class, and its timeline row says so.
    const cls = await js<string[]>(page, `cy.$id('${leader}').classes()`)
    expect(cls).toContain('role-leader')
    await expect(page.getByTestId('timeline-rows').locator(`[data-node="${leader}"]`)).toHaveCount(1)
    await expectNoErrors(errors)
  })

  test('clicking a node selects it and the inspector shows its state', async ({ page }) => {
    await openLab(page, 'g-select')
    await waitLeader(page)
    await clickNode(page, 'n2')
    await expect(page.getByTestId('inspector').getByRole('heading', { name: 'n2' })).toBeVisible()
    await expect(page.getByTestId('hard-state')).toContainText('term')
    await expect(page.getByTestId('node-actions')).toContainText('n2:')
  })

  test('a message in flight can be clicked while paused, then dropped or duplicated', async ({ page }) => {
    await openLab(page, 'g-msg')
    await waitLeader(page)
    // Step until some token is on screen (the cluster is paused; a step is one virtual instant).
    let tokens: { id: number; x: number; y: number; type: string }[] = []
    for (let i = 0; i < 200 && tokens.length === 0; i++) {
      await page.getByTestId('step').click()
      await page.waitForTimeout(30)
      tokens = await js(page, `graph.tokenClientPositions()`)
    }
    expect(tokens.length).toBeGreaterThan(0)
    const t = tokens[0]
    await page.mouse.click(t.x, t.y)
    const card = page.getByTestId('message-card')
    await expect(card).toBeVisible()
    await expect(card).toContainText(t.type)
    await expect(card).toContainText('term')
    await card.getByTestId('duplicate-message').click()
    await expect.poll(() => lab<number>(page, `lab.feed.tokens.size`)).toBeGreaterThan(1)
    await card.getByTestId('drop-message').click()
    await expect(card).toBeHidden()
    await page.getByTestId('tab-events').click()
    await expect(page.getByTestId('event-list')).toContainText('You dropped')
    await expect(page.getByTestId('event-list')).toContainText('You duplicated')
  })

  test('partitions: select nodes into a group, cut one link one way, restore it, heal', async ({ page }) => {
    await openLab(page, 'g-part')
    await waitLeader(page)
    await clickNode(page, 'n1')
    await clickNode(page, 'n2', true)
    await expect(page.getByTestId('node-actions')).toContainText('Selected: n1, n2')
    await page.getByTestId('partition').click()
    await expect.poll(() => lab<string[][]>(page, `lab.runtime.sched.network.config.partition`)).toEqual([['n1', 'n2']])
    // n3 is cut from both: its links are drawn as cut both ways.
    await expect.poll(() => js(page, `cy.$('edge.cut-both').length`)).toBe(2)
    await page.getByTestId('heal').click()
    await expect.poll(() => js(page, `cy.$('edge.cut-both').length`)).toBe(0)

    // Click the middle of the link n1-n3 and cut it one way.
    const a = await nodePosition(page, 'n1')
    const b = await nodePosition(page, 'n3')
    await page.mouse.click((a.x + b.x) / 2, (a.y + b.y) / 2)
    await expect(page.getByTestId('node-actions')).toContainText('Link n1 ↔ n3')
    await page.getByTestId('cut-ab').click()
    await expect.poll(() => lab<string[]>(page, `lab.runtime.sched.network.config.cuts`)).toEqual(['n1->n3'])
    await expect.poll(() => js(page, `cy.$('edge.cut-st, edge.cut-ts').length`)).toBe(1)
    await page.getByTestId('restore-link').click()
    await expect.poll(() => lab<string[]>(page, `lab.runtime.sched.network.config.cuts`)).toEqual([])
  })

  test('membership: a new node joins as a learner, is promoted, and nobody moves more than the layout says', async ({ page }) => {
    test.setTimeout(120_000)
    await openLab(page, 'g-member')
    await waitLeader(page)
    const before = await nodePosition(page, 'n1')
    await js(page, `(runtime.driver.setSpeed(20), runtime.driver.play())`)
    await page.getByTestId('add-node').click()
    await expect.poll(() => graphNodes(page), { timeout: 30_000 }).toEqual(['n1', 'n2', 'n3', 'n4'])
    await expect.poll(() => lab<string[]>(page, `lab.view.voters`), { timeout: 60_000 }).toContain('n4')
    await js(page, `runtime.driver.pause()`)
    // n1 stays at the top of the circle.
    const after = await nodePosition(page, 'n1')
    expect(Math.abs(after.x - before.x)).toBeLessThan(40)
    expect(after.y).toBeLessThanOrEqual(before.y + 40)
  })
})

test.describe('membership changes', () => {
  test('replace a follower, then remove one: real configuration changes, never a rebuild', async ({ page }) => {
    test.setTimeout(150_000)
    await openLab(page, 'g-replace', '&v=1&n=4')
    const leader = await waitLeader(page)
    const victim = ['n1', 'n2', 'n3', 'n4'].find((n) => n !== leader)!
    await js(page, `(runtime.driver.setSpeed(20), runtime.driver.play())`)
    await clickNode(page, victim)
    await page.getByTestId('replace').click()
    await expect(page.getByTestId('busy')).toBeVisible()
    await expect.poll(() => graphNodes(page), { timeout: 90_000 }).not.toContain(victim)
    await expect.poll(() => lab<string[]>(page, `lab.view.voters.slice().sort()`), { timeout: 30_000 }).toContain('n5')
    // The panels publish on the drawing schedule, at most one drawing after the graph.
    await expect.poll(() => lab<string[]>(page, `lab.view.voters`), { timeout: 5_000 }).not.toContain(victim)
    // The event log tells the story of the change.
    await page.getByTestId('tab-events').click()
    await page.getByTestId('event-search').fill('learner')
    await expect(page.getByTestId('event-list')).toContainText('learner')

    const other = (await graphNodes(page)).find((n) => n !== leader && n !== 'n5')!
    await clickNode(page, other)
    await page.getByTestId('remove').click()
    await expect.poll(() => graphNodes(page), { timeout: 90_000 }).not.toContain(other)
    await js(page, `runtime.driver.pause()`)
    expect((await graphNodes(page)).length).toBe(3)
  })
})

test.describe('motion', () => {
  test('with reduced motion, tokens do not fly: they sit in the middle of their link', async ({ page }) => {
    await page.emulateMedia({ reducedMotion: 'reduce' })
    await openLab(page, 'g-reduced')
    await waitLeader(page)
    expect(await js<boolean>(page, `lab.reducedMotion`)).toBe(true)
    let tokens: { id: number; x: number; y: number }[] = []
    for (let i = 0; i < 200 && tokens.length === 0; i++) {
      await page.getByTestId('step').click()
      tokens = await js(page, `graph.tokenClientPositions()`)
    }
    expect(tokens.length).toBeGreaterThan(0)
    const t = tokens[0]
    const msg = await js<{ from: string; to: string }>(page, `(() => { const l = lab.feed.tokens.get(${t.id}); return { from: l[0].msg.from, to: l[0].msg.to } })()`)
    const a = await nodePosition(page, msg.from)
    const b = await nodePosition(page, msg.to)
    const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }
    expect(Math.hypot(t.x - mid.x, t.y - mid.y)).toBeLessThan(20)
  })

  test('each layer is painted at most once a frame, only when it changed, and off the main thread', async ({ page }) => {
    await openLab(page, 'g-frames', '&load=1')
    await waitLeader(page)
    // The graph's moving layer and the timelines are painted by a worker: their canvases were handed to it.
    const owners = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLCanvasElement>('canvas.overlay, canvas.tl-canvas')].map((c) => {
        try {
          c.getContext('2d')
          return 'page'
        } catch {
          return 'worker'
        }
      }),
    )
    expect(owners).toEqual(['worker', 'worker'])
    const draws = () => page.evaluate(() => (window as unknown as { __raftlab: Handle }).__raftlab.ui.draws())

    // Running with the load on: over the same two seconds of browser frames, each layer draws, never twice a frame.
    await js(page, `runtime.driver.play()`)
    await page.waitForTimeout(500)
    const r = await page.evaluate(
      () =>
        new Promise<{ frames: number; graph: number; graphLibrary: number; timelines: number }>((resolve) => {
          const ui = (window as unknown as { __raftlab: Handle }).__raftlab.ui
          const a = ui.draws()
          let frames = 0
          let start = 0
          const f = (t: number) => {
            if (!start) start = t
            else frames++
            if (t - start < 2000) requestAnimationFrame(f)
            else {
              const b = ui.draws()
              resolve({ frames, graph: b.graph - a.graph, graphLibrary: b.graphLibrary - a.graphLibrary, timelines: b.timelines - a.timelines })
            }
          }
          requestAnimationFrame(f)
        }),
    )
    expect(r.graph).toBeGreaterThan(0)
    expect(r.timelines).toBeGreaterThan(0)
    // (+1: the window's first frame may come after a draw in the same frame.)
    expect(r.graph).toBeLessThanOrEqual(r.frames + 1)
    expect(r.graphLibrary).toBeLessThanOrEqual(r.frames + 1)
    expect(r.timelines).toBeLessThanOrEqual(r.frames + 1)

    // Paused, and every renderer asked to draw again: nothing on screen changed, so nothing is painted.
    await js(page, `runtime.driver.pause()`)
    await page.waitForTimeout(800)
    const d0 = await draws()
    await js(page, `lab.wake(true)`)
    await page.waitForTimeout(300)
    expect(await draws()).toEqual(d0)
    // Selecting a node changes its halo (cytoscape's canvas) and its row (the timelines), not the moving layer.
    await js(page, `lab.select(lab.nodeIds()[0])`)
    await expect.poll(async () => (await draws()).graphLibrary).toBeGreaterThan(d0.graphLibrary)
    await expect.poll(async () => (await draws()).timelines).toBeGreaterThan(d0.timelines)
    expect((await draws()).graph).toBe(d0.graph)
    // One step of virtual time moves what the moving layer shows (timers, messages): it is painted.
    await page.getByTestId('step').click()
    await expect.poll(async () => (await draws()).graph).toBeGreaterThan(d0.graph)
  })

  test('paused means paused: the app draws no frames while nothing changes', async ({ page }) => {
    await openLab(page, 'g-idle')
    await waitLeader(page)
    await page.waitForTimeout(1500)
    const f0 = await js<number>(page, `lab.frames`)
    await page.waitForTimeout(1500)
    expect(await js<number>(page, `lab.frames`)).toBe(f0)
  })
})
