/** The fields of a message as rows for the message card: only those set, entries summarized. */
import type { Entry, Message } from '../../raft/types.ts'
import { decodeCommand } from '../../kv/command.ts'
import { opText } from './narrate.ts'

export function entrySummary(e: Entry): string {
  if (e.kind === 'noop') return `#${e.index} T${e.term} noop`
  if (e.kind === 'config') return `#${e.index} T${e.term} config`
  const c = decodeCommand(e.data ?? '')
  return `#${e.index} T${e.term} ${'error' in c ? '?' : opText(c)}`
}

export function messageFields(m: Message): [string, string][] {
  const rows: [string, string][] = [
    ['type', m.type],
    ['from', m.from],
    ['to', m.to],
    ['term', String(m.term)],
  ]
  const add = (k: string, v: unknown) => {
    if (v !== undefined && v !== null) rows.push([k, typeof v === 'string' ? v : JSON.stringify(v)])
  }
  add('index', m.index)
  add('logTerm', m.logTerm)
  add('commit', m.commit)
  add('reject', m.reject)
  add('rejectHint', m.rejectHint)
  add('hintTerm', m.hintTerm)
  add('context', m.context)
  add('transfer', m.transfer)
  if (m.snapshot) add('snapshot', `index ${m.snapshot.index}, term ${m.snapshot.term}, voters ${m.snapshot.voters.join(' ')}`)
  add('offset', m.offset)
  if (m.data !== undefined) add('data', `${m.data.length} chars`)
  add('done', m.done)
  if (m.entries && m.entries.length > 0) {
    const shown = m.entries.slice(0, 8).map(entrySummary)
    if (m.entries.length > 8) shown.push(`… +${m.entries.length - 8}`)
    rows.push(['entries', shown.join('\n')])
  }
  return rows
}
