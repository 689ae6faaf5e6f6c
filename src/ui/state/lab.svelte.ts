/**
 * The teaching app's state, as the components see it: a thin facade over small parts with one concern each.
 *
 *   session     the cluster this page runs: status, a link's choice, take over, new cluster, share (session.svelte.ts)
 *   scene       what the screen shows: the frame loop, the event feed, the published view (scene.svelte.ts)
 *   selection   the node(s), link, message or event the user picked (selection.svelte.ts)
 *   actions     node actions and membership changes, through the runtime (actions.ts)
 *   network     partitions, cuts, isolation, link parameters (netactions.ts)
 *   clients     the client panel's operations and the load switch (clients.ts)
 *   clock       play, pause, step, speed, fast-forward (clock.svelte.ts)
 *   prefs       tab, side panel, theme, language, projector mode, open dialogs (preferences.svelte.ts)
 *   notices     banners and the action in progress (notices.svelte.ts)
 *   checks      the live checkers and the violation they stopped the cluster on (checks.svelte.ts)
 *   breakpoints pause on a node becoming candidate or leader, or on an index committing (breakpoints.svelte.ts)
 *
 * The Lab only wires them together and forwards; it holds no state and no logic of its own. New code may use the
 * parts directly (`lab.selection.selected`).
 */
import type { NodeId } from '../../raft/types.ts'
import type { ClusterRuntime, RuntimeStatus } from '../../browser/runtime.ts'
import type { Scheduler } from '../../browser/scheduler.ts'
import type { KvOp } from '../../kv/command.ts'
import type { LinkParams } from '../../world/network.ts'
import type { RaftParams, StorageMode } from '../../node/protocol.ts'
import type { ThemeName } from '../theme.ts'
import type { Launch, Setup } from '../url.ts'
import { Actions } from './actions.ts'
import { Breakpoints } from './breakpoints.svelte.ts'
import { Checks } from './checks.svelte.ts'
import { Clients } from './clients.ts'
import { Clock } from './clock.svelte.ts'
import type { Feed, Token } from './feed.ts'
import type { FrameLoop, Renderer } from './frames.ts'
import { onKey, runShortcut } from './keys.ts'
import { strings } from '../strings.ts'
import { NetworkActions } from './netactions.ts'
import { Notices, type Banner } from './notices.svelte.ts'
import { Scenarios } from './scenarios.svelte.ts'
import { Preferences, type Tab } from './preferences.svelte.ts'
import type { Projector } from './projector.svelte.ts'
import type { EventRecord } from './records.ts'
import { Scene } from './scene.svelte.ts'
import { Selection } from './selection.svelte.ts'
import { Session, type Choice } from './session.svelte.ts'
import { TimeTravel } from './timetravel.svelte.ts'
import type { ShortcutId } from './shortcuts.ts'
import type { View } from './view.ts'

export type { FrameInfo, Renderer } from './frames.ts'
export type { NodeView, View } from './view.ts'
export type { Banner } from './notices.svelte.ts'
export type { Choice } from './session.svelte.ts'
export type { Tab } from './preferences.svelte.ts'
export { FAST_FORWARD_MAX } from './clock.svelte.ts'

export class Lab {
  readonly runtime: ClusterRuntime
  readonly notices: Notices
  readonly prefs: Preferences
  readonly scene: Scene
  readonly clock: Clock
  readonly selection: Selection
  readonly clients: Clients
  readonly actions: Actions
  readonly network: NetworkActions
  readonly session: Session
  /** The live safety and linearizability checkers (they stop the cluster on a violation). */
  readonly checks: Checks
  /** Breakpoints on the cluster's events (they pause the run). */
  readonly breakpoints: Breakpoints
  /** The scrubber: the run rebuilt at an earlier time, forks, export and import (timetravel.svelte.ts). */
  readonly timetravel: TimeTravel
  /** Narrated scenarios: the menu, and the lesson while one plays (scenarios.svelte.ts). */
  readonly scenarios: Scenarios

  constructor(runtime: ClusterRuntime, launch: Launch) {
    this.runtime = runtime
    this.checks = new Checks(runtime)
    this.breakpoints = new Breakpoints(runtime)
    const notices = (this.notices = new Notices(() => {
      scene.publish()
      scene.wake(true)
    }))
    const prefs = (this.prefs = new Preferences((dirty) => scene.wake(dirty), notices))
    const scene = (this.scene = new Scene(runtime, {
      reducedMotion: () => prefs.reducedMotion,
      fastForwarding: () => this.clock.fastForwarding,
      load: () => this.clients.stats(),
      presetLabel: () => this.session.presetLabel(),
    }))
    const clock = (this.clock = new Clock(runtime, scene, notices))
    const selection = (this.selection = new Selection(runtime, scene, prefs, clock))
    const clients = (this.clients = new Clients(runtime, scene, notices))
    this.actions = new Actions(runtime, scene, notices, selection)
    this.network = new NetworkActions(runtime, scene, notices, selection)
    this.session = new Session(runtime, launch, { scene, notices, clients, selection, prefs })
    this.timetravel = new TimeTravel(runtime, scene, notices, { check: (e) => this.checks.handle(e), forked: (s) => clients.follow(s, s.load) })
    const scenarios = (this.scenarios = new Scenarios(runtime, { scene, notices, clients, selection, checks: this.checks }))
    notices.guard = () => (runtime.inLesson ? strings.scenario.blocked : null)
    if (launch.scenario) void scenarios.openLink(launch.scenario)
  }

