/**
 * What the user does to the network, each told in the event log: isolate or reconnect a node, partition the
 * selection, cut or restore a link, heal everything, and set link parameters. The edits are netedit.ts's.
 */
import type { NodeId } from '../../raft/types.ts'
import type { ClusterRuntime } from '../../browser/runtime.ts'
import type { LinkParams, NetworkConfig } from '../../world/network.ts'
import { strings } from '../strings.ts'
import * as net from './netedit.ts'
import type { Notices } from './notices.svelte.ts'
import type { Scene } from './scene.svelte.ts'
import type { Selection } from './selection.svelte.ts'

export class NetworkActions {
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

  #set(cfg: NetworkConfig, note: string, nodes: NodeId[] = []): Promise<void> {
    this.#scene.feed.note(note, nodes, 'network')
    return this.#notices.act(strings.tabs.settings, () => this.#runtime.setNetwork(cfg))
  }

  isolateOrReconnect(id = this.#selection.selected): Promise<void> | void {
    if (!id) this.#notices.addBanner('info', strings.actions.noNode)
    const sched = this.#runtime.sched
    if (!id || !sched) return
    const cfg = sched.network.config
    if (cfg.isolated.includes(id)) return this.#set(net.reconnect(cfg, id), strings.you.reconnect(id), [id])
    return this.#set(net.isolate(cfg, id), strings.you.isolate(id), [id])
  }

  heal(): Promise<void> | void {
    const sched = this.#runtime.sched
    if (sched) return this.#set(net.heal(sched.network.config), strings.you.heal)
  }

  partitionSelected(): Promise<void> | void {
    const sched = this.#runtime.sched
    const multi = this.#selection.multi
    if (!sched || multi.length === 0) return
    const rest = this.#scene.nodeIds().filter((id) => !multi.includes(id))
    return this.#set(net.partitionSelected(sched.network.config, multi), strings.you.partition([multi, rest]), multi)
  }

  addGroup(): Promise<void> | void {
    const sched = this.#runtime.sched
    const multi = this.#selection.multi
    if (!sched || multi.length === 0) return
    const cfg = net.addGroup(sched.network.config, multi)
    return this.#set(cfg, strings.you.partition(cfg.partition), multi)
  }

  cutLink(from: NodeId, to: NodeId): Promise<void> | void {
    const sched = this.#runtime.sched
    if (sched) return this.#set(net.cut(sched.network.config, from, to), strings.you.cut(from, to), [from, to])
  }

  cutBoth(a: NodeId, b: NodeId): Promise<void> | void {
    const sched = this.#runtime.sched
    if (!sched) return
    const cfg = net.cut(net.cut(sched.network.config, a, b), b, a)
    return this.#set(cfg, `${strings.you.cut(a, b)}; ${strings.you.cut(b, a)}`, [a, b])
  }

  restoreLink(a: NodeId, b: NodeId): Promise<void> | void {
    const sched = this.#runtime.sched
    if (sched) return this.#set(net.uncutPair(sched.network.config, a, b), strings.you.uncut(a, b), [a, b])
  }

  setLinkDefaults(p: Partial<LinkParams>): Promise<void> | void {
    const sched = this.#runtime.sched
    if (sched) return this.#set(net.setDefaults(sched.network.config, p), strings.you.network)
  }

  setLinkParams(from: NodeId, to: NodeId, p: Partial<LinkParams> | null): Promise<void> | void {
    const sched = this.#runtime.sched
    if (sched) return this.#set(net.setLink(sched.network.config, from, to, p), strings.you.network, [from, to])
  }
}
