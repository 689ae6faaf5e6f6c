/**
 * A recorded run as a file (export and import) and as a link to one moment of it (a URL parameter holding the run,
 * deflated and base64url-encoded). Import validates everything before anything is used: a wrong version, a huge
 * file, cut-off JSON, a wrong type or an action naming a node the run never created is refused with a reason.
 */
import type { NodeId } from '../raft/types.ts'
import { RECORD_VERSION, type Action, type RunRecord } from './record.ts'

/** The largest run file accepted, in bytes. */
export const MAX_RUN_BYTES = 20 * 1024 * 1024

export type RunFileError =
  | { k: 'tooBig'; bytes: number }
  | { k: 'json' }
  | { k: 'version'; version: string }
  | { k: 'field'; what: string }
  | { k: 'unknownNode'; index: number; node: NodeId }

/** The run as the text of a file. */
export function runToJson(rec: RunRecord): string {
  return JSON.stringify(rec)
}

const KINDS: Record<Action['k'], true> = {
  crash: true,
  retire: true,
  boot: true,
  pause: true,
  resume: true,
  slot: true,
  wipe: true,
  input: true,
  admin: true,
  params: true,
  net: true,
  drop: true,
  dup: true,
  submit: true,
  load: true,
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const isStr = (v: unknown): v is string => typeof v === 'string'

/** Read a run file's text (`bytes`: its size, checked before parsing). */
export function parseRunFile(text: string, bytes = text.length): { ok: true; rec: RunRecord } | { ok: false; error: RunFileError } {
  if (bytes > MAX_RUN_BYTES) return { ok: false, error: { k: 'tooBig', bytes } }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { ok: false, error: { k: 'json' } }
  }
  const bad = (what: string) => ({ ok: false as const, error: { k: 'field' as const, what } })
  if (!isObj(raw)) return bad('it is not an object')
  if (raw.version !== RECORD_VERSION) return { ok: false, error: { k: 'version', version: String(raw.version) } }
  const spec = raw.spec
  if (!isObj(spec)) return bad('"spec" is missing')
  if (!isNum(spec.seed) || !Number.isInteger(spec.seed)) return bad('"spec.seed" is not a whole number')
  if (!Array.isArray(spec.nodes) || spec.nodes.length === 0 || spec.nodes.length > 9 || !spec.nodes.every((n) => isStr(n) && /^n\d{1,3}$/.test(n)))
    return bad('"spec.nodes" is not a list of 1 to 9 node names like n1')
  if (!isObj(spec.params) || !isNum(spec.params.electionTick) || !isNum(spec.params.heartbeatTick)) return bad('"spec.params" is missing election or heartbeat ticks')
  if (!isNum(spec.tickMs) || spec.tickMs <= 0) return bad('"spec.tickMs" is not a positive number')
  if (!isObj(spec.network) || !isObj(spec.network.defaults)) return bad('"spec.network" is missing')
  if (spec.storage !== 'durable' && spec.storage !== 'volatile') return bad('"spec.storage" is neither durable nor volatile')
  if (!isNum(spec.snapshotEvery) || !isNum(spec.clientTimeoutMs)) return bad('"spec.snapshotEvery" or "spec.clientTimeoutMs" is not a number')
  if (!isStr(spec.name)) return bad('"spec.name" is not text')
  for (const k of ['joined', 'retired'] as const) if (!Array.isArray(raw[k]) || !(raw[k] as unknown[]).every(isStr)) return bad(`"${k}" is not a list of node names`)
  if (!isStr(raw.session)) return bad('"session" is not text')
  if (!isNum(raw.end) || raw.end < 0) return bad('"end" is not a time')
  if (!Array.isArray(raw.checkpoints) || !raw.checkpoints.every((c) => isObj(c) && isNum(c.t) && isStr(c.h))) return bad('"checkpoints" is not a list of times and hashes')
  if (!Array.isArray(raw.actions)) return bad('"actions" is not a list')
  const known = new Set<string>([...(spec.nodes as string[]), ...(raw.joined as string[]), ...(raw.retired as string[])])
  let last = 0
  for (let i = 0; i < raw.actions.length; i++) {
    const a: unknown = raw.actions[i]
    if (!isObj(a) || !isStr(a.k) || !(a.k in KINDS)) return bad(`action ${i + 1} has no known kind`)
    if (!isNum(a.t) || a.t < last || a.t > raw.end) return bad(`action ${i + 1} has no time in order within the run`)
    last = a.t
    if (a.h !== undefined && !isStr(a.h)) return bad(`action ${i + 1} has a hash that is not text`)
    if (a.k === 'slot' && isStr(a.node) && /^n\d{1,3}$/.test(a.node)) known.add(a.node)
    const nodes: unknown[] = []
    if ('node' in a) nodes.push(a.node)
    if (a.k === 'submit' && a.target !== undefined) nodes.push(a.target)
    if (a.k === 'admin' && isObj(a.input)) {
      if (a.input.type === 'transfer') nodes.push(a.input.to)
      if (a.input.type === 'confChange' && isObj(a.input.change)) nodes.push(a.input.change.node)
    }
    for (const n of nodes) {
      if (!isStr(n)) return bad(`action ${i + 1} names a node that is not text`)
      if (!known.has(n)) return { ok: false, error: { k: 'unknownNode', index: i + 1, node: n } }
    }
    if ((a.k === 'drop' || a.k === 'dup') && !isNum(a.id)) return bad(`action ${i + 1} has no message id`)
    if (a.k === 'net' && (!isObj(a.config) || !isObj(a.config.defaults))) return bad(`action ${i + 1} has no network`)
    if (a.k === 'load' && typeof a.on !== 'boolean') return bad(`action ${i + 1} says neither on nor off`)
    if (a.k === 'submit' && (!isStr(a.client) || !isObj(a.cmd) || !isStr(a.cmd.op) || !isStr(a.cmd.key))) return bad(`action ${i + 1} has no client operation`)
    if (a.k === 'params' && !isObj(a.params)) return bad(`action ${i + 1} has no parameters`)
    if (a.k === 'boot' && a.storage !== 'durable' && a.storage !== 'volatile') return bad(`action ${i + 1} has no storage mode`)
    if (a.k === 'admin' && (!isObj(a.input) || !isStr(a.what))) return bad(`action ${i + 1} has no request`)
  }
  return { ok: true, rec: raw as unknown as RunRecord }
}

