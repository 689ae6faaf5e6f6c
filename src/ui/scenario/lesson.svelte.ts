/**
 * A narrated scenario as the page plays it: the script's commands run on the lesson's cluster (src/browser/lesson.ts)
 * while the graph, timelines and event log show it; the time a command lets pass runs at the chosen speed; the
 * lesson pauses at each `say` (its sentence) and `ask` (the question, then its answer on the next press), and ends
 * with the last explanation and the paper's section. Exit brings back the user's own cluster as it was.
 */
import type { NodeId } from '../../raft/types.ts'
import type { ClusterRuntime } from '../../browser/runtime.ts'
import type { Driver } from '../../browser/driver.ts'
import type { BlockResult, PendingBlock } from '../../scenario/run.ts'
import { bootRuntime } from '../boot.ts'
import { strings } from '../strings.ts'
import { scenarioHref, type ScenarioLink } from './link.ts'
import type { Checks } from '../state/checks.svelte.ts'
import type { Clients } from '../state/clients.ts'
import type { Notices } from '../state/notices.svelte.ts'
import type { Scene } from '../state/scene.svelte.ts'
import type { Selection } from '../state/selection.svelte.ts'

import { SCENARIO_NAMES, loadScenario } from '../../scenario/library.ts'
import { openLesson } from '../../browser/lesson.ts'

type LessonRun = ReturnType<typeof openLesson>

/** What the narration card shows. */
export type Card =
  | { k: 'starting' }
  | { k: 'playing'; command: string }
  | { k: 'say'; text: string }
  | { k: 'ask'; text: string }
  | { k: 'answer'; text: string; lines: string[] }
  | { k: 'end'; text: string | null; stopped: boolean }
  | { k: 'error'; text: string }

export interface LessonInfo {
  name: string
  title: string
  summary: string
  paper: string
  /** Deliberate bugs switched on from the link, beyond the script's own. */
  variant: string[]
  /** Narration points (say and ask blocks). */
  points: number
}

/** One command the script ran and what it printed. */
export interface Done {
  command: string
  lines: string[]
}

export interface LessonParts {
  scene: Scene
  notices: Notices
  clients: Clients
  selection: Selection
  checks: Checks
}

/** A lesson's speed unless its link says otherwise: a message of the scenarios' network (2 to 5 ms) flies 40 to 100 ms. */
export const LESSON_SPEED = 0.05

const NEXT_KEYS = new Set([' ', 'Enter', 'ArrowRight', 'PageDown'])

export class LessonState {
  info = $state.raw<LessonInfo | null>(null)
  card = $state.raw<Card | null>(null)
  /** The narration point shown (from 1). */
  point = $state(0)
  /** What the script did since the last pause (newest last). */
  recent = $state.raw<Done[]>([])
  /** Every line the scenario's commands printed so far, in order (tests compare runs with it). */
  transcript: string[] = []

  readonly #runtime: ClusterRuntime
  readonly #p: LessonParts
  #run: LessonRun | null = null
  #link: ScenarioLink | null = null
  /** Bumped by restart and exit: a playing loop of an older generation stops. */
  #gen = 0
  #busy = false
  /** Next was pressed while the script played: run to the next point as fast as possible. */
  #hurry = false
  /** The user's load switch when the lesson began (it is stopped during the lesson and restored on exit). */
  #loadWas = false

  constructor(runtime: ClusterRuntime, parts: LessonParts) {
    this.#runtime = runtime
    this.#p = parts
  }

  get active(): boolean {
    return this.info !== null || this.card !== null
  }

