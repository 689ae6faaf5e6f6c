/** The sentence of an event log record: "n3's election timer fired: n3 becomes candidate for term 5 ...". */
import type { Message } from '../../raft/types.ts'
import type { ClientOp } from '../../browser/scheduler.ts'
import { strings } from '../strings.ts'
import { currentLocale, type Locale } from '../locale.ts'
import { classify } from './messages.ts'
import type { EventRecord, RecordData } from './records.ts'

const s = strings.narrate

export function kindName(m: Message): string {
  return strings.msgKinds[classify(m).kind]
}

/** "set x=1", "get x", "cas x 1→2". */
export function opText(op: Pick<ClientOp, 'op' | 'key' | 'value' | 'expected'>): string {
  switch (op.op) {
    case 'set':
      return `set ${op.key}=${op.value ?? ''}`
    case 'get':
      return `get ${op.key}`
    case 'delete':
      return `delete ${op.key}`
    case 'cas':
      return `cas ${op.key} ${op.expected ?? '∅'}→${op.value ?? ''}`
  }
}

function messageText(m: Message, copies: number): string {
  const dup = copies > 1 ? s.duplicatedByNet : ''
  switch (m.type) {
    case 'MsgApp': {
      const n = m.entries?.length ?? 0
      return (n === 0 ? s.probe(m.from, m.to, m.index ?? 0, m.logTerm ?? 0) : s.append(m.from, m.to, n, m.index ?? 0, m.logTerm ?? 0, m.commit ?? 0)) + dup
    }
    case 'MsgAppResp':
      return (m.reject ? s.appendReject(m.from, m.to, m.index ?? 0, m.rejectHint) : s.appendOk(m.from, m.to, m.index ?? 0)) + dup
    case 'MsgHeartbeat':
      return s.heartbeat(m.from, m.to, m.commit ?? 0) + dup
    case 'MsgHeartbeatResp':
      return s.heartbeatReply(m.from, m.to) + dup
    case 'MsgVote':
      return s.voteReq(m.from, m.to, m.term, m.index ?? 0, m.logTerm ?? 0) + dup
    case 'MsgPreVote':
      return s.prevoteReq(m.from, m.to, m.term) + dup
    case 'MsgVoteResp':
      return (m.reject ? s.voteRefuse(m.from, m.to, false, s.refusal.unknown) : s.voteGrant(m.from, m.to, m.term)) + dup
    case 'MsgPreVoteResp':
      return (m.reject ? s.voteRefuse(m.from, m.to, true, s.refusal.unknown) : s.prevoteGrant(m.from, m.to, m.term)) + dup
    case 'MsgSnap':
      return s.snap(m.from, m.to, m.snapshot?.index ?? 0, m.snapshot?.term ?? 0) + dup
    case 'MsgSnapResp':
      return s.snapReply(m.from, m.to, !m.reject) + dup
    case 'MsgTimeoutNow':
      return s.timeoutNow(m.from, m.to) + dup
    default: {
      // Every type has its case (a missing one does not compile); a malformed message still gets a line.
      const unknown: never = m.type
      return `${String(unknown)} ${m.from} → ${m.to}`
    }
  }
}

function clientText(op: ClientOp, waited: number): string {
  const what = opText(op)
  switch (op.status) {
    case 'pending':
      return s.clientInvoke(op.client, what)
    case 'ok': {
      const r = op.op === 'get' || op.op === 'cas' ? resultText(op) : ''
      return s.clientOk(op.client, what, op.index, (op.complete ?? op.invoke) - op.invoke, op.node, r)
    }
    case 'fail':
      return s.clientFail(op.client, what, op.error ?? '')
    case 'unknown':
      return s.clientUnknown(op.client, what, waited)
  }
}

/** What a get or cas answered, for the client panel and the event log. */
export function resultText(op: ClientOp): string {
  const r = op.result as { value?: string | null; ok?: boolean } | undefined
  if (!r) return ''
  if (op.op === 'cas') return r.ok === false ? s.casNo(r.value ?? '∅') : s.casSwapped
  return r.value === null || r.value === undefined ? '∅' : `= ${r.value}`
}

/** The scheduler names its admin requests in English ("transfer leadership to n2"); say them in the page's language. */
function adminWhat(what: string): string {
  const m = /^transfer leadership to (n\d{1,2})$/.exec(what)
  if (m) return s.adminTransfer(m[1])
  return what === 'take a snapshot' ? s.adminSnapshot : what
}

