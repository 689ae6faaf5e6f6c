/**
 * The store keeps its clients in snapshot order between snapshots (a busy cluster snapshots every few hundred
 * entries with hundreds of client sessions). A snapshot must still list every client, in order, after new clients
 * came, after a restore, and equal the snapshot of a store that saw the same commands in another order.
 */
import { describe, it, expect } from 'vitest'
import { KvStore } from '../../../src/kv/store.ts'
import { decodeCommand, encodeCommand, type KvCommand } from '../../../src/kv/command.ts'
import type { Entry } from '../../../src/raft/types.ts'

const entry = (index: number, c: KvCommand): Entry => ({ index, term: 1, kind: 'command', data: encodeCommand(c) })
const set = (client: string, seq: number, key: string, value: string): KvCommand => ({ op: 'set', key, value, client, seq })

function sessionsOf(snapshot: string): string[] {
  return (JSON.parse(snapshot) as { sessions: [string][] }).sessions.map((r) => r[0])
}

describe('KvStore snapshots', () => {
  it('list every client in order, also clients that came after the last snapshot and after a restore', () => {
    const s = new KvStore()
    s.apply(entry(1, set('m', 1, 'x', '1')))
    s.apply(entry(2, set('c', 1, 'x', '2')))
    expect(sessionsOf(s.snapshot())).toEqual(['c', 'm'])
    s.apply(entry(3, set('a', 1, 'y', '3')))
    s.apply(entry(4, set('m', 2, 'y', '4')))
    s.apply(entry(5, set('z', 1, 'y', '5')))
    expect(sessionsOf(s.snapshot())).toEqual(['a', 'c', 'm', 'z'])
    const r = new KvStore()
    r.apply(entry(1, set('q', 1, 'x', '1')))
    r.snapshot()
    r.restore(s.snapshot())
    expect(r.snapshot()).toBe(s.snapshot())
    r.apply(entry(6, set('b', 1, 'x', '6')))
    expect(sessionsOf(r.snapshot())).toEqual(['a', 'b', 'c', 'm', 'z'])
  })

  it('are equal for equal states, whatever order the clients came in and whenever snapshots were taken', () => {
    const cmds = [set('c9', 1, 'p', 'a'), set('c1', 1, 'k', 'b'), set('c5', 1, 'j', 'c'), set('c1', 2, 'j', 'd')]
    const a = new KvStore()
    const b = new KvStore()
    cmds.forEach((c, i) => {
      a.apply(entry(i + 1, c))
      a.snapshot()
    })
    // The first two commands write different keys: swapped, the final state is the same.
    ;[cmds[1], cmds[0], cmds[2], cmds[3]].forEach((c, i) => b.apply(entry(i + 1, c)))
    expect(b.snapshot()).toBe(a.snapshot())
  })

  it('apply with the data decoded beforehand answers as apply without it', () => {
    const a = new KvStore()
    const b = new KvStore()
    const es = [entry(1, set('c', 1, 'x', '1')), entry(2, { op: 'cas', key: 'x', expected: '1', value: '2', client: 'c', seq: 2 }), entry(3, set('c', 2, 'x', '9'))]
    for (const e of es) expect(b.apply(e, decodeCommand(e.data!))).toEqual(a.apply(e))
    expect(b.snapshot()).toBe(a.snapshot())
  })
})
