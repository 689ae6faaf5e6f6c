// The record checksum: standard FNV-1a 32 over UTF-16LE, covering every field, the store and the key.
import { describe, it, expect } from 'vitest'
import { entrySum, fieldsSum, fnv1a32, hardStateSum, schemaSum, segmentSum, snapshotSum } from '../../../src/storage/checksum.ts'
import type { Segment } from '../../../src/storage/segments.ts'
import type { Entry } from '../../../src/raft/types.ts'

/** Textbook byte-wise FNV-1a 32, independent of the implementation under test. */
function fnvBytes(bytes: Uint8Array): number {
  let h = 2166136261
  for (const b of bytes) {
    h = (h ^ b) >>> 0
    h = Number((BigInt(h) * 16777619n) % 4294967296n)
  }
  return h
}

describe('fnv1a32', () => {
  it('the reference implementation matches published FNV-1a 32 test vectors', () => {
    const ascii = (s: string) => new TextEncoder().encode(s)
    expect(fnvBytes(ascii(''))).toBe(0x811c9dc5)
    expect(fnvBytes(ascii('a'))).toBe(0xe40c292c)
    expect(fnvBytes(ascii('foobar'))).toBe(0xbf9cf968)
  })

  it('equals FNV-1a 32 of the UTF-16LE bytes', () => {
    for (const s of ['', 'a', 'foobar', '["log",7,7,2,"command","set x 1"]', 'ünïcødé ✓ 𝄞']) {
      expect(fnv1a32(s)).toBe(fnvBytes(new Uint8Array(Buffer.from(s, 'utf16le'))))
    }
  })
})

/** The documented canonical encoding, built byte by byte. */
function encode(fields: unknown[]): Uint8Array {
  const out: number[] = []
  const u32 = (n: number) => out.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff)
  const str = (s: string) => {
    u32(s.length)
    out.push(...Buffer.from(s, 'utf16le'))
  }
  const put = (v: unknown): void => {
    if (typeof v === 'string') { out.push(1); str(v) }
    else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) { out.push(2); u32(v % 2 ** 32); u32(Math.floor(v / 2 ** 32)) }
    else if (typeof v === 'number') { out.push(3); str(String(v)) }
    else if (v === null || v === undefined) out.push(4)
    else if (Array.isArray(v)) { out.push(5); u32(v.length); v.forEach(put) }
    else { out.push(6); str(JSON.stringify(v)) }
  }
  fields.forEach(put)
  return new Uint8Array(out)
}

describe('canonical encoding', () => {
  it('is hashed exactly as documented', () => {
    const cases: unknown[][] = [
      [],
      ['log', 7, 7, 2, 'command', 'set x 1'],
      ['meta', 'hardState', 3, null, 2 ** 40 + 5],
      ['snapshot', 'latest', 1.5, -1, ['n1', 'n2'], undefined, '{"k":"✓"}'],
      [{ odd: true }, [[], ['x']]],
    ]
    for (const fields of cases) expect(fieldsSum(fields)).toBe(fnvBytes(encode(fields)))
  })

  it('is unambiguous where a plain concatenation would not be', () => {
    expect(fieldsSum(['ab', 'c'])).not.toBe(fieldsSum(['a', 'bc']))
    expect(fieldsSum([null])).not.toBe(fieldsSum(['']))
    expect(fieldsSum([[]])).not.toBe(fieldsSum([null]))
    expect(fieldsSum([1])).not.toBe(fieldsSum(['1']))
  })
})

