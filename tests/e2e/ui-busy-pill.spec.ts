/**
 * The pill that says what the cluster is busy with (a membership change waiting for its leader) sits above the
 * graph and never covers a node: its name, its crown above it, its captions below it. Checked at both screen sizes
 * the lecture hall uses and for a small, a middle and a full cluster. Neither does the legend, when it is open.
 * Set SHOTS=<dir> to save the screens.
 */
import { test, expect } from '@playwright/test'
import type { Page } from '@playwright/test'
import { js, openLab, waitLeader } from './ui-support.ts'

const SHOTS = process.env.SHOTS

interface Rect {
  left: number
  top: number
  right: number
  bottom: number
}

function overlaps(a: Rect, b: Rect): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom
}

/** Where each node is drawn, with room for a crown above it and its captions below it (client pixels). */
function nodeRects(page: Page): Promise<{ id: string; rect: Rect }[]> {
  return js(
    page,
    `lab.nodeIds().map((id) => {
      const p = graph.nodeClientPosition(id)
      const half = cy.$id(id).renderedWidth() / 2
      const cap = graph.textSizes().caption
      return { id, rect: { left: p.x - half, right: p.x + half, top: p.y - half - 34 * cy.zoom(), bottom: p.y + half + 3.6 * cap } }
    })`,
  )
}

for (const viewport of [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
]) {
  test.describe(`busy pill ${viewport.width}x${viewport.height}`, () => {
    test.use({ viewport })
    for (const n of [3, 5, 9]) {
      test(`covers no node of ${n}`, async ({ page }) => {
        await openLab(page, `busy-${n}-${viewport.width}`, `&v=1&n=${n}`)
        const l = await waitLeader(page)
        // Paused (autoplay=0): the removal waits, and the pill stays.
        await js(page, `(lab.removeNode('${l}', true), 0)`)
        const pill = page.getByTestId('busy')
        await expect(pill).toBeVisible()
        const box = (await pill.boundingBox())!
        const pillRect = { left: box.x, top: box.y, right: box.x + box.width, bottom: box.y + box.height }
        const nodes = await nodeRects(page)
        expect(nodes).toHaveLength(n)
        const graphBox = (await page.getByTestId('graph').boundingBox())!
        for (const { id, rect } of nodes) {
          expect(overlaps(pillRect, rect), `the pill covers ${id}`).toBe(false)
          // And the node is still inside the graph's area.
          expect(rect.top).toBeGreaterThanOrEqual(graphBox.y - 1)
          expect(rect.bottom).toBeLessThanOrEqual(graphBox.y + graphBox.height + 1)
        }
        if (SHOTS) await page.screenshot({ path: `${SHOTS}/busy-${n}-${viewport.width}.png` })
      })
    }

    test('an open legend covers no node', async ({ page }) => {
      await openLab(page, `legend-9-${viewport.width}`, '&v=1&n=9')
      await waitLeader(page)
      const legend = page.getByTestId('legend')
      // Open on a tall screen, folded on a small one: open it there.
      const toggle = legend.getByRole('button')
      if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click()
      await expect(toggle).toHaveAttribute('aria-expanded', 'true')
      const covered = async () => {
        const b = (await legend.boundingBox())!
        const l = { left: b.x, top: b.y, right: b.x + b.width, bottom: b.y + b.height }
        return (await nodeRects(page)).filter(({ rect }) => overlaps(l, rect)).map(({ id }) => id)
      }
      // The graph moves right of the legend (on its next drawing after the legend opened).
      await expect.poll(covered).toEqual([])
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/legend-9-${viewport.width}.png` })
      // Folded, the nodes take the whole width again: the circle's middle moves back left.
      const mid = () => js<number>(page, `(() => { const xs = lab.nodeIds().map((id) => graph.nodeClientPosition(id).x); return (Math.min(...xs) + Math.max(...xs)) / 2 })()`)
      const open = await mid()
      await toggle.click()
      await expect.poll(mid).toBeLessThan(open - 20)
    })
  })
}
