import { describe, it, expect } from 'vitest'
import { Network, defaultNetworkConfig } from '../../../src/world/network.ts'
import * as net from '../../../src/ui/state/netedit.ts'

describe('network edits from the UI', () => {
  const c0 = defaultNetworkConfig()

  it('partitions the selection from the rest, and never edits in place', () => {
    const c = net.partitionSelected(c0, ['n1', 'n2'])
    expect(c.partition).toEqual([['n1', 'n2']])
    expect(c0.partition).toEqual([])
    const n = new Network(c)
    expect(n.blocked('n1', 'n3')).toBe('partition')
    expect(n.blocked('n1', 'n2')).toBeNull()
  })

  it('adds groups, taking nodes out of the groups they were in', () => {
    const c = net.addGroup(net.addGroup(c0, ['n1', 'n2']), ['n2', 'n3'])
    expect(c.partition).toEqual([['n1'], ['n2', 'n3']])
  })

  it('cuts one way and restores both ways', () => {
    const c = net.cut(c0, 'n1', 'n2')
    const st = net.linkState(new Network(c), 'n1', 'n2')
    expect(st).toEqual({ ab: true, ba: false })
    expect(net.uncutPair(net.cut(c, 'n2', 'n1'), 'n2', 'n1').cuts).toEqual([])
  })

  it('isolates, reconnects and heals; heal keeps link parameters', () => {
    let c = net.isolate(c0, 'n3')
    expect(new Network(c).blocked('n1', 'n3')).toBe('isolated')
    c = net.reconnect(c, 'n3')
    expect(c.isolated).toEqual([])
    c = net.setLink(net.cut(net.isolate(c, 'n1'), 'n2', 'n3'), 'n1', 'n2', { latency: 99 })
    const h = net.heal(c)
    expect(h.partition).toEqual([])
    expect(h.cuts).toEqual([])
    expect(h.isolated).toEqual([])
    expect(h.links['n1->n2']).toEqual({ latency: 99 })
  })

  it('sets defaults and per-link overrides; null returns a link to the defaults', () => {
    const c = net.setLink(net.setDefaults(c0, { drop: 0.25 }), 'n1', 'n2', { latency: 50 })
    const n = new Network(c)
    expect(n.params('n1', 'n2')).toMatchObject({ latency: 50, drop: 0.25 })
    expect(n.params('n2', 'n1').latency).toBe(c0.defaults.latency)
    expect(net.setLink(c, 'n1', 'n2', null).links).toEqual({})
  })

  it('forgets a removed node everywhere', () => {
    let c = net.addGroup(c0, ['n1', 'n4'])
    c = net.cut(net.cut(c, 'n4', 'n2'), 'n2', 'n3')
    c = net.setLink(net.isolate(c, 'n4'), 'n4', 'n1', { drop: 1 })
    const f = net.forgetNode(c, 'n4')
    expect(f.partition).toEqual([['n1']])
    expect(f.cuts).toEqual(['n2->n3'])
    expect(f.isolated).toEqual([])
    expect(f.links).toEqual({})
  })
})