describe('record checksums', () => {
  const e: Entry = { index: 7, term: 2, kind: 'command', data: 'set x 1' }

  it('change when any field of an entry changes, or when it moves to another key', () => {
    const base = entrySum(7, e)
    const variants = [
      entrySum(8, e),
      entrySum(7, { ...e, index: 8 }),
      entrySum(7, { ...e, term: 3 }),
      entrySum(7, { ...e, kind: 'noop' }),
      entrySum(7, { ...e, data: 'set x 2' }),
      entrySum(7, { ...e, data: '' }),
      entrySum(7, { index: 7, term: 2, kind: 'command' }),
    ]
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1)
  })

  it('do not depend on the order of an object\'s properties', () => {
    expect(entrySum(7, { data: 'set x 1', kind: 'command', term: 2, index: 7 } as Entry)).toBe(entrySum(7, e))
  })

  it('cover the other record kinds field by field', () => {
    const h = { term: 2, vote: 'n1', commit: 5 }
    expect(new Set([
      hardStateSum('hardState', h),
      hardStateSum('hardState', { ...h, vote: null }),
      hardStateSum('hardState', { ...h, commit: 4 }),
      hardStateSum('schema', h),
    ]).size).toBe(4)
    const s = { index: 3, term: 1, voters: ['n1', 'n2'], data: '{}' }
    expect(new Set([
      snapshotSum('latest', s),
      snapshotSum('latest', { ...s, voters: ['n1'] }),
      snapshotSum('latest', { ...s, learners: [] }),
      snapshotSum('latest', { ...s, data: '{ }' }),
    ]).size).toBe(4)
    expect(schemaSum('schema', { version: 2, node: 'n1' })).not.toBe(schemaSum('schema', { version: 1, node: 'n1' }))
  })
})

describe('segment checksums', () => {
  const list: Entry[] = [
    { index: 4, term: 1, kind: 'noop' },
    { index: 5, term: 2, kind: 'command', data: 'set x 1' },
    { index: 6, term: 2, kind: 'config', data: '{"type":"addVoter","node":"n4"}' },
  ]
  const seg: Segment = { first: 4, last: 6, entries: list }

  it('is the documented encoding of [store, key, first, last, [[index, term, kind, data], ...]]', () => {
    const fields = ['log', 4, 4, 6, list.map((e) => [e.index, e.term, e.kind, e.data])]
    expect(segmentSum(4, seg)).toBe(fieldsSum(fields))
    expect(segmentSum(4, seg)).toBe(fnvBytes(encode(fields)))
    expect(segmentSum(1, { first: 1, last: 0, entries: [] })).toBe(fnvBytes(encode(['log', 1, 1, 0, []])))
  })

  it('changes with the key, either bound, and any field of any entry, and with entries dropped or reordered', () => {
    const at = (i: number, change: Partial<Entry>): Segment => ({ ...seg, entries: list.map((e, j) => (j === i ? { ...e, ...change } : e)) })
    const variants = [
      segmentSum(5, seg),
      segmentSum(4, { ...seg, first: 5 }),
      segmentSum(4, { ...seg, last: 7 }),
      segmentSum(4, at(0, { index: 7 })),
      segmentSum(4, at(1, { term: 3 })),
      segmentSum(4, at(2, { kind: 'command' })),
      segmentSum(4, at(1, { data: 'set x 2' })),
      segmentSum(4, at(0, { data: '' })),
      segmentSum(4, { ...seg, entries: list.slice(0, 2) }),
      segmentSum(4, { ...seg, entries: [list[1], list[0], list[2]] }),
    ]
    expect(new Set([segmentSum(4, seg), ...variants]).size).toBe(variants.length + 1)
  })

  it('does not depend on property order, and differs from the same entries stored one by one', () => {
    const shuffled = { entries: list.map((e) => ({ data: e.data, kind: e.kind, term: e.term, index: e.index }) as Entry), last: 6, first: 4 }
    expect(segmentSum(4, shuffled)).toBe(segmentSum(4, seg))
    expect(segmentSum(4, { first: 4, last: 4, entries: [list[0]] })).not.toBe(entrySum(4, list[0]))
  })

  it('hashes malformed values without throwing where it can, so they read as mismatches', () => {
    const odd = { first: 4, last: 6, entries: 'not a list' } as unknown as Segment
    expect(segmentSum(4, odd)).toBe(fieldsSum(['log', 4, 4, 6, 'not a list']))
  })
})
