import type { Entry } from '../raft/types.ts'
import { decodeCommand, type KvCommand } from './command.ts'

/**
 * The answer to one command.
 * - set: ok, value = the new value.
 * - get: ok, value = the current value or null.
 * - delete: ok, value = the previous value or null.
 * - cas: ok = whether it swapped (`expected: null` means "key absent"); value = the value after the operation.
 * - malformed or stale command: ok false, value null, `error` says why; the state did not change.
 */
export interface KvResult {
  ok: boolean
  value: string | null
  error?: string
}

/** The answer a client already received for its latest request. */
interface Session {
  seq: number
  result: KvResult
}

/** Snapshot format version, independent of the command encoding. */
const SNAPSHOT_VERSION = 1

/**
 * The replicated key/value state machine. It is fed committed entries in log order and is deterministic:
 * replicas that apply the same entries hold the same state and return the same results.
 *
 * Each client's latest request is remembered (a session, as in the Raft thesis section 6.3), so a retried
 * command is answered again without being applied twice.
 */
export class KvStore {
  #data = new Map<string, string>()
  #sessions = new Map<string, Session>()
  /** The clients of #sessions in byKey order, kept until a new client comes (snapshots are taken often, clients rarely new). */
  #clientsSorted: string[] | null = null
  /** Invariant: every entry passed to `apply` so far had an index <= #applied, and they increased strictly. */
  #applied = 0

  /**
   * Applies one committed entry and returns its result; null for `noop` and `config` entries.
   * Never throws on bad entry data (that is an error result and changes nothing).
   * @throws Error when `entry.index <= appliedIndex`: entries are applied once each, in index order.
   */
  apply(entry: Entry, decoded?: KvCommand | { error: string }): KvResult | null {
    if (!(entry.index > this.#applied)) {
      throw new Error(`kv: entry ${entry.index} applied out of order (already applied up to ${this.#applied})`)
    }
    this.#applied = entry.index
    if (entry.kind !== 'command') return null
    if (entry.data === undefined) return { ok: false, value: null, error: 'command entry has no data' }
    // `decoded`: decodeCommand(entry.data) made earlier by the caller (the host decodes each entry once, for its label).
    const c = decoded ?? decodeCommand(entry.data)
    if ('error' in c) return { ok: false, value: null, error: c.error }

    const session = this.#sessions.get(c.client)
    if (session !== undefined) {
      if (c.seq === session.seq) return copy(session.result)
      if (c.seq < session.seq) return { ok: false, value: null, error: 'stale request' }
    }
    const result = this.#execute(c)
    if (session === undefined) this.#clientsSorted = null
    this.#sessions.set(c.client, { seq: c.seq, result })
    return copy(result)
  }

  #execute(c: KvCommand): KvResult {
    const current = this.#data.get(c.key) ?? null
    switch (c.op) {
      case 'set':
        this.#data.set(c.key, c.value as string)
        return { ok: true, value: c.value as string }
      case 'get':
        return { ok: true, value: current }
      case 'delete':
        this.#data.delete(c.key)
        return { ok: true, value: current }
      case 'cas':
        if (current !== c.expected) return { ok: false, value: current }
        this.#data.set(c.key, c.value as string)
        return { ok: true, value: c.value as string }
    }
  }

  /** The current value of `key`, or null. A local read: linearizable only after a ReadIndex round. */
  read(key: string): string | null {
    return this.#data.get(key) ?? null
  }

  /** All pairs, sorted by key (UTF-16 code unit order, the same in every locale). */
  entries(): [string, string][] {
    return [...this.#data].sort(byKey)
  }

  /** Number of keys present. */
  get size(): number {
    return this.#data.size
  }

  /** Index of the last entry passed to `apply` (of any kind), or of the restored snapshot. */
  get appliedIndex(): number {
    return this.#applied
  }

  /**
   * The whole state (data, sessions, appliedIndex) as a string. Deterministic: equal states give equal strings,
   * whatever order the keys and clients were written in.
   */
  snapshot(): string {
    const sessions: [string, number, boolean, string | null, string?][] = []
    const clients = (this.#clientsSorted ??= [...this.#sessions.keys()].sort(byName))
    for (const client of clients) {
      const s = this.#sessions.get(client)!
      const row: [string, number, boolean, string | null, string?] = [client, s.seq, s.result.ok, s.result.value]
      if (s.result.error !== undefined) row.push(s.result.error)
      sessions.push(row)
    }
    return JSON.stringify({ v: SNAPSHOT_VERSION, applied: this.#applied, data: this.entries(), sessions })
  }

  /**
   * Replaces the whole state with a `snapshot()` string.
   * @throws Error naming the problem when `data` is not a valid snapshot; the store is then unchanged.
   */
  restore(data: string): void {
    // Annotated so that the compiler treats a call as the end of the path (narrowing after `if (...) fail(...)`).
    const fail: (why: string) => never = (why) => {
      throw new Error(`kv: cannot restore snapshot: ${why}`)
    }
    let raw: unknown
    try {
      raw = JSON.parse(data)
    } catch {
      fail('not valid JSON')
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('not a JSON object')
    const o = raw as Record<string, unknown>
    if (o.v !== SNAPSHOT_VERSION) fail(`unsupported version ${String(o.v)} (this build reads version ${SNAPSHOT_VERSION})`)
    if (typeof o.applied !== 'number' || !Number.isSafeInteger(o.applied) || o.applied < 0) {
      fail('applied must be a non-negative integer')
    }
    if (!Array.isArray(o.data)) fail('data must be an array')
    if (!Array.isArray(o.sessions)) fail('sessions must be an array')

    const dataMap = new Map<string, string>()
    for (const pair of o.data as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
        fail('each data item must be a [key, value] pair of strings')
      }
      const [k, v] = pair as [string, string]
      if (dataMap.has(k)) fail(`key ${JSON.stringify(k)} appears twice`)
      dataMap.set(k, v)
    }
    const sessionMap = new Map<string, Session>()
    for (const row of o.sessions as unknown[]) {
      if (!Array.isArray(row) || row.length < 4 || row.length > 5) fail('each session must be [client, seq, ok, value, error?]')
      const [client, seq, ok, value, error] = row as unknown[]
      if (typeof client !== 'string' || client.length === 0) fail('session client must be a non-empty string')
      if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) fail('session seq must be a positive integer')
      if (typeof ok !== 'boolean') fail('session ok must be a boolean')
      if (value !== null && typeof value !== 'string') fail('session value must be a string or null')
      if (row.length === 5 && typeof error !== 'string') fail('session error must be a string')
      if (sessionMap.has(client as string)) fail(`client ${JSON.stringify(client)} appears twice`)
      const result: KvResult = { ok: ok as boolean, value: value as string | null }
      if (row.length === 5) result.error = error as string
      sessionMap.set(client as string, { seq: seq as number, result })
    }
    // Validated in full above: only now replace the state, so a bad snapshot leaves the store as it was.
    this.#data = dataMap
    this.#sessions = sessionMap
    this.#clientsSorted = null
    this.#applied = o.applied as number
  }
}

function copy(r: KvResult): KvResult {
  return r.error === undefined ? { ok: r.ok, value: r.value } : { ok: r.ok, value: r.value, error: r.error }
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function byKey(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0
}
