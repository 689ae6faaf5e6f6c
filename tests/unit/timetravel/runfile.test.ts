/**
 * A run file and a moment link: a good record reads back equal; each kind of bad file is refused with its reason;
 * a moment link carries the run up to its time, compactly, and reads back to the same replay hash.
 */
import { describe, expect, it } from 'vitest'
import { RecordingScheduler, type RunRecord } from '../../../src/browser/record.ts'
import { Replay } from '../../../src/browser/replay.ts'
import { inprocFactory } from '../../../src/browser/inproc.ts'
import { decodeMoment, encodeMoment, MAX_RUN_BYTES, parseRunFile, runToJson, shareMomentLink } from '../../../src/browser/runfile.ts'
import { testSpec } from '../cluster/spec.ts'

async function smallRun(): Promise<RunRecord> {
  const s = new RecordingScheduler(testSpec({ seed: 5 }), inprocFactory())
  await s.start()
  await s.setLoad(true)
  await s.runUntil(800)
  await s.crash('n1')
  await s.runUntil(1300)
  await s.restart('n1')
  await s.runUntil(2000)
  return s.record()
}

describe('run files', () => {
  it('a good record reads back equal', async () => {
    const rec = await smallRun()
    const r = parseRunFile(runToJson(rec))
    expect(r.ok && r.rec).toEqual(JSON.parse(runToJson(rec)))
  })

  it('refuses each kind of bad file with its reason', async () => {
    const rec = await smallRun()
    const text = runToJson(rec)
    const err = (t: string, bytes?: number) => {
      const r = parseRunFile(t, bytes)
      return r.ok ? null : r.error
    }
    expect(err(text, MAX_RUN_BYTES + 1)).toEqual({ k: 'tooBig', bytes: MAX_RUN_BYTES + 1 })
    expect(err(text.slice(0, text.length - 10))).toEqual({ k: 'json' })
    expect(err(JSON.stringify({ ...rec, version: 2 }))).toEqual({ k: 'version', version: '2' })
    expect(err(JSON.stringify({ ...rec, actions: [...rec.actions, { t: rec.end, k: 'pause', node: 'n7' }] }))).toEqual({ k: 'unknownNode', index: rec.actions.length + 1, node: 'n7' })
    expect(err(JSON.stringify({ ...rec, spec: { ...rec.spec, nodes: 'n1' } }))?.k).toBe('field')
    expect(err(JSON.stringify({ ...rec, actions: [{ t: 1, k: 'teleport' }] }))?.k).toBe('field')
    expect(err(JSON.stringify({ ...rec, actions: [{ t: 9, k: 'load', on: true }, { t: 3, k: 'load', on: false }] }))?.k).toBe('field')
    expect(err(JSON.stringify({ ...rec, actions: [{ t: 1, k: 'drop', id: '3' }] }))?.k).toBe('field')
    expect(err('[]')?.k).toBe('field')
    // A node created by a slot action may be named afterwards.
    const grown = { ...rec, actions: [{ t: 1, k: 'slot', node: 'n4' }, { t: 2, k: 'boot', node: 'n4', storage: 'durable' }] }
    expect(parseRunFile(JSON.stringify(grown)).ok).toBe(true)
  })
})

describe('moment links', () => {
  it('carry the run up to their time, compactly, and rebuild it to the same hash', async () => {
    const rec = await smallRun()
    const param = await encodeMoment(rec, 1500)
    expect(param).toMatch(/^1500\.[A-Za-z0-9_-]+$/)
    expect(param.length).toBeLessThan(runToJson(rec).length)
    const back = await decodeMoment(param)
    if (!back.ok) throw new Error('not decoded')
    expect(back.t).toBe(1500)
    expect(back.rec.end).toBe(1500)
    expect(back.rec.actions.every((a) => a.t <= 1500)).toBe(true)
    const a = new Replay(rec)
    await a.advance(1500)
    const b = new Replay(back.rec)
    await b.advance(back.t)
    expect(b.sched.trace.hex()).toBe(a.sched.trace.hex())
    const link = await shareMomentLink(rec, 1500, 'https://example.org/raft-lab/?n=3')
    expect(new URL(link).searchParams.get('moment')).toBe(param)
    expect(new URL(link).searchParams.get('n')).toBe('3')
    expect((await decodeMoment('1500.@@@')).ok).toBe(false)
    expect((await decodeMoment(param.slice(0, param.length - 20))).ok).toBe(false)
  })
})
