import { test, expect, type Page } from '@playwright/test'
import { js, openLab, waitLeader, waitReady, watchErrors } from './ui-support.ts'

/** Any CJK ideograph: the text is Chinese (the checks read the DOM, never pixels: fonts differ between machines). */
const HAN = /\p{Script=Han}/u

/** The requests for the Chinese strings' chunk (a separate file, loaded only when the page is in Chinese). */
function zhChunks(page: Page): string[] {
  const urls: string[] = []
  page.on('request', (r) => {
    if (/strings\.zh[^/]*\.js/.test(r.url())) urls.push(r.url())
  })
  return urls
}

async function expectChinese(page: Page): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN')
  await expect(page).toHaveTitle('Raft 实验室')
  // Top bar.
  await expect(page.getByTestId('share')).toContainText('分享链接')
  await expect(page.getByTestId('new-cluster')).toContainText('新建集群')
  await expect(page.getByTestId('play')).toHaveAttribute('title', /运行|暂停/)
  // The switch names the other language, in that language.
  await expect(page.getByTestId('lang')).toHaveText('EN')
  await expect(page.getByTestId('lang')).toHaveAttribute('aria-label', '语言：中文。切换到 English')
  // Panels.
  await expect(page.getByTestId('tab-inspector')).toHaveText('节点详情')
  await expect(page.getByTestId('tab-events')).toHaveText('事件')
}

