import { describe, it, expect } from 'vitest'
import { defaultSetup, encodeSetup, nodeIds, parseSetup, readLaunch, setupToSpec, shareUrl, specToSetup, stripSetup, clusterNameFromUrl, type Setup } from '../../../src/ui/url.ts'
import { defaultNetworkConfig } from '../../../src/world/network.ts'

const base = 'https://example.org/raft-lab/'

function roundTrip(s: Setup): Setup | null {
  return parseSetup(`${base}?${encodeSetup(s).toString()}`).setup
}

describe('URL setup format v1', () => {
  it('a link without setup parameters has no setup', () => {
    expect(parseSetup(`${base}?cluster=abc&autoplay=0`)).toEqual({ setup: null })
    expect(readLaunch(`${base}#debug`)).toEqual({ setup: null })
  })

  it('round-trips the defaults and a setup with every field', () => {
    expect(roundTrip(defaultSetup())).toEqual(defaultSetup())
    const s: Setup = {
      ...defaultSetup(),
      nodes: nodeIds(7),
      seed: 4294967295,
      params: { electionTick: 25, heartbeatTick: 4, preVote: false, checkQuorum: false, unsafe: { commitOldTermEntries: true, leaseReadsWithoutCheck: true } },
      tickMs: 20,
      network: {
        ...defaultNetworkConfig({ latency: 12.5, jitter: 3, drop: 0.125, duplicate: 0.05, reorder: 0.2 }),
        partition: [['n1', 'n2'], ['n3']],
        cuts: ['n4->n5', 'n5->n6'],
        isolated: ['n7'],
        links: { 'n1->n3': { latency: 300, drop: 0.5 }, 'n2->n1': { jitter: 7 } },
      },
      storage: 'volatile',
      snapshotEvery: 0,
      speed: 0.02,
      load: true,
      preset: 'lossy',
      scenario: 'isolate-leader',
    }
    expect(roundTrip(s)).toEqual(s)
  })

  it('reads the unsafe switches by name, several comma- or dot-separated, and writes them readably', () => {
    expect(parseSetup(`${base}?unsafe=commitOldTermEntries`).setup?.params.unsafe).toEqual({ commitOldTermEntries: true })
    const both = parseSetup(`${base}?n=3&unsafe=forgetVoteOnRestart,skipLogUpToDateCheck`).setup
    expect(both?.params.unsafe).toEqual({ forgetVoteOnRestart: true, skipLogUpToDateCheck: true })
    // Written in panel order, dot-separated (a comma would be escaped as %2C in the link).
    expect(encodeSetup(both!).toString()).toContain('unsafe=skipLogUpToDateCheck.forgetVoteOnRestart')
    // The share link carries them: a running cluster's spec gives them back.
    expect(specToSetup(setupToSpec(both!, 'c'), both!.nodes, { speed: 1, load: false }).params.unsafe).toEqual(both?.params.unsafe)
    expect(encodeSetup(defaultSetup()).has('unsafe')).toBe(false)
    expect(encodeSetup({ ...defaultSetup(), params: { ...defaultSetup().params, unsafe: { noTruncateOnConflict: false } } }).has('unsafe')).toBe(false)
    expect(new URL(stripSetup(`${base}?cluster=c&unsafe=commitOldTermEntries`)).searchParams.has('unsafe')).toBe(false)
  })

  it('writes node lists that are not n1..nN explicitly', () => {
    const s = { ...defaultSetup(), nodes: ['n1', 'n2', 'n4'] }
    expect(encodeSetup(s).get('nodes')).toBe('n1.n2.n4')
    expect(roundTrip(s)?.nodes).toEqual(['n1', 'n2', 'n4'])
  })

  it('reads a hand-typed link without a version as version 1', () => {
    const r = parseSetup(`${base}?n=5&speed=2`)
    expect(r.error).toBeUndefined()
    expect(r.setup?.nodes).toEqual(nodeIds(5))
    expect(r.setup?.speed).toBe(2)
  })

  it.each([
    ['v=2&n=3', /link format “2”/],
    ['v=1&n=0', /between 1 and 9/],
    ['v=1&n=10', /between 1 and 9/],
    ['v=1&n=3&n=4', /appears more than once/],
    ['v=1&n=abc', /“n” is not valid/],
    ['v=1&n=3.5', /“n” is not valid/],
    ['v=1&seed=-1', /“seed” is not valid/],
    ['v=1&seed=1e9', /“seed” is not valid/],
    ['v=1&drop=2', /between 0 and 1/],
    ['v=1&et=5&hb=5', /heartbeat interval must be shorter/],
    ['v=1&pv=yes', /“pv” is not valid/],
    ['v=1&store=cloud', /“store” is not valid/],
    ['v=1&speed=1000', /between 0.01 and 100/],
    ['v=1&n=3&part=n1.n4', /not in the cluster/],
    ['v=1&n=3&part=n1.n2_n2', /“part” is not valid/],
    ['v=1&n=3&cut=n1-n1', /“cut” is not valid/],
    ['v=1&n=3&iso=n9', /not in the cluster/],
    ['v=1&n=3&link=n1-n2_evil_1', /“link” is not valid/],
    ['v=1&n=3&link=n1-n2___proto___1', /“link” is not valid/],
    ['v=1&n=3&link=n1-n2_lat', /“link” is not valid/],
    ['v=1&nodes=n1.n1', /“nodes” is not valid/],
    ['v=1&preset=%3Cscript%3E', /“preset” is not valid/],
    ['v=1&unsafe=skipLog', /“unsafe” is not valid/],
    ['v=1&unsafe=', /“unsafe” is not valid/],
    ['v=1&unsafe=noTruncateOnConflict,,forgetVoteOnRestart', /“unsafe” is not valid/],
    ['v=1&unsafe=__proto__', /“unsafe” is not valid/],
    ['v=1&unsafe=commitOldTermEntries&unsafe=noTruncateOnConflict', /appears more than once/],
  ])('rejects %s with a sentence', (query, message) => {
    const r = parseSetup(`${base}?${query}`)
    expect(r.setup).toBeNull()
    expect(r.error).toMatch(message)
  })

  it('never echoes hostile text back, and refuses very long links', () => {
    const hostile = encodeURIComponent('<img src=x onerror=alert(1)>')
    const r = parseSetup(`${base}?v=${hostile}`)
    expect(r.error).toBeDefined()
    expect(r.error).not.toContain('<')
    expect(parseSetup(`${base}?v=1&n=3&x=${'a'.repeat(5000)}`).error).toMatch(/too long/)
  })

  it('the share link keeps the cluster name and drops the hash; stripping removes only setup parameters', () => {
    const link = shareUrl(`${base}?cluster=lecture-1&foo=1#debug`, defaultSetup())
    const u = new URL(link)
    expect(u.searchParams.get('cluster')).toBe('lecture-1')
    expect(u.searchParams.has('foo')).toBe(false)
    expect(u.hash).toBe('')
    expect(parseSetup(link).setup).toEqual(defaultSetup())
    const stripped = new URL(stripSetup(`${base}?cluster=c&autoplay=0&v=1&n=5&link=n1-n2_lat_3`))
    expect([...stripped.searchParams.keys()]).toEqual(['cluster', 'autoplay'])
  })

  it('cluster names are validated', () => {
    expect(clusterNameFromUrl(`${base}?cluster=Bad Name`)).toBe('default')
    expect(clusterNameFromUrl(`${base}?cluster=lab-2`)).toBe('lab-2')
  })
})