  /**
   * Play a scenario. `atBoot`: the page was opened with its link, and the user's cluster has not been opened: an
   * unknown scenario opens it then, untouched.
   */
  async open(link: ScenarioLink, atBoot = false): Promise<void> {
    const { notices } = this.#p
    if (!SCENARIO_NAMES.includes(link.name)) {
      notices.addBanner('error', strings.scenario.unknown(link.name))
      if (atBoot) {
        this.#forgetLink()
        void bootRuntime(this.#runtime)
      }
      return
    }
    let script
    try {
      script = loadScenario(link.name)
    } catch (e) {
      notices.addBanner('error', strings.scenario.scriptError(e instanceof Error ? e.message : String(e)))
      if (atBoot) {
        this.#forgetLink()
        void bootRuntime(this.#runtime)
      }
      return
    }
    if (link.ignored.length > 0) notices.addBanner('info', strings.scenario.ignored(link.ignored.join(', ')))
    const gen = ++this.#gen
    if (!this.#runtime.inLesson) {
      this.#loadWas = this.#p.clients.running
      if (this.#loadWas) this.#p.clients.setLoad(false)
    }
    this.#p.selection.clear()
    this.#link = link
    const variant = link.unsafe.filter((u) => {
      const first = script.blocks.find((b) => b.command.kind === 'cluster')?.command
      return !(first?.kind === 'cluster' && first.spec.unsafe.includes(u))
    })
    this.info = {
      name: link.name,
      title: script.header.title,
      summary: script.header.summary,
      paper: script.header.paper,
      variant,
      points: script.blocks.filter((b) => b.command.kind === 'say' || b.command.kind === 'ask').length,
    }
    this.point = 0
    this.recent = []
    this.transcript = []
    this.card = { k: 'starting' }
    if (typeof history !== 'undefined') history.replaceState(history.state, '', scenarioHref(location.href, link))
    const run = openLesson(script, link.unsafe)
    this.#run = run
    const speed = link.speed ?? this.#speed()
    run.onCluster = (sched, driver) => {
      const { scene, checks } = this.#p
      scene.feed.reset()
      checks.violation = null
      checks.historyOff = true
      this.#runtime.enterLesson(sched, driver)
      sched.onSpanEnd = () => driver.pause()
      driver.setSpeed(speed)
    }
    await this.#play(gen)
  }

  /** A restarted or next lesson keeps the pace the lecturer chose; the first one starts slow enough to follow messages. */
  #speed(): number {
    return this.#runtime.inLesson ? (this.#runtime.driver?.speed ?? LESSON_SPEED) : LESSON_SPEED
  }

  /** The next step: the answer of a question, the commands up to the next point, or the end. */
  next(): void {
    const card = this.card
    if (!card || card.k === 'starting' || card.k === 'end' || card.k === 'error') return
    if (card.k === 'playing') {
      // Skip ahead: the rest of the way to the next point as fast as the cluster runs (also after the live checkers
      // halted the clock on a violation the script's own checkers do not stop at).
      this.#hurry = true
      this.#runtime.driver?.max()
      return
    }
    if (this.#busy) return
    if (card.k === 'ask') void this.#answer(this.#gen, card.text)
    else void this.#play(this.#gen)
  }

  /** Space, Enter, → and PageDown take the next step while a lesson plays (a focused button clicks itself). */
  onKey(e: KeyboardEvent): boolean {
    if (!this.active || !NEXT_KEYS.has(e.key) || e.ctrlKey || e.metaKey || e.altKey) return false
    const t = e.target as HTMLElement | null
    if (t && (t.tagName === 'BUTTON' || t.tagName === 'A') && (e.key === ' ' || e.key === 'Enter')) return false
    this.next()
    return true
  }

  async restart(): Promise<void> {
    const link = this.#link
    if (!link) return
    this.#runtime.driver?.pause()
    await this.open(link)
  }

  /** Back to the user's cluster as it was; nothing of it was touched. */
  async exit(): Promise<void> {
    if (!this.active) return
    this.#gen++
    this.#run = null
    this.#link = null
    this.info = null
    this.card = null
    this.recent = []
    this.#runtime.driver?.pause()
    const { scene, checks, selection } = this.#p
    selection.clear()
    scene.feed.reset()
    checks.violation = null
    checks.historyOff = false
    this.#forgetLink()
    if (this.#runtime.leaveLesson()) {
      const sched = this.#runtime.sched
      if (sched) scene.syncNodes(sched)
      scene.loop.snap(sched?.now ?? 0)
      if (this.#loadWas) this.#p.clients.setLoad(true)
      scene.publish()
      scene.wake(true)
    } else await bootRuntime(this.#runtime)
  }

  /** The address no longer names the scenario (a reload opens the user's cluster). */
  #forgetLink(): void {
    if (typeof history !== 'undefined') history.replaceState(history.state, '', scenarioHref(location.href, null))
  }

  /** Runs one block: its action now, then the time it lets pass at the driver's pace. Null when stopped. */
  async #block(gen: number, run: LessonRun): Promise<{ p: PendingBlock; r: BlockResult } | null | undefined> {
    const sched = run.sched()
    let p: PendingBlock | undefined
    // An action runs between two steps of the cluster, never inside one.
    if (sched) await sched.act(() => void (p = run.player.begin()))
    else p = run.player.begin()
    if (gen !== this.#gen) return null
    if (p === undefined) return undefined
    let stopped = false
    if (p.span !== null) {
      const s = run.sched()!
      const d = run.driver()!
      this.card = { k: 'playing', command: p.block.source }
      const passing = s.letPass(p.span)
      if (this.#hurry) d.max()
      else d.play()
      stopped = await passing
      if (gen !== this.#gen) return null
    }
    const r = p.finish(stopped)
    if (p.block.command.kind === 'cluster') this.#clusterReady(run)
    this.#record(r)
    return { p, r }
  }

  #clusterReady(run: LessonRun): void {
    const sched = run.sched()
    if (!sched) return
    const { scene } = this.#p
    scene.syncNodes(sched)
    scene.loop.snap(sched.now)
    scene.publish()
    scene.wake(true)
  }

  #record(r: BlockResult): void {
    const k = r.block.command.kind
    if (k === 'say' || k === 'ask') return
    this.transcript.push(`> ${r.block.source}`, ...r.output)
    this.recent = [...this.recent, { command: r.block.source, lines: r.output }].slice(-8)
    const nodes = [...new Set(r.block.source.match(/\bn\d{1,2}\b/g) ?? [])] as NodeId[]
    // A short output goes with its command into the event log; a long one (logs, status) is on the card.
    const short = r.output.length > 0 && r.output.length <= 3
    this.#p.scene.feed.note(strings.scenario.note(short ? `${r.block.source} → ${r.output.join('; ')}` : r.block.source), nodes)
    this.#p.scene.wake(true)
  }

  /** Commands up to the next narration point (or the end). */
  async #play(gen: number): Promise<void> {
    const run = this.#run
    if (!run || this.#busy) return
    this.#busy = true
    this.recent = []
    try {
      for (;;) {
        const b = await this.#block(gen, run)
        if (b === null) return
        if (b === undefined) {
          this.#end(null, false)
          return
        }
        const cmd = b.p.block.command
        if (this.#stoppedByVariant(b.r)) {
          this.#end(null, true)
          return
        }
        if (cmd.kind === 'say') {
          this.point++
          // The last sentence is the explanation the scenario ends with.
          if (run.player.done) this.#end(cmd.text, false)
          else this.card = { k: 'say', text: cmd.text }
          return
        }
        if (cmd.kind === 'ask') {
          this.point++
          this.card = { k: 'ask', text: cmd.text }
          return
        }
      }
    } catch (e) {
      this.#failed(gen, e)
    } finally {
      this.#idle(gen)
    }
  }

  /** A script error ends the lesson's current run with a sentence (unless a newer run started meanwhile). */
  #failed(gen: number, e: unknown): void {
    if (gen === this.#gen) this.card = { k: 'error', text: strings.scenario.scriptError(e instanceof Error ? e.message : String(e)) }
  }

  /** The lesson waits for the next key press again (unless a newer run started meanwhile). */
  #idle(gen: number): void {
    if (gen !== this.#gen) return
    this.#busy = false
    this.#hurry = false
    this.#p.scene.publish()
  }

  /** The block after a question: its output is the answer. */
  async #answer(gen: number, question: string): Promise<void> {
    const run = this.#run
    if (!run || this.#busy) return
    this.#busy = true
    this.recent = []
    try {
      const b = await this.#block(gen, run)
      if (b === null) return
      if (b === undefined) {
        this.#end(null, false)
        return
      }
      if (this.#stoppedByVariant(b.r)) {
        this.#end(null, true)
        return
      }
      this.card = { k: 'answer', text: question, lines: b.r.output }
    } catch (e) {
      this.#failed(gen, e)
    } finally {
      this.#idle(gen)
    }
  }

  /** A bug switched on from the link broke a property: the scenario ends on the checkers' card. */
  #stoppedByVariant(r: BlockResult): boolean {
    return (this.info?.variant.length ?? 0) > 0 && r.output.some((l) => l.startsWith('VIOLATION'))
  }

  #end(text: string | null, stopped: boolean): void {
    this.#runtime.driver?.pause()
    const last = stopped ? null : (text ?? this.#lastSay())
    this.card = { k: 'end', text: last, stopped }
  }

  /** The last sentence the scenario said so far (its explanation). */
  #lastSay(): string | null {
    const run = this.#run
    if (!run) return null
    let out: string | null = null
    for (const b of run.player.script.blocks) {
      if (b.command.kind === 'say') out = b.command.text
    }
    return out
  }

  /** The driver of the lesson's cluster (tests read its state). */
  get driver(): Driver | null {
    return this.#run?.driver() ?? null
  }
}