export function describeData(d: RecordData): string {
  const roles = strings.roles
  switch (d.k) {
    case 'role': {
      const to = roles[d.to]
      switch (d.cause) {
        case 'timer':
          if (d.to === 'precandidate') return s.preTimer(d.node, d.term, d.term + 1)
          return d.from === 'candidate' ? s.newElection(d.node, d.term) : s.roleTimer(d.node, to, d.term)
        case 'lostVote':
          return s.lostVote(d.node, d.from === 'precandidate', d.from === 'precandidate' ? d.term + 1 : d.term)
        case 'forced':
          return d.to === 'precandidate' ? s.preForced(d.node, d.term + 1) : s.roleForced(d.node, to, d.term)
        case 'prevoteWon':
          return s.prevoteWon(d.node, d.term)
        case 'transfer':
          return s.transfer(d.node, d.term)
        case 'won':
          return s.won(d.node, d.term, d.votes, d.voters)
        case 'higherTerm':
          return d.from === 'leader' ? s.stepDown(d.node, d.term) : s.higherTerm(d.node, to, d.term)
        case 'lostQuorum':
          return s.lostQuorum(d.node, d.term)
        case 'leaderFound':
          return s.leaderFound(d.node, d.term)
        case 'other':
          return s.otherRole(d.node, roles[d.from], to, d.term)
      }
      return ''
    }
    case 'term':
      return s.term(d.node, d.prevTerm, d.term)
    case 'msg':
      return messageText(d.msg, d.copies)
    case 'voteReply': {
      const m = d.msg
      const pre = m.type === 'MsgPreVoteResp'
      const why =
        d.refusal === 'alreadyVoted'
          ? s.refusal.alreadyVoted(d.votedFor)
          : d.refusal === 'staleTerm'
            ? s.refusal.staleTerm(d.voterTerm)
            : d.refusal === 'logBehind'
              ? s.refusal.logBehind(m.to)
              : d.refusal === 'leaderAlive'
                ? d.leader === m.from
                  ? s.refusalIsLeader
                  : s.refusal.leaderAlive(d.leader)
                : s.refusal.unknown
      return s.voteRefuse(m.from, m.to, pre, why)
    }
    case 'dropped':
      return s.dropped(kindName(d.msg), d.msg.from, d.msg.to, s.dropReason[d.reason])
    case 'lost':
      if (d.reason === 'dropped') return s.lostByYou(kindName(d.msg), d.msg.from, d.msg.to)
      return d.reason === 'removed' ? s.lostRemoved(kindName(d.msg), d.msg.from, d.msg.to) : s.lostDown(kindName(d.msg), d.msg.from, d.msg.to)
    case 'held':
      return s.held(kindName(d.msg), d.msg.from, d.msg.to)
    case 'duplicated':
      return s.duplicatedByYou(kindName(d.msg), d.msg.from, d.msg.to)
    case 'commit':
      return s.commit(d.node, d.from, d.to)
    case 'applied':
      return s.applied(d.node, d.from, d.to)
    case 'snapshotTaken':
      return s.snapshotTaken(d.node, d.index, d.term)
    case 'snapshotInstalled':
      return s.snapshotInstalled(d.node, d.index, d.term)
    case 'persisted':
      return s.persisted(d.node, d.entries, d.hardState)
    case 'nodeError':
      return s.nodeError(d.node, d.message)
    case 'state':
      switch (d.state) {
        case 'starting':
          return s.state.starting(d.node)
        case 'up':
          return s.state.up(d.node)
        case 'paused':
          return s.state.paused(d.node)
        case 'crashed':
          if (d.error) return s.state.crashedError(d.node, d.error)
          return d.volatile ? s.state.crashedVolatile(d.node) : s.state.crashedDurable(d.node)
        case 'corrupt':
          return s.state.corrupt(d.node, d.error ?? '')
        case 'removed':
          return s.state.removed(d.node)
      }
      return ''
    case 'recovered': {
      const r = d.recovery
      if (r.empty && d.volatile) return s.recoveredVolatile(d.node)
      return r.empty ? s.recoveredEmpty(d.node) : s.recovered(d.node, r.term, r.vote, r.firstIndex, r.lastIndex, r.commit)
    }
    case 'client':
      return clientText(d.op, d.waited)
    case 'admin':
      return s.admin(d.node, adminWhat(d.what), d.ok, d.error)
    case 'note':
      return d.text
  }
}

/** Sentences are made on demand and kept, since a record never changes (until the language does). */
let cache = new WeakMap<EventRecord, string>()
let cacheLocale: Locale = currentLocale()

export function describe(r: EventRecord): string {
  if (cacheLocale !== currentLocale()) {
    cache = new WeakMap()
    cacheLocale = currentLocale()
  }
  let t = cache.get(r)
  if (t === undefined) {
    t = describeData(r.d)
    cache.set(r, t)
  }
  return t
}