function toBase64Url(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64Url(s: string): Uint8Array {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/'))
  const out = new Uint8Array(b.length)
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i)
  return out
}

async function pipe(data: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const body = new Blob([data as BlobPart]).stream().pipeThrough(stream)
  return new Uint8Array(await new Response(body).arrayBuffer())
}

import { MOMENT_PARAM } from './recorded.ts'
export { MOMENT_PARAM }

/** A moment as a URL parameter value: the run up to `t` (deflated JSON, base64url) and the time. */
export async function encodeMoment(rec: RunRecord, t: number): Promise<string> {
  const cut: RunRecord = { ...rec, actions: rec.actions.filter((a) => a.t <= t), checkpoints: rec.checkpoints.filter((c) => c.t <= t), end: Math.round(t) }
  const bytes = await pipe(new TextEncoder().encode(runToJson(cut)), new CompressionStream('deflate-raw'))
  return `${Math.round(t)}.${toBase64Url(bytes)}`
}

/** Read a moment parameter back: the run and the time to show. */
export async function decodeMoment(param: string): Promise<{ ok: true; rec: RunRecord; t: number } | { ok: false; error: RunFileError }> {
  const dot = param.indexOf('.')
  const t = Number(param.slice(0, dot))
  if (dot <= 0 || !Number.isFinite(t)) return { ok: false, error: { k: 'json' } }
  let text: string
  try {
    text = new TextDecoder().decode(await pipe(fromBase64Url(param.slice(dot + 1)), new DecompressionStream('deflate-raw')))
  } catch {
    return { ok: false, error: { k: 'json' } }
  }
  const r = parseRunFile(text)
  return r.ok ? { ok: true, rec: r.rec, t: Math.min(t, r.rec.end) } : r
}

/**
 * The link that reproduces `rec` up to `t` (ms) and opens it paused there: the page's own address with the moment
 * parameter. For the invariants panel's "share this moment" on a violation: `shareMomentLink(rec, violation.time)`.
 */
export async function shareMomentLink(rec: RunRecord, t: number, base: string = location.href): Promise<string> {
  const url = new URL(base)
  url.searchParams.set(MOMENT_PARAM, await encodeMoment(rec, t))
  return url.toString()
}
