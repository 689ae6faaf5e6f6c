/**
 * The cluster this page runs: its status (locking, recovering, running, held by another tab), what a shared link asked
 * for and the choice it may need, taking over from another tab, a new cluster, the share link, and a preset's
 * scenario. The runtime's status sentences are said here, in the page's language.
 */
import type { NodeId } from '../../raft/types.ts'
import type { ClusterRuntime, RuntimeStatus } from '../../browser/runtime.ts'
import { autoplayFromUrl, takeOverHere } from '../boot.ts'
import { strings } from '../strings.ts'
import { setupToSpec, shareUrl, specToSetup, stripSetup, type Launch, type Setup } from '../url.ts'
import type { Clients } from './clients.ts'
import { byNodeNumber } from './messages.ts'
import * as net from './netedit.ts'
import type { Notices } from './notices.svelte.ts'
import type { Preferences } from './preferences.svelte.ts'
import { presetById } from './presets.ts'
import type { Scene } from './scene.svelte.ts'
import type { Selection } from './selection.svelte.ts'

/** A link's cluster differs from the one stored in this browser: the user chooses (see ShareChoiceDialog). */
export interface Choice {
  setup: Setup
  /** The stored cluster's members and when it was last opened (wall-clock ms, if known). */
  nodes: NodeId[]
  savedAt: number | null
  /** An unused cluster name to open the link's cluster beside the stored one, once known (null: cannot tell). */
  beside?: string | null
}

/** The parts of the page a session acts on. */
export interface SessionParts {
  scene: Scene
  notices: Notices
  clients: Clients
  selection: Selection
  prefs: Preferences
}

export class Session {
  status = $state.raw<RuntimeStatus>({ phase: 'idle' })
  /** Set while the user must choose between a link's cluster and the stored one. */
  choice = $state.raw<Choice | null>(null)

  readonly #runtime: ClusterRuntime
  readonly #p: SessionParts
  #launch: Launch
  #scenario: Setup['scenario'] | undefined
  /** The preset the cluster was made from (its label is read when published, in the page's language). */
  #preset: string | undefined = undefined

  constructor(runtime: ClusterRuntime, launch: Launch, parts: SessionParts) {
    this.#runtime = runtime
    this.#launch = launch
    this.#p = parts
    if (launch.error) parts.notices.addBanner('error', strings.banner.badUrl(launch.error))
    if (launch.notice) parts.notices.addBanner('error', launch.notice)
    if (launch.setup) {
      this.#scenario = launch.setup.scenario
      this.#preset = launch.setup.preset
    }
  }

