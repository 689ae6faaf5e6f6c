import { describe, it, expect } from 'vitest'
import { decodeCommand, encodeCommand, type KvCommand } from '../../../src/kv/command.ts'
import { KvStore } from '../../../src/kv/store.ts'
import type { Entry } from '../../../src/raft/types.ts'

/** Feeds entries with consecutive indexes, as a Raft node's apply loop does. */
class Feeder {
  readonly store: KvStore
  index: number
  constructor(store = new KvStore()) {
    this.store = store
    this.index = store.appliedIndex
  }
  command(c: KvCommand) {
    return this.store.apply({ index: ++this.index, term: 1, kind: 'command', data: encodeCommand(c) })
  }
  raw(data: string | undefined, kind: Entry['kind'] = 'command') {
    const entry: Entry = { index: ++this.index, term: 1, kind }
    if (data !== undefined) entry.data = data
    return this.store.apply(entry)
  }
}

/** A client that numbers its requests 1, 2, 3, ... */
function client(f: Feeder, name: string) {
  let seq = 0
  return {
    set: (key: string, value: string) => f.command({ op: 'set', key, value, client: name, seq: ++seq }),
    get: (key: string) => f.command({ op: 'get', key, client: name, seq: ++seq }),
    del: (key: string) => f.command({ op: 'delete', key, client: name, seq: ++seq }),
    cas: (key: string, expected: string | null, value: string) =>
      f.command({ op: 'cas', key, expected, value, client: name, seq: ++seq }),
  }
}

describe('KvStore operations', () => {
  it('set answers the new value and stores it', () => {
    const f = new Feeder()
    const c = client(f, 'c1')
    expect(c.set('x', 'a')).toEqual({ ok: true, value: 'a' })
    expect(c.set('x', 'b')).toEqual({ ok: true, value: 'b' })
    expect(f.store.read('x')).toBe('b')
    expect(f.store.size).toBe(1)
  })

  it('get answers the current value, or null for an absent key', () => {
    const f = new Feeder()
    const c = client(f, 'c1')
    expect(c.get('x')).toEqual({ ok: true, value: null })
    c.set('x', 'a')
    expect(c.get('x')).toEqual({ ok: true, value: 'a' })
    expect(f.store.size).toBe(1)
  })

  it('delete answers the previous value and removes the key', () => {
    const f = new Feeder()
    const c = client(f, 'c1')
    expect(c.del('x')).toEqual({ ok: true, value: null })
    c.set('x', 'a')
    expect(c.del('x')).toEqual({ ok: true, value: 'a' })
    expect(f.store.read('x')).toBeNull()
    expect(f.store.size).toBe(0)
  })

  it('cas swaps only from the expected value and answers the value after', () => {
    const f = new Feeder()
    const c = client(f, 'c1')
    c.set('x', 'a')
    expect(c.cas('x', 'z', 'b')).toEqual({ ok: false, value: 'a' })
    expect(f.store.read('x')).toBe('a')
    expect(c.cas('x', 'a', 'b')).toEqual({ ok: true, value: 'b' })
    expect(f.store.read('x')).toBe('b')
  })

  it('cas with expected null swaps only when the key is absent', () => {
    const f = new Feeder()
    const c = client(f, 'c1')
    expect(c.cas('x', null, 'a')).toEqual({ ok: true, value: 'a' })
    expect(c.cas('x', null, 'b')).toEqual({ ok: false, value: 'a' })
    expect(f.store.read('x')).toBe('a')
    // An empty string is a value, not absence.
    c.set('y', '')
    expect(c.cas('y', null, 'b')).toEqual({ ok: false, value: '' })
    expect(c.cas('y', '', 'b')).toEqual({ ok: true, value: 'b' })
  })

  it('lists entries sorted by key in code unit order', () => {
    const f = new Feeder()
    const c = client(f, 'c1')
    for (const k of ['b', 'a', 'B', 'é', 'aa']) c.set(k, k.toUpperCase())
    expect(f.store.entries()).toEqual([
      ['B', 'B'],
      ['a', 'A'],
      ['aa', 'AA'],
      ['b', 'B'],
      ['é', 'É'],
    ])
  })
})

