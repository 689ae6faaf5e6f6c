import { describe, it, expect } from 'vitest'
import {
  decodeCommand,
  encodeCommand,
  KV_COMMAND_VERSION,
  KvCommandError,
  MAX_KEY_LENGTH,
  MAX_VALUE_LENGTH,
  type KvCommand,
} from '../../../src/kv/command.ts'

const base = { client: 'c1', seq: 1 }

describe('encodeCommand / decodeCommand', () => {
  it('round-trips every op exactly', () => {
    const commands: KvCommand[] = [
      { op: 'set', key: 'x', value: 'a', ...base },
      { op: 'set', key: 'x', value: '', ...base }, // the empty string is a value
      { op: 'get', key: 'x', ...base },
      { op: 'delete', key: 'x', ...base },
      { op: 'cas', key: 'x', expected: 'a', value: 'b', ...base },
      { op: 'cas', key: 'x', expected: null, value: 'b', client: 'c9', seq: Number.MAX_SAFE_INTEGER },
      { op: 'set', key: 'k'.repeat(MAX_KEY_LENGTH), value: 'v'.repeat(MAX_VALUE_LENGTH), ...base },
      { op: 'set', key: 'ключ "quoted" \n', value: '{"v":2}', ...base },
    ]
    for (const c of commands) expect(decodeCommand(encodeCommand(c))).toEqual(c)
  })

  it('writes the version and nothing undefined', () => {
    const wire = JSON.parse(encodeCommand({ op: 'get', key: 'x', value: undefined, ...base }))
    expect(wire).toEqual({ v: KV_COMMAND_VERSION, op: 'get', key: 'x', client: 'c1', seq: 1 })
  })

  it('encodes equal commands to equal strings whatever their field order', () => {
    const a = encodeCommand({ op: 'cas', key: 'x', expected: 'a', value: 'b', client: 'c', seq: 3 })
    const b = encodeCommand({ seq: 3, client: 'c', value: 'b', expected: 'a', key: 'x', op: 'cas' })
    expect(a).toBe(b)
  })

  const malformed: [string, unknown, RegExp][] = [
    ['unknown op', { op: 'put', key: 'x', value: 'a', ...base }, /unknown op "put"/],
    ['non-string key', { op: 'get', key: 7, ...base }, /key must be a string/],
    ['empty key', { op: 'get', key: '', ...base }, /key must not be empty/],
    ['key too long', { op: 'get', key: 'k'.repeat(MAX_KEY_LENGTH + 1), ...base }, /key is 257 characters long; the limit is 256/],
    ['set without value', { op: 'set', key: 'x', ...base }, /set: value is required/],
    ['cas without value', { op: 'cas', key: 'x', expected: null, ...base }, /cas: value is required/],
    ['non-string value', { op: 'set', key: 'x', value: 5, ...base }, /value must be a string/],
    ['value too long', { op: 'set', key: 'x', value: 'v'.repeat(MAX_VALUE_LENGTH + 1), ...base }, /value is 4097 characters long; the limit is 4096/],
    ['get with value', { op: 'get', key: 'x', value: 'a', ...base }, /get: takes no value/],
    ['delete with value', { op: 'delete', key: 'x', value: 'a', ...base }, /delete: takes no value/],
    ['cas without expected', { op: 'cas', key: 'x', value: 'a', ...base }, /cas: expected is required/],
    ['cas with non-string expected', { op: 'cas', key: 'x', value: 'a', expected: 1, ...base }, /expected must be a string or null/],
    ['set with expected', { op: 'set', key: 'x', value: 'a', expected: 'b', ...base }, /set: takes no expected value/],
    ['empty client', { op: 'get', key: 'x', client: '', seq: 1 }, /client must be a non-empty string/],
    ['missing client', { op: 'get', key: 'x', seq: 1 }, /client must be a non-empty string/],
    ['seq zero', { op: 'get', key: 'x', client: 'c', seq: 0 }, /seq must be a positive safe integer, got 0/],
    ['negative seq', { op: 'get', key: 'x', client: 'c', seq: -1 }, /seq must be a positive safe integer/],
    ['fractional seq', { op: 'get', key: 'x', client: 'c', seq: 1.5 }, /seq must be a positive safe integer, got 1.5/],
    ['unsafe seq', { op: 'get', key: 'x', client: 'c', seq: 2 ** 53 }, /seq must be a positive safe integer/],
    ['string seq', { op: 'get', key: 'x', client: 'c', seq: '1' }, /seq must be a positive safe integer, got "1"/],
  ]

  for (const [name, command, message] of malformed) {
    it(`encode rejects ${name} with a clear message`, () => {
      expect(() => encodeCommand(command as KvCommand)).toThrow(KvCommandError)
      expect(() => encodeCommand(command as KvCommand)).toThrow(message)
    })

    it(`decode returns an error for ${name}`, () => {
      const decoded = decodeCommand(JSON.stringify({ v: KV_COMMAND_VERSION, ...(command as object) }))
      expect(decoded).toHaveProperty('error')
      expect((decoded as { error: string }).error).toMatch(message)
    })
  }

  it('decode never throws on garbage', () => {
    const garbage = ['', 'not json', '{', 'null', '42', '"text"', '[]', '[1,2]', '{}', '{"v":1}', '{"v":1,"op":null}', '['.repeat(100_000)]
    for (const data of garbage) {
      const decoded = decodeCommand(data)
      expect(decoded, data.slice(0, 20)).toHaveProperty('error')
    }
    expect(decodeCommand(undefined as unknown as string)).toHaveProperty('error')
  })

  it('decode rejects another version, including a future one', () => {
    const c = JSON.parse(encodeCommand({ op: 'get', key: 'x', ...base }))
    expect(decodeCommand(JSON.stringify({ ...c, v: KV_COMMAND_VERSION + 1 }))).toEqual({
      error: `unsupported command version 2 (this build reads version 1)`,
    })
    expect(decodeCommand(JSON.stringify({ ...c, v: undefined }))).toHaveProperty('error')
    expect(decodeCommand(JSON.stringify({ ...c, v: '1' }))).toHaveProperty('error')
  })

  it('decode rejects fields this version does not know', () => {
    const c = JSON.parse(encodeCommand({ op: 'get', key: 'x', ...base }))
    expect(decodeCommand(JSON.stringify({ ...c, ttl: 5 }))).toEqual({ error: 'get: unknown field "ttl"' })
    expect(decodeCommand('{"v":1,"op":"get","key":"x","client":"c","seq":1,"__proto__":{}}')).toHaveProperty('error')
  })
})
