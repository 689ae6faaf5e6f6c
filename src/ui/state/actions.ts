/**
 * What the user does to the nodes, each through the runtime and told in the event log: crash, restart, pause, election
 * timeout, wipe, leadership transfer, membership changes (one step at a time, shown while they run), dropping or
 * duplicating a message in flight, Raft parameters and storage. `nodeActions` says which of them make sense now.
 */
import type { NodeId } from '../../raft/types.ts'
import type { ClusterRuntime, MembershipStep } from '../../browser/runtime.ts'
import type { RaftParams, StorageMode } from '../../node/protocol.ts'
import { strings } from '../strings.ts'
import type { Token } from './feed.ts'
import * as net from './netedit.ts'
import type { Notices } from './notices.svelte.ts'
import type { Scene } from './scene.svelte.ts'
import type { Selection } from './selection.svelte.ts'
import type { NodeView } from './view.ts'

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

/** Which node actions make sense now: the buttons and the shortcuts agree on it. */
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

export class Actions {
  readonly #runtime: ClusterRuntime
  readonly #scene: Scene
  readonly #notices: Notices
  readonly #selection: Selection

  constructor(runtime: ClusterRuntime, scene: Scene, notices: Notices, selection: Selection) {
    this.#runtime = runtime
    this.#scene = scene
    this.#notices = notices
    this.#selection = selection
  }