describe('KvStore deduplication by (client, seq)', () => {
  it('answers a retry of the latest request with the first result, without applying it again', () => {
    const f = new Feeder()
    const first = f.command({ op: 'cas', key: 'x', expected: null, value: 'a', client: 'c1', seq: 1 })
    expect(first).toEqual({ ok: true, value: 'a' })
    f.command({ op: 'set', key: 'x', value: 'other', client: 'c2', seq: 1 })
    // Applied again, the cas would now fail; the retry must give the first answer and change nothing.
    const retry = f.command({ op: 'cas', key: 'x', expected: null, value: 'a', client: 'c1', seq: 1 })
    expect(retry).toEqual({ ok: true, value: 'a' })
    expect(f.store.read('x')).toBe('other')
  })

  it('does not apply a retried set twice', () => {
    const f = new Feeder()
    f.command({ op: 'set', key: 'x', value: 'a', client: 'c1', seq: 1 })
    f.command({ op: 'set', key: 'x', value: 'b', client: 'c2', seq: 1 })
    expect(f.command({ op: 'set', key: 'x', value: 'a', client: 'c1', seq: 1 })).toEqual({ ok: true, value: 'a' })
    expect(f.store.read('x')).toBe('b')
  })

  it('rejects an older seq as stale, without applying it', () => {
    const f = new Feeder()
    f.command({ op: 'set', key: 'x', value: 'a', client: 'c1', seq: 1 })
    f.command({ op: 'set', key: 'x', value: 'b', client: 'c1', seq: 2 })
    expect(f.command({ op: 'set', key: 'x', value: 'a', client: 'c1', seq: 1 })).toEqual({
      ok: false,
      value: null,
      error: 'stale request',
    })
    expect(f.store.read('x')).toBe('b')
  })

  it('keeps sessions per client', () => {
    const f = new Feeder()
    f.command({ op: 'set', key: 'x', value: 'a', client: 'c1', seq: 5 })
    expect(f.command({ op: 'set', key: 'x', value: 'b', client: 'c2', seq: 1 })).toEqual({ ok: true, value: 'b' })
    expect(f.store.read('x')).toBe('b')
  })

  it('returns a copy: mutating an answer does not change the remembered one', () => {
    const f = new Feeder()
    const r = f.command({ op: 'set', key: 'x', value: 'a', client: 'c1', seq: 1 })
    if (r === null) throw new Error('expected a result')
    r.value = 'mutated'
    expect(f.command({ op: 'set', key: 'x', value: 'a', client: 'c1', seq: 1 })).toEqual({ ok: true, value: 'a' })
  })
})

describe('KvStore entries that are not commands, and bad data', () => {
  it('returns null for noop and config entries and counts them as applied', () => {
    const f = new Feeder()
    expect(f.raw(undefined, 'noop')).toBeNull()
    expect(f.raw('{"voters":["n1"],"learners":[]}', 'config')).toBeNull()
    expect(f.store.appliedIndex).toBe(2)
    expect(f.store.size).toBe(0)
  })

  it('never throws on malformed command data: an error result and no state change', () => {
    const f = new Feeder()
    client(f, 'c1').set('x', 'a')
    const before = f.store.snapshot()
    const bad = [
      undefined,
      '',
      'garbage',
      'null',
      '[]',
      '{"v":2,"op":"set","key":"x","value":"z","client":"c9","seq":1}',
      '{"v":1,"op":"set","key":"x","client":"c9","seq":1}',
      '{"v":1,"op":"drop","key":"x","client":"c9","seq":1}',
      '{"v":1,"op":"set","key":"x","value":"z","client":"c9","seq":-3}',
    ]
    for (const data of bad) {
      const r = f.raw(data)
      expect(r?.ok).toBe(false)
      expect(r?.value).toBeNull()
      expect(r?.error).toEqual(expect.any(String))
    }
    const after = JSON.parse(f.store.snapshot())
    expect(after.applied).toBe(1 + bad.length)
    expect({ ...after, applied: 1 }).toEqual(JSON.parse(before))
  })

  it('throws when an entry is applied twice or out of order', () => {
    const f = new Feeder()
    client(f, 'c1').set('x', 'a') // index 1
    f.raw(undefined, 'noop') // index 2
    expect(() => f.store.apply({ index: 2, term: 1, kind: 'noop' })).toThrow(/entry 2 applied out of order \(already applied up to 2\)/)
    expect(() => f.store.apply({ index: 1, term: 1, kind: 'noop' })).toThrow(/out of order/)
    expect(f.store.appliedIndex).toBe(2)
  })
})

