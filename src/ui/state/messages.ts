/**
 * What the screen needs to know about a Raft message: its kind (for colour and glyph), whether it is a reply
 * (hollow) and whether a reply says yes or no, and how many entries it carries.
 */
import type { Message, MessageType } from '../../raft/types.ts'

export type MsgKind = 'vote' | 'prevote' | 'append' | 'heartbeat' | 'snapshot' | 'timeout'

export const MSG_KINDS: readonly MsgKind[] = ['append', 'heartbeat', 'vote', 'prevote', 'snapshot', 'timeout']

export interface MsgInfo {
  kind: MsgKind
  reply: boolean
  /** For replies that grant or refuse: true = granted/accepted, false = rejected; null when it says neither. */
  ok: boolean | null
  /** Entries carried (AppendEntries only). */
  entries: number
}

const KINDS: Record<MessageType, [MsgKind, boolean]> = {
  MsgApp: ['append', false],
  MsgAppResp: ['append', true],
  MsgHeartbeat: ['heartbeat', false],
  MsgHeartbeatResp: ['heartbeat', true],
  MsgVote: ['vote', false],
  MsgVoteResp: ['vote', true],
  MsgPreVote: ['prevote', false],
  MsgPreVoteResp: ['prevote', true],
  MsgSnap: ['snapshot', false],
  MsgSnapResp: ['snapshot', true],
  MsgTimeoutNow: ['timeout', false],
}

export function classify(m: Message): MsgInfo {
  const k = KINDS[m.type] ?? ['append', false]
  const reply = k[1]
  const ok = reply && k[0] !== 'heartbeat' ? !m.reject : null
  return { kind: k[0], reply, ok, entries: m.entries?.length ?? 0 }
}

/** A stable key for the unordered pair of nodes (one graph edge per pair). */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`
}

/** Node ids sorted the way people count: n2 before n10. */
export function byNodeNumber(a: string, b: string): number {
  const na = /^n(\d+)$/.exec(a)
  const nb = /^n(\d+)$/.exec(b)
  if (na && nb) return Number(na[1]) - Number(nb[1])
  return a < b ? -1 : a > b ? 1 : 0
}
