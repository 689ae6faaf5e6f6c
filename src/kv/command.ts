/**
 * The client commands of the key/value store and their wire encoding: the `data` of a Raft `command` entry.
 *
 * Encoding: JSON of `{ v, op, key, value?, expected?, client, seq }` with `v = KV_COMMAND_VERSION`. Encoding and
 * decoding apply the same validation, so anything `encodeCommand` accepts, `decodeCommand` returns unchanged.
 */

/** The operations of the store. */
export type KvOp = 'set' | 'get' | 'delete' | 'cas'

/**
 * One client request. `(client, seq)` identifies it for deduplication: a client numbers its requests
 * 1, 2, 3, ... and retries a request with the same `seq`.
 * - set: `value` required. get, delete: no `value`, no `expected`.
 * - cas: `value` required, `expected` required (`null` means "the key is absent").
 */
export interface KvCommand {
  op: KvOp
  key: string
  value?: string
  expected?: string | null
  client: string
  seq: number
}

/** A malformed command, raised by `encodeCommand`. */
export class KvCommandError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'KvCommandError'
  }
}

/** The encoding version written by `encodeCommand`. A decoder rejects any other version. */
export const KV_COMMAND_VERSION = 1

/** Longest key, in UTF-16 code units (`string.length`). */
export const MAX_KEY_LENGTH = 256
/** Longest value (and cas `expected`), in UTF-16 code units. */
export const MAX_VALUE_LENGTH = 4096

/**
 * Validates and encodes a command for a Raft `command` entry.
 * @throws KvCommandError with a message naming the offending field when the command is malformed.
 */
export function encodeCommand(c: KvCommand): string {
  const problem = validate(c)
  if (problem !== null) throw new KvCommandError(problem)
  // Fixed field order and no undefined fields: equal commands encode to equal strings.
  const wire: Record<string, unknown> = { v: KV_COMMAND_VERSION, op: c.op, key: c.key }
  if (c.value !== undefined) wire.value = c.value
  if (c.expected !== undefined) wire.expected = c.expected
  wire.client = c.client
  wire.seq = c.seq
  return JSON.stringify(wire)
}

/** Decodes entry data. Never throws: returns the command, or `{ error }` for bad JSON, another version or bad fields. */
export function decodeCommand(data: string): KvCommand | { error: string } {
  if (typeof data !== 'string') return { error: 'command data is not a string' }
  let raw: unknown
  try {
    raw = JSON.parse(data)
  } catch {
    return { error: 'command data is not valid JSON' }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: 'command data is not a JSON object' }
  const o = raw as Record<string, unknown>
  if (o.v !== KV_COMMAND_VERSION) {
    return { error: `unsupported command version ${show(o.v)} (this build reads version ${KV_COMMAND_VERSION})` }
  }
  const problem = validate(o)
  if (problem !== null) return { error: problem }
  for (const field in o) {
    // A field this version does not know would be silently dropped: refuse rather than half-understand.
    if (!KNOWN_FIELDS.has(field)) return { error: `${o.op as string}: unknown field ${show(field)}` }
  }
  const c: KvCommand = { op: o.op as KvOp, key: o.key as string, client: o.client as string, seq: o.seq as number }
  if (o.value !== undefined) c.value = o.value as string
  if (o.expected !== undefined) c.expected = o.expected as string | null
  return c
}

const OPS: ReadonlySet<unknown> = new Set<KvOp>(['set', 'get', 'delete', 'cas'])
const KNOWN_FIELDS: ReadonlySet<string> = new Set(['v', 'op', 'key', 'value', 'expected', 'client', 'seq'])

/** Returns a description of the first problem, or null when the command is well formed. */
function validate(command: object): string | null {
  if (typeof command !== 'object' || command === null) return 'command is not an object'
  const { op, key, value, expected, client, seq } = command as Partial<Record<string, unknown>>
  if (!OPS.has(op)) return `unknown op ${show(op)} (expected set, get, delete or cas)`
  if (typeof key !== 'string') return `${op}: key must be a string`
  if (key.length === 0) return `${op}: key must not be empty`
  if (key.length > MAX_KEY_LENGTH) return `${op}: key is ${key.length} characters long; the limit is ${MAX_KEY_LENGTH}`
  if (op === 'set' || op === 'cas') {
    if (value === undefined) return `${op}: value is required`
    if (typeof value !== 'string') return `${op}: value must be a string`
    if (value.length > MAX_VALUE_LENGTH) {
      return `${op}: value is ${value.length} characters long; the limit is ${MAX_VALUE_LENGTH}`
    }
  } else if (value !== undefined) {
    return `${op}: takes no value`
  }
  if (op === 'cas') {
    if (expected === undefined) return 'cas: expected is required (a string, or null for "key absent")'
    if (expected !== null && typeof expected !== 'string') return 'cas: expected must be a string or null'
    if (typeof expected === 'string' && expected.length > MAX_VALUE_LENGTH) {
      return `cas: expected is ${expected.length} characters long; the limit is ${MAX_VALUE_LENGTH}`
    }
  } else if (expected !== undefined) {
    return `${op}: takes no expected value (only cas does)`
  }
  if (typeof client !== 'string' || client.length === 0) return `${op}: client must be a non-empty string`
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    return `${op}: seq must be a positive safe integer, got ${show(seq)}`
  }
  return null
}

/** A short printable form of an arbitrary value, for error messages. */
function show(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x)
  if (Array.isArray(x)) return 'an array'
  if (typeof x === 'object' && x !== null) return 'an object'
  return String(x)
}