describe('KvStore snapshot and restore', () => {
  function busyStore(): Feeder {
    const f = new Feeder()
    const a = client(f, 'alice')
    const b = client(f, 'bob')
    a.set('x', 'a')
    b.set('y', 'b')
    a.cas('x', 'a', 'a2')
    b.del('y')
    b.cas('z', 'nope', 'c') // a failed cas: its answer is the session's result
    f.raw(undefined, 'noop')
    return f
  }

  it('round-trips exactly: data, appliedIndex, and a snapshot of the restored store', () => {
    const f = busyStore()
    const snap = f.store.snapshot()
    const restored = new KvStore()
    restored.restore(snap)
    expect(restored.entries()).toEqual(f.store.entries())
    expect(restored.appliedIndex).toBe(f.store.appliedIndex)
    expect(restored.size).toBe(f.store.size)
    expect(restored.snapshot()).toBe(snap)
  })

  it('keeps the dedup table: a retry after restore returns the first result without applying', () => {
    const f = busyStore()
    const g = new Feeder(new KvStore())
    g.store.restore(f.store.snapshot())
    g.index = g.store.appliedIndex
    // alice's latest request was seq 2: cas x a -> a2, which swapped.
    expect(g.command({ op: 'cas', key: 'x', expected: 'a', value: 'a2', client: 'alice', seq: 2 })).toEqual({ ok: true, value: 'a2' })
    // bob's latest (seq 3) was a failed cas; its retry answers the same, even after z is created.
    g.command({ op: 'set', key: 'z', value: 'nope', client: 'carol', seq: 1 })
    expect(g.command({ op: 'cas', key: 'z', expected: 'nope', value: 'c', client: 'bob', seq: 3 })).toEqual({ ok: false, value: null })
    expect(g.store.read('z')).toBe('nope')
    expect(g.command({ op: 'set', key: 'x', value: 'old', client: 'alice', seq: 1 })).toMatchObject({ error: 'stale request' })
  })

  it('continues from the restored appliedIndex', () => {
    const f = busyStore()
    const s = new KvStore()
    s.restore(f.store.snapshot())
    expect(() => s.apply({ index: f.store.appliedIndex, term: 1, kind: 'noop' })).toThrow(/out of order/)
    expect(s.apply({ index: f.store.appliedIndex + 1, term: 1, kind: 'noop' })).toBeNull()
  })

  it('is deterministic: the same state from a different order gives the same string', () => {
    const one = new Feeder()
    const two = new Feeder()
    one.command({ op: 'set', key: 'b', value: '2', client: 'p', seq: 1 })
    one.command({ op: 'set', key: 'a', value: '1', client: 'q', seq: 1 })
    two.command({ op: 'set', key: 'a', value: '1', client: 'q', seq: 1 })
    two.command({ op: 'set', key: 'b', value: '2', client: 'p', seq: 1 })
    expect(one.store.snapshot()).toBe(two.store.snapshot())
    two.command({ op: 'get', key: 'a', client: 'q', seq: 2 })
    expect(one.store.snapshot()).not.toBe(two.store.snapshot())
  })

  it('rejects garbage with a clear error and leaves the store unchanged', () => {
    const f = busyStore()
    const before = f.store.snapshot()
    const good = JSON.parse(before)
    const bad: [string, RegExp][] = [
      ['', /not valid JSON/],
      ['[]', /not a JSON object/],
      [JSON.stringify({ ...good, v: 2 }), /unsupported version 2/],
      [JSON.stringify({ ...good, applied: -1 }), /applied must be a non-negative integer/],
      [JSON.stringify({ ...good, data: {} }), /data must be an array/],
      [JSON.stringify({ ...good, data: [['k']] }), /\[key, value\] pair/],
      [JSON.stringify({ ...good, data: [['k', 1]] }), /\[key, value\] pair/],
      [JSON.stringify({ ...good, data: [['k', 'a'], ['k', 'b']] }), /key "k" appears twice/],
      [JSON.stringify({ ...good, sessions: null }), /sessions must be an array/],
      [JSON.stringify({ ...good, sessions: [['c', 0, true, null]] }), /seq must be a positive integer/],
      [JSON.stringify({ ...good, sessions: [['c', 1, 'yes', null]] }), /ok must be a boolean/],
      [JSON.stringify({ ...good, sessions: [['c', 1, true, 5]] }), /value must be a string or null/],
      [JSON.stringify({ ...good, sessions: [['c', 1, true, null], ['c', 2, true, null]] }), /client "c" appears twice/],
    ]
    for (const [data, message] of bad) {
      expect(() => f.store.restore(data)).toThrow(message)
      expect(f.store.snapshot()).toBe(before)
    }
  })
})

describe('KvStore.apply with the command already decoded', () => {
  it('gives the same results and state as decoding it itself, bad commands included', () => {
    const datas = [
      encodeCommand({ op: 'set', key: 'a', value: '1', client: 'c', seq: 1 }),
      encodeCommand({ op: 'cas', key: 'a', expected: '1', value: '2', client: 'c', seq: 2 }),
      encodeCommand({ op: 'cas', key: 'a', expected: '1', value: '2', client: 'c', seq: 2 }), // a retry: answered again
      '{"v":1,"op":"set"}',
      encodeCommand({ op: 'delete', key: 'a', client: 'd', seq: 1 }),
    ]
    const plain = new KvStore()
    const given = new KvStore()
    datas.forEach((data, i) => {
      const e: Entry = { index: i + 1, term: 1, kind: 'command', data }
      expect(given.apply(e, decodeCommand(data))).toEqual(plain.apply(e))
    })
    expect(given.snapshot()).toBe(plain.snapshot())
  })
})
