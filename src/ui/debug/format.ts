/** One-line texts for the debug panel's event list. */
import type { ClusterEvent } from '../../cluster/scheduler.ts'
import type { Message } from '../../raft/types.ts'

/** Events that come by the hundred per second (message traffic, disk writes, load clients): hidden by default. */
export function isChatty(e: ClusterEvent): boolean {
  switch (e.type) {
    case 'sent':
    case 'delivered':
    case 'lost':
    case 'held':
    case 'tick':
    case 'observation':
      return true
    case 'nodeEvent':
      return e.event.type === 'persisted' || e.event.type === 'applied' || e.event.type === 'readServed'
    case 'client':
      return e.op.client.startsWith('load')
    default:
      return false
  }
}

function msg(m: Message): string {
  return `${m.type} ${m.from}→${m.to} t${m.term}`
}

export function describeEvent(e: ClusterEvent): string {
  switch (e.type) {
    case 'sent':
      return e.dropped ? `${msg(e.msg)} dropped (${e.dropped})` : `${msg(e.msg)} sent`
    case 'delivered':
      return `${msg(e.msg)} delivered`
    case 'lost':
      return `${msg(e.msg)} lost (${e.reason})`
    case 'held':
      return `${msg(e.msg)} held (receiver paused)`
    case 'summary':
      return `${e.node} is ${e.summary.role} in term ${e.summary.term}`
    case 'nodeState':
      return `${e.node} is ${e.state}${e.error ? `: ${e.error}` : ''}`
    case 'recovered': {
      const r = e.recovery
      return r.empty ? `${e.node} started with an empty disk` : `${e.node} recovered: term ${r.term}, ${r.logLength} entries, commit ${r.commit}`
    }
    case 'client': {
      const o = e.op
      const what = `${o.client} ${o.op} ${o.key}${o.value !== undefined ? `=${o.value}` : ''}`
      if (o.status === 'pending') return `${what} invoked`
      const res = o.result ? ` → ${o.result.ok ? 'ok' : 'not ok'} ${o.result.value ?? '∅'}` : ''
      return `${what}: ${o.status}${res}${o.error ? ` (${o.error})` : ''}`
    }
    case 'admin':
      return `${e.node}: ${e.what} ${e.ok ? 'ok' : `failed${e.error ? `: ${e.error}` : ''}`}`
    case 'nodeEvent': {
      const v = e.event
      switch (v.type) {
        case 'persisted':
          return `${e.node} persisted ${v.entries} entries${v.hardState ? ' + hard state' : ''}${v.snapshot ? ' + snapshot' : ''}`
        case 'applied':
          return `${e.node} applied ${v.from}..${v.to}`
        case 'snapshotTaken':
          return `${e.node} took a snapshot at ${v.index} (${v.bytes} bytes)`
        case 'snapshotInstalled':
          return `${e.node} installed a snapshot at ${v.index} (${v.bytes} bytes)`
        case 'readServed':
          return `${e.node} served a read at ${v.index}`
        case 'error':
          return `${e.node}: ${v.message}`
      }
      return `${e.node}: event`
    }
    case 'tick':
      return 'tick'
    case 'observation':
      return e.obs ? `${e.obs.type} ${e.obs.node}` : 'checked'
  }
}

/** Virtual milliseconds as seconds with three decimals. */
export function clock(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`
}
