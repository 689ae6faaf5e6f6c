// The record checksum: standard FNV-1a 32 over UTF-16LE, covering every field, the store and the key.
import { describe, it, expect } from 'vitest'
import { entrySum, fieldsSum, fnv1a32, hardStateSum, schemaSum, snapshotSum } from '../../../src/storage/checksum.ts'
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