  /** Subscribe to the runtime and the page; returns the cleanup. Called once, by the root component. */
  attach(): () => void {
    const rt = this.runtime
    const { scene, session } = this
    const disposers = [
      this.checks.attach(),
      this.breakpoints.attach(),
      this.timetravel.attach(),
      rt.onEvent((e) => {
        scene.feed.handle(e)
        if (!scene.loop.running) scene.loop.wake()
      }),
      rt.onProgress(() => {
        session.checkScenario()
        scene.wake()
      }),
      rt.onStatus((s) => session.onStatus(s)),
    ]
    session.onStatus(rt.status)
    disposers.push(scene.attach(), this.prefs.attach())
    return () => {
      for (const d of disposers) d()
      this.clients.dispose()
    }
  }

  // ---------------------------------------------------------------- state the components read

  get status(): RuntimeStatus {
    return this.session.status
  }
  get choice(): Choice | null {
    return this.session.choice
  }
  get view(): View {
    return this.scene.view
  }
  get kvData(): Record<NodeId, [string, string][]> {
    return this.scene.kvData
  }
  get feed(): Feed {
    return this.scene.feed
  }
  get loop(): FrameLoop {
    return this.scene.loop
  }
  /** Frames drawn since the page opened (benchmarks and tests read it). */
  get frames(): number {
    return this.scene.frames
  }
  get sched(): Scheduler | null {
    return this.runtime.sched
  }
  get selected(): NodeId | null {
    return this.selection.selected
  }
  get multi(): NodeId[] {
    return this.selection.multi
  }
  get link(): [NodeId, NodeId] | null {
    return this.selection.link
  }
  get message(): Token | null {
    return this.selection.message
  }
  get record(): EventRecord | null {
    return this.selection.record
  }
  get tab(): Tab {
    return this.prefs.tab
  }
  get panelOpen(): boolean {
    return this.prefs.panelOpen
  }
  get theme(): ThemeName {
    return this.prefs.theme
  }
  get reducedMotion(): boolean {
    return this.prefs.reducedMotion
  }
  get presenter(): Projector {
    return this.prefs.presenter
  }
  get projector(): boolean {
    return this.prefs.projector
  }
  get helpOpen(): boolean {
    return this.prefs.helpOpen
  }
  set helpOpen(v: boolean) {
    this.prefs.helpOpen = v
  }
  get newClusterOpen(): boolean {
    return this.prefs.newClusterOpen
  }
  set newClusterOpen(v: boolean) {
    this.prefs.newClusterOpen = v
  }
  get banners(): Banner[] {
    return this.notices.banners
  }
  get busy(): string | null {
    return this.notices.busy
  }
  get shareText(): string | null {
    return this.notices.shareText
  }
  set shareText(v: string | null) {
    this.notices.shareText = v
  }
  get fastForwardSeconds(): number {
    return this.clock.fastForwardSeconds
  }
  set fastForwardSeconds(v: number) {
    this.clock.fastForwardSeconds = v
  }
  get fastForwardActive(): boolean {
    return this.clock.fastForwardActive
  }
  get loadRunning(): boolean {
    return this.clients.running
  }
  /** Attachment for panels that show key/value contents: fetch them while the panel exists. */
  get kvWatch(): (el: Element) => () => void {
    return this.scene.kvWatch
  }

  // ---------------------------------------------------------------- forwarded

  // scene
  addRenderer(r: Renderer): () => void { return this.scene.addRenderer(r) }
  wake(dirty = false): void { this.scene.wake(dirty) }
  linger(ms: number): void { this.scene.linger(ms) }
  publish(): void { this.scene.publish() }
  nodeIds(): NodeId[] { return this.scene.nodeIds() }
  leaderId(sched = this.runtime.sched): NodeId | null { return this.scene.leaderId(sched) }

  // notices
  addBanner(kind: Banner['kind'], text: string, action?: Banner['action']): void { this.notices.addBanner(kind, text, action) }
  dismissBanner(id: number): void { this.notices.dismissBanner(id) }

