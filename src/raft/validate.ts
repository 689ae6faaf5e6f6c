/**
 * Message validation: which messages the state machine looks at at all, and what their term means for it.
 * - `acceptable`: the message is addressed to this node from another one, of a known type, with a term and fields
 *   of the shapes the handlers rely on. Anything else is dropped without a trace (it must neither throw nor
 *   corrupt the log).
 * - `admit`: the term checks of Figure 2 and the thesis's rules for elections a live leader must not be disturbed
 *   by (sections 4.2.3 and 9.6): drop, answer with our term, adopt the sender's term, or go on to the role's handler.
 * Pure functions: they read the receiver's view and change nothing; raft.ts acts on the verdict.
 */
import type { Message, MessageType, NodeId } from './types.ts'

/** Every message type, once: the record's type makes the compiler check the list is complete. */
const KNOWN_TYPES: Readonly<Record<MessageType, true>> = {
  MsgApp: true,
  MsgAppResp: true,
  MsgHeartbeat: true,
  MsgHeartbeatResp: true,
  MsgVote: true,
  MsgVoteResp: true,
  MsgPreVote: true,
  MsgPreVoteResp: true,
  MsgSnap: true,
  MsgSnapResp: true,
  MsgTimeoutNow: true,
}

/** A message type that no switch case handled: a compile error when a switch over `Message.type` misses one. */
export function exhaustive(_type: never): void {}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const isOptIndex = (v: unknown): boolean => v === undefined || isIndex(v)
const isIds = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string')
const ENTRY_KINDS = new Set(['command', 'noop', 'config'])

/**
 * A message is processed only when its fields have the shapes the handlers rely on: indexes, terms, commit and
 * offsets are non-negative integers; the entries of a MsgApp are contiguous from index+1, their terms never go
 * back, start at or above logTerm and never exceed the message's term (a leader only holds entries of its term or
 * older); a snapshot's metadata is complete and not newer than the message. Anything else is dropped: a malformed
 * message must neither throw nor corrupt the log (a fractional commit or two entries with one index would).
 */
function wellFormed(m: Message): boolean {
  if (!isOptIndex(m.index) || !isOptIndex(m.logTerm) || !isOptIndex(m.commit)) return false
  if (!isOptIndex(m.rejectHint) || !isOptIndex(m.hintTerm) || !isOptIndex(m.offset) || !isOptIndex(m.lastIndex)) return false
  if (!isOptIndex(m.seq) || !isOptIndex(m.seen)) return false
  if (m.type === 'MsgApp') {
    if (!isIndex(m.index) || !isIndex(m.logTerm)) return false
    if (m.entries === undefined) return true
    if (!Array.isArray(m.entries)) return false
    let prevTerm = m.logTerm
    for (let i = 0; i < m.entries.length; i++) {
      const e = m.entries[i] as unknown
      if (typeof e !== 'object' || e === null) return false
      const { index, term, kind, data } = e as Record<string, unknown>
      if (index !== m.index + 1 + i || !isIndex(term) || term < prevTerm || term > m.term) return false
      if (typeof kind !== 'string' || !ENTRY_KINDS.has(kind)) return false
      if (data !== undefined && typeof data !== 'string') return false
      prevTerm = term
    }
  }
  if (m.conf !== undefined) {
    const c = m.conf as unknown
    if (typeof c !== 'object' || c === null) return false
    const { voters, learners } = c as Record<string, unknown>
    if (!isIds(voters) || !isIds(learners)) return false
  }
  if (m.type === 'MsgSnap') {
    const s = m.snapshot as unknown
    if (typeof s !== 'object' || s === null) return false
    const { index, term, voters, learners } = s as Record<string, unknown>
    if (!isIndex(index) || !isIndex(term) || term > m.term || !isIds(voters)) return false
    if (learners !== undefined && !isIds(learners)) return false
    if (typeof m.data !== 'string' || !isIndex(m.offset)) return false
  }
  return true
}