  /** The label of the preset the cluster was made from, in the page's language. */
  presetLabel(): string | null {
    return presetById(this.#preset)?.label ?? null
  }

  /** The runtime's status changed (the Lab subscribes this). */
  onStatus(s: RuntimeStatus): void {
    const was = this.status.phase
    this.status = s
    if (s.phase === 'running' && was !== 'running') this.#onRunning(s)
    if (s.phase === 'busy-elsewhere' || s.phase === 'taken-over' || s.phase === 'error') {
      // The runtime speaks English; the two tab-lock sentences have a translation.
      const text = s.phase === 'busy-elsewhere' ? strings.runtime.busyElsewhere : s.phase === 'taken-over' ? strings.runtime.takenOver : (statusText(s) ?? s.phase)
      this.#p.notices.addBanner('error', text, s.phase === 'busy-elsewhere' ? 'takeOver' : s.phase === 'taken-over' ? 'reload' : undefined)
    }
    this.#p.scene.wake(true)
  }

  /** The cluster runs: apply the link's speed and load, forget the setup in the address bar. */
  #onRunning(s: RuntimeStatus): void {
    const sched = this.#runtime.sched
    if (!sched) return
    const { scene, notices } = this.#p
    scene.syncNodes(sched)
    const setup = this.#launch.setup
    if (s.message) notices.addBanner('info', statusText(s) ?? s.message)
    else if (s.recovered) notices.addBanner('info', s.storage === 'volatile' ? strings.banner.recoveredVolatile : strings.banner.recovered)
    scene.loop.snap(sched.now)
    if (setup && s.choice) {
      // Nothing is deleted until the user chooses; the stored cluster stays paused behind the dialog.
      this.#runtime.driver?.setSpeed(0.1)
      this.choice = { setup, nodes: s.choice.nodes, savedAt: s.choice.savedAt }
      void this.#runtime.freeName().then((beside) => {
        if (this.choice) this.choice = { ...this.choice, beside }
      })
      return
    }
    if (setup && s.recovered) notices.addBanner('info', strings.banner.sameAsStored)
    this.#runtime.driver?.setSpeed(setup?.speed ?? 0.1)
    if (setup?.load) this.#p.clients.setLoad(true)
    this.#forgetLaunch()
  }

  /** The link has been acted on: a reload must recover the cluster, not open the link again. */
  #forgetLaunch(): void {
    if (this.#launch.setup && typeof history !== 'undefined') history.replaceState(history.state, '', stripSetup(location.href))
    this.#launch = { setup: null }
  }

  /** The user keeps the stored cluster: the link's setup is dropped, nothing is deleted. */
  keepStored(): void {
    if (!this.choice) return
    this.choice = null
    const play = typeof location === 'undefined' || autoplayFromUrl(location.href)
    this.#scenario = undefined
    this.#preset = undefined
    this.#forgetLaunch()
    this.#p.scene.feed.note(strings.choice.keptNote)
    if (play) this.#runtime.driver?.play()
    this.#p.scene.publish()
    this.#p.scene.wake(true)
  }

  /** Open the link's cluster under another name, in this tab: the stored cluster stays as it is, at its own address. */
  openBeside(): void {
    const name = this.choice?.beside
    if (!name || typeof location === 'undefined') return
    const u = new URL(location.href)
    u.searchParams.set('cluster', name)
    location.assign(u.toString())
  }

  /** The user chose the link's cluster: the stored one and its disks are deleted, the link's starts. */
  async openLinkCluster(): Promise<void> {
    const c = this.choice
    if (!c) return
    this.choice = null
    const play = typeof location === 'undefined' || autoplayFromUrl(location.href)
    this.#forgetLaunch()
    await this.newCluster(c.setup)
    this.#p.scene.feed.note(strings.choice.openedNote)
    if (play) this.#runtime.driver?.play()
  }

  async takeOver(): Promise<void> {
    this.#p.notices.banners = []
    // The link this tab was opened with still counts: take over with it (asking before anything is deleted).
    const setup = this.#launch.setup
    await takeOverHere(this.#runtime, setup ? { fresh: setupToSpec(setup, this.#runtime.clusterName), ask: true } : {})
  }

  async newCluster(setup: Setup): Promise<void> {
    const { scene, clients } = this.#p
    this.#p.prefs.newClusterOpen = false
    const wasPlaying = (this.#runtime.driver?.mode ?? 'running') !== 'paused'
    clients.dispose()
    this.#p.selection.clear()
    this.#scenario = setup.scenario
    this.#preset = setup.preset
    await this.#p.notices.act(strings.topbar.newCluster, async () => {
      scene.feed.reset()
      await this.#runtime.newCluster(setupToSpec(setup, this.#runtime.clusterName))
      scene.feed.reset()
      const sched = this.#runtime.sched
      if (sched) scene.syncNodes(sched)
      scene.loop.snap(sched?.now ?? 0)
      this.#runtime.driver?.setSpeed(setup.speed)
      if (setup.load) clients.setLoad(true)
      if (wasPlaying) this.#runtime.driver?.play()
    })
  }

  /** The setup of the running cluster, for the share link and the new-cluster dialog. */
  currentSetup(): Setup | null {
    const sched = this.#runtime.sched
    if (!sched) return null
    const voters = this.#p.scene.view.voters
    const s = specToSetup(sched.spec, voters.length > 0 ? voters.slice().sort(byNodeNumber) : this.#p.scene.nodeIds(), {
      speed: this.#runtime.driver?.speed ?? 1,
      load: this.#p.clients.running,
    })
    s.network = sched.network.config
    return s
  }

  async share(): Promise<void> {
    const s = this.currentSetup()
    if (!s) return
    const url = shareUrl(location.href, s)
    const notices = this.#p.notices
    try {
      await navigator.clipboard.writeText(url)
      notices.shareText = null
      notices.addBanner('info', strings.topbar.copied)
    } catch {
      notices.shareText = url
    }
  }

  /** The partitioned-leader preset: once its leader has committed a few entries, cut it off with one follower. */
  checkScenario(): void {
    if (this.#scenario !== 'isolate-leader') return
    const sched = this.#runtime.sched
    const { scene, notices } = this.#p
    const leader = scene.leaderId()
    if (!sched || !leader) return
    const sum = sched.summary(leader)
    if (!sum || sum.commit < 5) return
    this.#scenario = undefined
    const others = scene.nodeIds().filter((id) => id !== leader)
    const buddy = others[0]
    void this.#runtime.setNetwork(net.partitionSelected(sched.network.config, [leader, buddy]))
    scene.feed.note(strings.presets.scenarioFired(leader, buddy), [leader, buddy], 'network')
    notices.addBanner('info', strings.presets.scenarioFired(leader, buddy))
  }
}

/** The runtime's sentence in the page's language (the runtime itself speaks English). */
function statusText(s: RuntimeStatus): string | undefined {
  return s.notice ? strings.runtime.notices[s.notice.kind](s.notice.detail) : s.message
}