  // session
  keepStored(): void { this.session.keepStored() }
  openBeside(): void { this.session.openBeside() }
  openLinkCluster(): Promise<void> { this.timetravel.leave(); return this.session.openLinkCluster() }
  takeOver(): Promise<void> { this.timetravel.leave(); return this.session.takeOver() }
  newCluster(setup: Setup): Promise<void> { this.timetravel.leave(); return this.session.newCluster(setup) }
  currentSetup(): Setup | null { return this.session.currentSetup() }
  share(): Promise<void> { return this.session.share() }

  // clock
  togglePlay(): void { this.clock.togglePlay() }
  pause(): void { this.clock.pause() }
  step(): Promise<void> { return this.clock.step() }
  setSpeed(x: number): void { this.clock.setSpeed(x) }
  speedStep(dir: 1 | -1): void { this.clock.speedStep(dir) }
  fastForward(seconds?: number | string | null): Promise<void> { return this.clock.fastForward(seconds) }
  stopFastForward(): void { this.clock.stopFastForward() }

  // selection
  select(id: NodeId | null, additive = false): void { this.selection.select(id, additive) }
  setMulti(ids: NodeId[]): void { this.selection.setMulti(ids) }
  selectByNumber(k: number): void { this.selection.selectByNumber(k) }
  selectLink(a: NodeId, b: NodeId): void { this.selection.selectLink(a, b) }
  selectMessage(t: Token | null): void { this.selection.selectMessage(t) }
  selectRecord(r: EventRecord | null): void { this.selection.selectRecord(r) }
  clearSelection(): void { this.selection.clear() }

  // node actions and membership
  crashOrRestart(id?: NodeId | null): Promise<void> | void { return this.actions.crashOrRestart(id) }
  crash(id: NodeId): Promise<void> { return this.actions.crash(id) }
  restart(id: NodeId): Promise<void> { return this.actions.restart(id) }
  pauseOrResume(id?: NodeId | null): Promise<void> | void { return this.actions.pauseOrResume(id) }
  timeout(id?: NodeId | null): Promise<void> | void { return this.actions.timeout(id) }
  wipe(id?: NodeId | null, confirmed?: boolean): Promise<void> | void { return this.actions.wipe(id, confirmed) }
  transferTo(id?: NodeId | null): Promise<void> | void { return this.actions.transferTo(id) }
  addNode(): Promise<void> { return this.actions.addNode() }
  removeNode(id?: NodeId | null, confirmed?: boolean): Promise<void> | void { return this.actions.removeNode(id, confirmed) }
  replaceNode(id?: NodeId | null): Promise<void> | void { return this.actions.replaceNode(id) }
  dropMessage(t: Token): Promise<void> { return this.actions.dropMessage(t) }
  duplicateMessage(t: Token): Promise<void> { return this.actions.duplicateMessage(t) }
  setParams(p: Partial<RaftParams>, snapshotEvery?: number): Promise<void> { return this.actions.setParams(p, snapshotEvery) }
  setStorage(mode: StorageMode): Promise<void> { return this.actions.setStorage(mode) }

  // network
  isolateOrReconnect(id?: NodeId | null): Promise<void> | void { return this.network.isolateOrReconnect(id) }
  heal(): Promise<void> | void { return this.network.heal() }
  partitionSelected(): Promise<void> | void { return this.network.partitionSelected() }
  addGroup(): Promise<void> | void { return this.network.addGroup() }
  cutLink(from: NodeId, to: NodeId): Promise<void> | void { return this.network.cutLink(from, to) }
  cutBoth(a: NodeId, b: NodeId): Promise<void> | void { return this.network.cutBoth(a, b) }
  restoreLink(a: NodeId, b: NodeId): Promise<void> | void { return this.network.restoreLink(a, b) }
  setLinkDefaults(p: Partial<LinkParams>): Promise<void> | void { return this.network.setLinkDefaults(p) }
  setLinkParams(from: NodeId, to: NodeId, p: Partial<LinkParams> | null): Promise<void> | void { return this.network.setLinkParams(from, to, p) }

  // clients
  setLoad(on: boolean): void { this.clients.setLoad(on) }
  toggleLoad(): void { this.clients.toggleLoad() }
  submit(op: KvOp, key: string, value?: string, expected?: string | null): void { this.clients.submit(op, key, value, expected) }

  // preferences
  setTab(t: Tab): void { this.prefs.setTab(t) }
  togglePanel(): void { this.prefs.togglePanel() }
  toggleProjector(): void { this.prefs.toggleProjector() }
  applyTheme(t: ThemeName): void { this.prefs.applyTheme(t) }
  toggleTheme(): void { this.prefs.toggleTheme() }
  toggleLanguage(): void { this.prefs.toggleLanguage() }

  // keyboard
  /** The page's key handler. Returns true when it handled the key. */
  onKey(e: KeyboardEvent): boolean { return onKey(this, e) }
  run(id: ShortcutId): void { runShortcut(this, id) }
}
