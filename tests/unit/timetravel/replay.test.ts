/**
 * A recorded run rebuilt in-process from its spec and actions is the same run: the same trace hash at every
 * recorded action, at every checkpoint, and at any time T asked.
 */
import { describe, expect, it } from 'vitest'
import { RecordingScheduler, type RunRecord } from '../../../src/browser/record.ts'
import { DivergedError, Replay, replayTo } from '../../../src/browser/replay.ts'
import { inprocFactory } from '../../../src/browser/inproc.ts'
import type { NodeDisk } from '../../../src/storage/types.ts'
import * as net from '../../../src/ui/state/netedit.ts'
import { testSpec } from '../cluster/spec.ts'

/** A run with one action of every kind, at odd virtual times. */
async function original(): Promise<{ s: RecordingScheduler; hashes: Map<number, string> }> {
  const disks = new Map<string, NodeDisk>()
  const spec = testSpec({ seed: 77, snapshotEvery: 40, network: { ...testSpec().network, defaults: { ...testSpec().network.defaults, drop: 0.02 } } })
  const s = new RecordingScheduler(spec, inprocFactory(disks), {}, { onWipe: (id) => void disks.delete(`test/${id}`) })
  const hashes = new Map<number, string>()
  const at = async (t: number) => {
    await s.runUntil(t)
    hashes.set(t, s.trace.hex())
  }
  await s.start()
  await s.setLoad(true)
  await at(1203)
  const leader = s.likelyLeader()!
  const other = s.nodeIds().find((n) => n !== leader)!
  void s.submit('you1', { op: 'set', key: 'a', value: '1' })
  await at(1500)
  await s.crash(other)
  await at(1777)
  await s.restart(other)
  await at(2101)
  await s.pause(other)
  await at(2300)
  await s.resume(other)
  await s.campaign(other)
  await at(2650)
  const l2 = s.likelyLeader()!
  const target = s.nodeIds().find((n) => n !== l2)!
  void s.transferLeadership(l2, target)
  await at(3010)
  void s.compact(s.likelyLeader()!)
  // An in-flight message dropped and another duplicated.
  await s.runUntil(3100)
  const fl = s.inFlight()
  if (fl.length > 1) {
    await s.dropInFlight(fl[0].id)
    await s.duplicateInFlight(fl[fl.length - 1].id)
  }
  await at(3333)
  s.network.setConfig(net.isolate(s.network.config, s.likelyLeader()!))
  await at(4200)
  s.network.setConfig(net.heal(s.network.config))
  await s.setParams({ electionTick: 12 }, 30)
  await at(5000)
  // A node added through membership changes.
  await s.addNode('n4')
  void s.confChange(s.likelyLeader()!, { type: 'addLearner', node: 'n4' })
  await at(5600)
  await s.crash('n2')
  await s.noteWipe('n2')
  disks.delete('test/n2')
  await s.restart('n2')
  await at(6400)
  await s.setLoad(false)
  await at(7000)
  return { s, hashes }
}

describe('time travel: record and replay', () => {
  it('records every kind of action at the virtual time it took effect', async () => {
    const { s } = await original()
    const kinds = new Set(s.actions.map((a) => a.k))
    for (const k of ['load', 'submit', 'crash', 'boot', 'pause', 'resume', 'input', 'admin', 'net', 'params', 'slot', 'wipe'] as const) expect(kinds, k).toContain(k)
    const crash = s.actions.find((a) => a.k === 'crash')!
    expect(crash.t).toBe(1500)
    expect(s.actions.every((a, i) => i === 0 || a.t >= s.actions[i - 1].t)).toBe(true)
    expect(s.checkpoints.length).toBeGreaterThan(4)
  })

  it('a replay reaches the same trace hash at every time asked, and at the end', async () => {
    const { s, hashes } = await original()
    const rec: RunRecord = JSON.parse(JSON.stringify(s.record()))
    expect(rec.end).toBe(7000)
    const r = new Replay(rec)
    for (const [t, h] of hashes) {
      await r.advance(t, { inclusive: false })
      expect({ t, h: r.sched.trace.hex() }).toEqual({ t, h })
    }
    expect(r.next).toBe(rec.actions.length)
    // The replayed scheduler recorded the same actions again (a fork continues with this record).
    expect(r.sched.actions.map((a) => [a.t, a.k])).toEqual(rec.actions.map((a) => [a.t, a.k]))
    const direct = new Replay(rec)
    await direct.advance(3333, { inclusive: false })
    expect(direct.sched.trace.hex()).toBe(hashes.get(3333))
  })

  it('a record that was changed is caught: the replay says where it diverged', async () => {
    const { s } = await original()
    const rec = s.record()
    const i = rec.actions.findIndex((a) => a.k === 'crash')
    rec.actions[i] = { ...rec.actions[i], t: rec.actions[i].t - 7 }
    await expect(replayTo(rec)).rejects.toBeInstanceOf(DivergedError)
  })
})