/**
 * Whether node `self` looks at `m` at all: addressed to it, from another node, of a known type, with a term, and
 * well formed. Holds for any value, not only a Message: what comes from the network is not trusted.
 */
export function acceptable(m: Message, self: NodeId): boolean {
  if (!m || typeof m !== 'object') return false
  if (m.to !== self || m.from === self || typeof m.from !== 'string') return false
  if (typeof m.type !== 'string' || !Object.hasOwn(KNOWN_TYPES, m.type)) return false
  if (typeof m.term !== 'number' || !Number.isSafeInteger(m.term) || m.term < 0) return false
  return wellFormed(m)
}

/** What the receiver of a message knows that decides whether to admit it. */
export interface Receiver {
  id: NodeId
  term: number
  /** It heard from a leader (or is one) within the last election timeout. */
  inLease: boolean
  checkQuorum: boolean
  isVoter(id: NodeId): boolean
}

/**
 * What to do with an acceptable message, given its term:
 * - drop: ignore it;
 * - answer: send `reply` (it carries our term) and ignore the message;
 * - follow: become a follower of the message's term (with `lead` as leader, null when unknown), then process it;
 * - process: hand it to the role's handler as it is.
 */
export type Admission =
  | { action: 'drop' }
  | { action: 'answer'; reply: Message }
  | { action: 'follow'; lead: NodeId | null }
  | { action: 'process' }

const isLeaderMessage = (t: MessageType): boolean => t === 'MsgApp' || t === 'MsgHeartbeat' || t === 'MsgSnap'

/** The term checks (Figure 2) and the lease rules for vote requests (thesis sections 4.2.3 and 9.6). */
export function admit(m: Message, r: Receiver): Admission {
  const isVoteReq = m.type === 'MsgVote' || m.type === 'MsgPreVote'
  if (isVoteReq && r.inLease && !r.isVoter(m.from)) {
    // Thesis section 4.2.3: a server outside our configuration (e.g. one removed without knowing it) must not
    // disturb a cluster that has a live leader, so its elections are not even answered. Only under a lease:
    // otherwise we answer like anyone (thesis section 4.1, "servers process incoming RPC requests without
    // consulting their current configurations"), because a new voter that has not yet received the entry
    // adding it may hold the vote the new configuration needs to elect a leader at all.
    return { action: 'drop' }
  }

  if (m.term > r.term) {
    if (isVoteReq) {
      // Thesis section 4.2.3 / 9.6: while we hear from a leader, refuse to help depose it, unless the leader
      // itself asked for the election (leadership transfer).
      if (!m.transfer && r.inLease && (r.checkQuorum || m.type === 'MsgPreVote')) {
        if (m.type === 'MsgPreVote') {
          return { action: 'answer', reply: { type: 'MsgPreVoteResp', from: r.id, to: m.from, term: r.term, reject: true } }
        }
        return { action: 'drop' }
      }
    }
    if (m.type === 'MsgPreVote') {
      // A pre-vote changes no state: it is answered without adopting its term.
      return { action: 'process' }
    }
    if (m.type === 'MsgPreVoteResp' && !m.reject) {
      // A granted pre-vote carries the term the precandidate will campaign in; handled by the precandidate.
      return { action: 'process' }
    }
    return { action: 'follow', lead: isLeaderMessage(m.type) ? m.from : null }
  }

  if (m.term < r.term) {
    if (isLeaderMessage(m.type)) {
      // Tell a stale leader about the newer term so that it steps down (Figure 2: reply with currentTerm).
      // No index: should the receiver meanwhile lead in our term, the answer must not count as an ack.
      return { action: 'answer', reply: { type: 'MsgAppResp', from: r.id, to: m.from, term: r.term } }
    }
    if (m.type === 'MsgPreVote' || m.type === 'MsgVote') {
      return {
        action: 'answer',
        reply: { type: m.type === 'MsgVote' ? 'MsgVoteResp' : 'MsgPreVoteResp', from: r.id, to: m.from, term: r.term, reject: true },
      }
    }
    return { action: 'drop' }
  }

  return { action: 'process' }
}
