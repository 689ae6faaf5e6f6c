/** Which node actions make sense now: the buttons and the shortcuts agree on it. */
import type { NodeView } from './lab.svelte.ts'

export interface NodeActionState {
  crash: boolean
  restart: boolean
  pause: boolean
  resume: boolean
  timeout: boolean
  wipe: boolean
  transfer: boolean
  remove: boolean
  replace: boolean
  isolate: boolean
}

export function nodeActions(n: NodeView | undefined, leader: string | null, busy: boolean): NodeActionState {
  if (!n) return { crash: false, restart: false, pause: false, resume: false, timeout: false, wipe: false, transfer: false, remove: false, replace: false, isolate: false }
  const alive = n.state === 'up' || n.state === 'paused'
  const member = n.voter || n.learner
  return {
    crash: alive,
    restart: n.state === 'crashed' || n.state === 'corrupt',
    pause: n.state === 'up',
    resume: n.state === 'paused',
    timeout: n.state === 'up' && n.summary?.role !== 'leader' && n.voter,
    wipe: n.state !== 'removed' && n.state !== 'starting',
    transfer: n.state === 'up' && n.voter && !!leader && leader !== n.id,
    remove: member && !!leader && !busy,
    replace: member && !!leader && !busy,
    isolate: n.state !== 'removed',
  }
}