test.describe('language', () => {
  test('?lang=zh shows the top bar, panels, narration and help in Chinese', async ({ page }) => {
    const errors = watchErrors(page)
    const chunks = zhChunks(page)
    await openLab(page, 'lang-zh', '&lang=zh')
    await expectChinese(page)
    const leader = await waitLeader(page)

    // The inspector and the timelines' legend.
    await page.keyboard.press('1')
    await expect(page.getByTestId('hard-state')).toContainText('任期')

    // The event log narrates in Chinese, with the paper's message names.
    await page.keyboard.press('v')
    const list = page.getByTestId('event-list')
    await expect(list).toContainText(new RegExp(`${leader} 以 \\d/3 票赢得任期 \\d+ 的选举，成为领导者`))
    await expect(page.getByTestId('filter-election')).toHaveText('选举')
    // The search reads the Chinese sentences (the list shows only the rows in view).
    await page.getByTestId('event-search').fill('选举计时器超时')
    await expect(list).toContainText(/n\d 的选举计时器超时：n\d 成为/)
    await page.getByTestId('event-search').fill('投票给它')
    await expect(list).toContainText(/请求 n\d 在任期 \d+ 投票给它/)
    // Nothing of the English narration shows.
    await page.getByTestId('event-search').fill('')
    await expect(list).not.toContainText('election timer fired')

    // The help overlay.
    await page.getByTestId('help').click()
    await expect(page.getByTestId('help')).toHaveAttribute('aria-label', '帮助')
    const help = page.getByTestId('help-overlay')
    await expect(help).toContainText('键盘快捷键')
    await expect(help).toContainText('把领导权转移给所选节点')
    await page.keyboard.press('Escape')

    // The timelines' legend and the graph's legend.
    await expect(page.locator('body')).toContainText('斜线 = 未提交')
    expect(await page.evaluate(() => document.body.innerText)).toMatch(HAN)
    expect(chunks).toHaveLength(1)
    expect(errors).toEqual([])
  })

  test('the switch changes the language live and after a reload, and the cluster stays', async ({ page }) => {
    const errors = watchErrors(page)
    await openLab(page, 'lang-switch', '&lang=en')
    await expect(page.locator('html')).toHaveAttribute('lang', 'en')
    const leader = await waitLeader(page)
    await page.keyboard.press('v')
    const list = page.getByTestId('event-list')
    await expect(list).toContainText(`${leader} wins the election`)
    const before = await js<{ now: number; term: number; runtime: unknown }>(page, `({ now: runtime.sched.now, term: runtime.sched.summary(lab.leaderId()).term })`)

    // Live: no reload, the same scheduler keeps its clock, leader and event log; every sentence is re-told.
    await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42))
    await expect(page.getByTestId('lang')).toHaveText('中文')
    await page.getByTestId('lang').click()
    await expectChinese(page)
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(42)
    expect(await js<string | null>(page, 'lab.leaderId()')).toBe(leader)
    expect(await js<number>(page, 'runtime.sched.now')).toBeGreaterThanOrEqual(before.now)
    expect(new URL(page.url()).searchParams.get('lang')).toBe('zh')
    await expect(page.getByTestId('tab-events')).toHaveAttribute('aria-selected', 'true')
    await expect(list).toContainText(new RegExp(`${leader} 以 \\d/3 票赢得任期 ${before.term} 的选举`))
    await expect(list).not.toContainText('wins the election')

    // After a reload: still Chinese (the address says so), and the cluster recovered from its disks.
    await page.reload()
    await waitReady(page)
    await expectChinese(page)
    await expect(page.getByTestId('banners')).toContainText('集群已从本浏览器的存储中恢复')
    expect((await js<string[]>(page, 'runtime.sched.nodeIds()')).length).toBe(3)
    await waitLeader(page)

    // And back to English.
    await page.getByTestId('lang').click()
    await expect(page.locator('html')).toHaveAttribute('lang', 'en')
    await expect(page.getByTestId('share')).toContainText('Share link')
    await expect(page.getByTestId('tab-events')).toHaveText('Events')
    expect(new URL(page.url()).searchParams.get('lang')).toBe('en')

    // The key Y switches too.
    await page.locator('body').click({ position: { x: 5, y: 5 } })
    await page.keyboard.press('y')
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN')
    await expect(page.getByTestId('tab-events')).toHaveText('事件')
    expect(errors).toEqual([])
  })

  test('a share link keeps the language', async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'])
    await openLab(page, 'lang-share', '&lang=zh')
    await page.getByTestId('share').click()
    let link = ''
    const field = page.getByTestId('share-url')
    await expect
      .poll(async () => {
        link = (await field.count()) > 0 ? await field.inputValue() : await page.evaluate(() => navigator.clipboard.readText()).catch(() => '')
        return link
      })
      .toContain('v=1')
    expect(new URL(link).searchParams.get('lang')).toBe('zh')
    expect(new URL(link).searchParams.get('cluster')).toBe('lang-share')
  })

  test('the runtime’s own sentences are said in Chinese too (browser storage unavailable)', async ({ page }) => {
    // The page's own IndexedDB is gone (as in some private modes): the cluster runs in memory and the banner says so.
    await page.addInitScript(() => Object.defineProperty(window, 'indexedDB', { value: undefined }))
    await openLab(page, 'lang-nostore', '&lang=zh')
    await expect(page.getByTestId('banners')).toContainText('浏览器存储不可用')
    await expect(page.getByTestId('banners')).toContainText('集群只在内存中运行')
    await expect(page.getByTestId('banners')).not.toContainText('Browser storage')
  })

  test('a membership change is told in Chinese, step by step', async ({ page }) => {
    test.setTimeout(120_000)
    const errors = watchErrors(page)
    await openLab(page, 'lang-member', '&lang=zh')
    await waitLeader(page)
    await js(page, `(runtime.driver.setSpeed(20), runtime.driver.play())`)
    await page.getByTestId('add-node').click()
    await expect.poll(() => js<string[]>(page, `lab.view.voters`), { timeout: 60_000 }).toContain('n4')
    // The change is over (its last step is told) once the busy sign is gone.
    await expect.poll(() => js<string | null>(page, `lab.busy`), { timeout: 60_000 }).toBe(null)
    await js(page, `runtime.driver.pause()`)
    await page.keyboard.press('v')
    const search = page.getByTestId('event-search')
    const list = page.getByTestId('event-list')
    const steps: [string, RegExp][] = [
      ['以空状态启动', /n4 以空状态启动；请 n\d 把它作为学习者加入/],
      ['追赶日志', /n4 已成为学习者，正在追赶日志/],
      ['提升为投票成员', /n4 已追上日志，正在提升为投票成员/],
      ['已成为投票成员', /n4 已成为投票成员/],
    ]
    for (const [query, sentence] of steps) {
      await search.fill(query)
      await expect(list).toContainText(sentence)
    }
    await search.fill('learner')
    await expect(list).not.toContainText('is a learner')
    expect(errors).toEqual([])
  })

  test('an unknown ?lang= is ignored: the browser language decides', async ({ page }) => {
    const errors = watchErrors(page)
    const chunks = zhChunks(page)
    await openLab(page, 'lang-bad', '&lang=xx%3Cb%3E')
    await expect(page.locator('html')).toHaveAttribute('lang', 'en')
    // English pages never download the Chinese strings.
    expect(chunks).toEqual([])
    await expect(page.getByTestId('banners')).not.toContainText('xx')
    expect(errors).toEqual([])
  })
})

test.describe('language from the browser', () => {
  test.use({ locale: 'zh-CN' })

  test('a browser set to zh-CN opens in Chinese; ?lang=en overrides it', async ({ page }) => {
    const errors = watchErrors(page)
    await openLab(page, 'lang-browser')
    await expectChinese(page)
    await openLab(page, 'lang-browser', '&lang=en')
    await expect(page.locator('html')).toHaveAttribute('lang', 'en')
    await expect(page.getByTestId('share')).toContainText('Share link')
    expect(errors).toEqual([])
  })
})

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false })

  test('the page says in both languages that it needs JavaScript', async ({ page }) => {
    await page.goto('./')
    await expect(page.locator('noscript')).toHaveCount(1)
    const text = await page.locator('body').innerText()
    expect(text).toContain('needs JavaScript')
    expect(text).toContain('需要 JavaScript')
  })
})
