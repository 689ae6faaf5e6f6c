import { describe, it, expect } from 'vitest'
import { ClientProtocol, type ClientHost } from '../../../src/cluster/clients.ts'
import type { ClientRequest } from '../../../src/node/protocol.ts'
import { Prng } from '../../../src/world/prng.ts'
import { Scheduler, type ClientOp } from '../../../src/browser/scheduler.ts'
import { inprocFactory } from '../../../src/browser/inproc.ts'
import { LoadGenerator } from '../../../src/cluster/workload.ts'
import { defaultNetworkConfig } from '../../../src/world/network.ts'
import { testSpec } from './spec.ts'

/** A protocol whose requests go nowhere: the test answers them by hand. */
function protocol(keepFinished?: number) {
  const sent: ClientRequest[] = []
  let now = 0
  const host: ClientHost = {
    now: () => now,
    send: (_to, req) => void sent.push(req),
    timer: () => undefined,
    isUp: () => true,
    members: () => ['n1', 'n2', 'n3'],
    emit: () => undefined,
    finished: () => undefined,
  }
  const opts = { timeoutMs: 1000, retryMs: 1000, backoffMs: 10, session: '', ...(keepFinished !== undefined ? { keepFinished } : {}) }
  const p = new ClientProtocol(host, opts, new Prng(1))
  const answer = () => {
    const req = sent.shift()!
    p.onReply({ id: req.id, node: 'n1', outcome: 'ok', result: { ok: true, value: null } })
  }
  return { p, sent, answer, tick: () => void now++ }
}

describe('the client history window', () => {
  it('keeps the newest finished operations and every one in progress, whatever ran before', () => {
    const { p, sent, answer, tick } = protocol(20)
    const stuck = p.submit('slow', { op: 'set', key: 'k', value: 'x' }, 'log', 'n1')
    sent.length = 0 // its request is never answered
    for (let i = 0; i < 500; i++) {
      tick()
      p.submit('c', { op: 'set', key: 'k', value: String(i) }, 'log', 'n1')
      answer()
    }
    const h = p.history()
    expect(h.length).toBe(21)
    expect(h[0].id).toBe(stuck.id)
    expect(h[0].complete).toBeNull()
    // The 20 newest finished ones, in the order they were made.
    expect(h.slice(1).map((o) => o.value)).toEqual(Array.from({ length: 20 }, (_, i) => String(480 + i)))
    // What is stored stays within the window and its batch slack.
    expect(p.ops.length).toBeLessThanOrEqual(1 + 20 + 16)
    expect(p.dropped).toBeGreaterThanOrEqual(500 - 20 - 16)
    expect(p.historyOp(stuck.id)).toBe(h[0])
  })

  it('keeps every operation without the option (the simulator checks the whole history)', () => {
    const { p, answer } = protocol()
    for (let i = 0; i < 300; i++) {
      p.submit('c', { op: 'set', key: 'k', value: String(i) }, 'log', 'n1')
      answer()
    }
    expect(p.history().length).toBe(300)
    expect(p.dropped).toBe(0)
  })

  it('a browser cluster that ran hundreds of operations keeps at most the window, with those in progress', async () => {
    const s = new Scheduler(
      testSpec({ name: 'window', seed: 5, network: defaultNetworkConfig({ latency: 5, jitter: 6 }), snapshotEvery: 50 }),
      inprocFactory(),
      {},
      { keepFinished: 40 },
    )
    await s.start()
    const pending = new Set<number>()
    const finished: number[] = []
    s.on((e) => {
      if (e.type !== 'client') return
      const op: ClientOp = e.op
      if (op.status === 'pending') pending.add(op.id)
      else {
        pending.delete(op.id)
        finished.push(op.id)
      }
    })
    const load = new LoadGenerator(s, { clients: 5, keys: 2 })
    load.start()
    for (let k = 0; k < 6; k++) {
      const end = s.now + 500
      while (s.nextTime() <= end) await s.step()
      const h = s.getHistory()
      const ids = new Set(h.map((o) => o.id))
      for (const id of pending) expect(ids.has(id)).toBe(true)
      const done = h.filter((o) => !pending.has(o.id)).map((o) => o.id)
      expect(done.length).toBe(Math.min(40, finished.length))
      // The newest finished ones (by the order they were made).
      expect(done).toEqual([...finished].sort((a, b) => a - b).slice(-40))
    }
    expect(finished.length).toBeGreaterThan(200)
    expect(s.clients.ops.length).toBeLessThanOrEqual(40 + 16 + pending.size)
    load.stop()
  })
})
