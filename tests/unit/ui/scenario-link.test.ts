import { describe, it, expect } from 'vitest'
import { readLaunch } from '../../../src/ui/url.ts'
import { readScenarioLink, scenarioHref } from '../../../src/ui/scenario/link.ts'

const base = 'https://example.org/raft-lab/'

describe('scenario links', () => {
  it('a scenario link carries its name, the bugs to switch on and the speed, and opens no setup of the user’s cluster', () => {
    const href = `${base}?scenario=figure8&unsafe=commitOldTermEntries&speed=0.5`
    expect(readLaunch(href)).toEqual({ setup: null, scenario: href })
    expect(readScenarioLink(href)).toEqual({ link: { name: 'figure8', unsafe: ['commitOldTermEntries'], speed: 0.5, ignored: [] } })
  })

  it('names the setup parameters it ignores (the script sets up its own cluster)', () => {
    expect(readScenarioLink(`${base}?scenario=election&n=5&seed=3`)).toEqual({ link: { name: 'election', unsafe: [], speed: null, ignored: ['n', 'seed'] } })
  })

  it('refuses a bad switch or speed with the link’s sentence, and never repeats a name of another shape', () => {
    expect(readScenarioLink(`${base}?scenario=figure8&unsafe=nope`)).toHaveProperty('error')
    expect(readScenarioLink(`${base}?scenario=figure8&speed=1000`)).toHaveProperty('error')
    const r = readScenarioLink(`${base}?scenario=%3Cb%3Ex%3C%2Fb%3E`)
    expect(r).toHaveProperty('error')
    expect((r as { error: string }).error).not.toContain('<')
    expect(readScenarioLink(`${base}?scenario=a&scenario=b`)).toHaveProperty('error')
  })

  it('the address of a scenario keeps the cluster name and language and drops the setup', () => {
    const href = scenarioHref(`${base}?cluster=x&lang=zh&n=5&scenario=old`, { name: 'figure8', unsafe: ['commitOldTermEntries'] })
    expect(new URL(href).search).toBe('?cluster=x&lang=zh&scenario=figure8&unsafe=commitOldTermEntries')
    expect(new URL(scenarioHref(href, null)).search).toBe('?cluster=x&lang=zh')
  })
})