  #need(id: NodeId | null): NodeId | null {
    if (!id) this.#notices.addBanner('info', strings.actions.noNode)
    return id
  }

  #act(what: string, f: () => Promise<unknown>): Promise<void> {
    return this.#notices.act(what, f)
  }

  #note(text: string, nodes: NodeId[]): void {
    this.#scene.feed.note(text, nodes)
  }

  crashOrRestart(id = this.#selection.selected): Promise<void> | void {
    const n = this.#need(id)
    const sched = this.#runtime.sched
    if (!n || !sched) return
    const st = sched.nodeState(n)
    if (st === 'up' || st === 'paused') return this.crash(n)
    return this.restart(n)
  }

  crash(id: NodeId): Promise<void> {
    this.#note(strings.you.crash(id), [id])
    return this.#act(strings.actions.crash, () => this.#runtime.crash(id))
  }

  restart(id: NodeId): Promise<void> {
    this.#note(strings.you.restart(id), [id])
    return this.#act(strings.actions.restart, () => this.#runtime.restart(id))
  }

  pauseOrResume(id = this.#selection.selected): Promise<void> | void {
    const n = this.#need(id)
    const sched = this.#runtime.sched
    if (!n || !sched) return
    if (sched.nodeState(n) === 'paused') {
      this.#note(strings.you.resume(n), [n])
      return this.#act(strings.actions.resumeNode, () => sched.resume(n))
    }
    this.#note(strings.you.pause(n), [n])
    return this.#act(strings.actions.pauseNode, () => sched.pause(n))
  }

  timeout(id = this.#selection.selected): Promise<void> | void {
    const n = this.#need(id)
    const sched = this.#runtime.sched
    if (!n || !sched) return
    const feed = this.#scene.feed
    this.#note(strings.you.timeout(n), [n])
    // A leader ignores the timeout and a learner never campaigns: nothing would move, so say why on the graph.
    const sum = sched.summary(n)
    const st = sched.nodeState(n)
    if ((st === 'up' || st === 'paused') && sum?.role === 'leader') feed.callout(n, strings.graph.calloutIsLeader)
    else if ((st === 'up' || st === 'paused') && sum && sum.learners.includes(n)) feed.callout(n, strings.graph.calloutLearner)
    else feed.markForced(n)
    this.#scene.wake(true)
    return this.#act(strings.actions.timeout, () => sched.campaign(n))
  }

  wipe(id = this.#selection.selected, confirmed = false): Promise<void> | void {
    const n = this.#need(id)
    if (!n) return
    if (!confirmed && typeof confirm === 'function' && !confirm(strings.actions.confirmWipe(n))) return
    this.#note(strings.you.wipe(n), [n])
    return this.#act(strings.actions.wipe, () => this.#runtime.wipe(n))
  }

  transferTo(id = this.#selection.selected): Promise<void> | void {
    const n = this.#need(id)
    const sched = this.#runtime.sched
    if (!n || !sched) return
    const leader = this.#scene.leaderId()
    if (!leader) {
      this.#notices.addBanner('error', strings.actions.failed(strings.actions.transfer, strings.runtime.noLeader))
      return
    }
    if (leader === n) return
    this.#note(strings.you.transfer(leader, n), [leader, n])
    return this.#act(strings.actions.transfer, async () => {
      const r = await sched.transferLeadership(leader, n)
      if (r.outcome !== 'ok') throw new Error(r.error ?? r.outcome)
    })
  }

  // ---------------------------------------------------------------- membership

  addNode(): Promise<void> {
    this.#scene.feed.note(strings.you.addNode)
    return this.#membership(strings.actions.adding, () => this.#runtime.addNode((_w, step) => this.#onStep(step)))
  }

  removeNode(id = this.#selection.selected, confirmed = false): Promise<void> | void {
    const n = this.#need(id)
    if (!n) return
    if (!confirmed && typeof confirm === 'function' && !confirm(strings.actions.confirmRemove(n))) return
    this.#note(strings.you.remove(n), [n])
    return this.#membership(strings.actions.removing(n), async () => {
      await this.#runtime.removeNode(n, (_w, step) => this.#onStep(step))
      await this.#forgetInNetwork(n)
      if (this.#selection.selected === n) this.#selection.select(null)
    })
  }

  replaceNode(id = this.#selection.selected): Promise<void> | void {
    const n = this.#need(id)
    if (!n) return
    this.#note(strings.you.replace(n), [n])
    return this.#membership(strings.actions.replacing(n), async () => {
      await this.#runtime.replaceNode(n, (_w, step) => this.#onStep(step))
      await this.#forgetInNetwork(n)
      if (this.#selection.selected === n) this.#selection.select(null)
    })
  }

  #onStep(step: MembershipStep): void {
    const m = strings.membership
    const what =
      step.k === 'started'
        ? m.started(step.node, step.leader)
        : step.k === 'askRemove'
          ? step.leader === step.node
            ? m.askRemoveSelf(step.node)
            : m.askRemove(step.node, step.leader)
          : m[step.k](step.node)
    this.#notices.busy = what
    this.#scene.feed.note(strings.you.step(what), [], 'you')
    this.#scene.wake(true)
  }

  async #membership(what: string, f: () => Promise<unknown>): Promise<void> {
    const notices = this.#notices
    if (notices.busy) return
    notices.busy = what
    try {
      await this.#act(what, f)
    } finally {
      notices.busy = null
    }
  }

  async #forgetInNetwork(id: NodeId): Promise<void> {
    const sched = this.#runtime.sched
    if (sched) await this.#runtime.setNetwork(net.forgetNode(sched.network.config, id))
  }

  // ---------------------------------------------------------------- messages in flight

  dropMessage(t: Token): Promise<void> {
    const sched = this.#runtime.sched
    return this.#act(strings.actions.drop, async () => {
      if (sched && !(await sched.dropInFlight(t.id))) throw new Error(strings.message.gone)
      this.#selection.message = null
    })
  }

  duplicateMessage(t: Token): Promise<void> {
    const sched = this.#runtime.sched
    return this.#act(strings.actions.duplicate, async () => {
      if (sched && (await sched.duplicateInFlight(t.id)) === null) throw new Error(strings.message.gone)
    })
  }

  // ---------------------------------------------------------------- parameters and storage

  setParams(p: Partial<RaftParams>, snapshotEvery?: number): Promise<void> {
    this.#scene.feed.note(strings.you.params, [], 'you')
    return this.#act(strings.settings.raft, () => this.#runtime.setParams(p, snapshotEvery))
  }

  setStorage(mode: StorageMode): Promise<void> {
    this.#scene.feed.note(strings.you.storage(strings.topbar[mode]), [], 'storage')
    return this.#act(strings.topbar.storage, () => this.#runtime.setStorage(mode))
  }
}
