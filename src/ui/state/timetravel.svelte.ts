/**
 * Time travel in the teaching app: the scrubber's state. Viewing the past rebuilds the run in-process from its record
 * (src/browser/record.ts) up to the chosen time, and points the screen (runtime.sched, runtime.driver, the scene's
 * feed) at the rebuilt cluster while the live one stays paused; "Back to live" points everything back. "Continue from
 * here" makes the rebuilt cluster the live one (after asking): its disks are written to the nodes' IndexedDB disks and
 * its nodes restarted in workers from them.
 */
import type { ClusterRuntime } from '../../browser/runtime.ts'
import type { Driver, DriverMode } from '../../browser/driver.ts'
import type { Replay } from '../../browser/replay.ts'
import type { ClusterEvent, PortFactory } from '../../browser/scheduler.ts'
import type { NodeDisk } from '../../storage/types.ts'
import type { RecordingScheduler, RunRecord } from '../../browser/record.ts'
import { MOMENT_PARAM, isRecording } from '../../browser/recorded.ts'
import type { RunFileError } from '../../browser/runfile.ts'
import { strings } from '../strings.ts'
import type { Feed } from './feed.ts'
import type { Notices } from './notices.svelte.ts'
import type { Scene } from './scene.svelte.ts'
import { Marks, type Mark } from './marks.ts'

/** Run files and moment links: loaded when one is made or read. */
const runfile = () => import('../../browser/runfile.ts')

/** Virtual ms of events before the chosen time that the past's event log and graph are fed (tokens, callouts). */
const FEED_WINDOW_MS = 3000
/** Rebuilt clusters kept parked at earlier times, so that going back does not replay from the start. */
const PARKED = 10
/** Parked rebuilds made in the background while the past is shown, spread evenly over the run. */
const LADDER = 8
export type { Mark, MarkKind } from './marks.ts'
/** A term, from the time its first leader was elected (or it began) until the next. */
export interface TermBand {
  t: number
  term: number
}

interface Cursor {
  replay: Replay
  feed: Feed
  /** Events from this time on go to the feed. */
  feedFrom: number
  /** The ports switch to `live` after a fork. */
  ports: { live: PortFactory | null }
  driver: Driver
  /** Stops feeding the past's feed. */
  off: () => void
  /** The time a background rebuild is heading for (see #ladder). */
  ladder?: number
}

export class TimeTravel {
  /** The time shown, in virtual ms, or null when the screen shows the live cluster. */
  viewing = $state<number | null>(null)
  /** A rebuild is running (the target it is heading for). */
  pending = $state<number | null>(null)
  /** The end of the run (the live cluster's `now`, or an imported run's end). */
  end = $state(0)
  /** Bumped when marks or bands change (the scrubber redraws). */
  marksVersion = $state(0)
  /** Wall ms the last rebuild took, for the screen and the tests. */
  lastMs = $state<number | null>(null)
  /** An imported run or a shared moment is shown (not this page's own cluster). */
  foreign = $state(false)

  /** The scrubber's marks: at most 800 per kind, thinned by time bucket as the run grows (see marks.ts). */
  readonly markSet = new Marks()
  readonly bands: TermBand[] = []

  readonly #runtime: ClusterRuntime
  readonly #scene: Scene
  readonly #notices: Notices
  #live: { sched: RecordingScheduler; driver: Driver | null; feed: Feed; mode: DriverMode } | null = null
  #rec: RunRecord | null = null
  #cursor: Cursor | null = null
  #parked: Cursor[] = []
  #target: number | null = null
  #running = false
  #off: (() => void) | null = null
  #maxTerm = 0
  #commit = 0

  readonly #check: (e: ClusterEvent) => void
  readonly #forked: (sched: RecordingScheduler) => void

  /**
   * `hooks.check`: the live checkers' handler (a fork feeds them the rebuilt run from its start); `hooks.forked`:
   * told the cluster that continues after a fork (the load switch follows its generator).
   */
  constructor(runtime: ClusterRuntime, scene: Scene, notices: Notices, hooks: { check?: (e: ClusterEvent) => void; forked?: (sched: RecordingScheduler) => void } = {}) {
    this.#runtime = runtime
    this.#scene = scene
    this.#notices = notices
    this.#check = hooks.check ?? (() => undefined)
    this.#forked = hooks.forked ?? (() => undefined)
  }

  /** Follow the live cluster's events for the scrubber's marks; returns the cleanup. */
  attach(): () => void {
    const rt = this.#runtime
    const off = rt.onEvent((e) => this.#see(e))
    let hooked: RecordingScheduler | null = null
    const hook = () => {
      const sc = rt.sched
      if (this.viewing !== null || this.pending !== null || sc === hooked || !isRecording(sc)) return
      this.#off?.()
      hooked = sc
      this.#off = sc.onAction((a) => {
        if (a.k === 'net') this.markPartition(a.t)
      })
    }
    const offProgress = rt.onProgress(hook)
    let opened = false
    const offStatus = rt.onStatus((st) => {
      if (st.phase !== 'running' || opened) return
      opened = true
      hook()
      if (typeof location !== 'undefined') void this.openFromUrl()
    })
    return () => {
      off()
      offProgress()
      offStatus()
      this.#off?.()
    }
  }

  /** Every mark kept, all kinds. */
  get marks(): readonly Mark[] {
    return this.markSet.all
  }

  /** Forget the marks (a new cluster). */
  resetMarks(): void {
    this.markSet.clear()
    this.bands.length = 0
    this.#maxTerm = 0
    this.#commit = 0
    this.marksVersion++
  }

  #mark(m: Mark): void {
    if (this.markSet.add(m)) this.marksVersion++
  }

  #see(e: ClusterEvent): void {
    if (this.viewing !== null) return
    if (e.type === 'summary') {
      const s = e.summary
      if (s.role === 'leader' && s.term > this.#maxTerm) {
        this.#maxTerm = s.term
        this.bands.push({ t: e.at, term: s.term })
        this.#mark({ t: e.at, k: 'election', node: e.node })
      }
      if (s.commit > this.#commit) {
        this.#commit = s.commit
        // One commit mark per time bucket (250 virtual ms at first): under load they would be a solid bar.
        this.#mark({ t: e.at, k: 'commit', node: e.node })
      }
    } else if (e.type === 'nodeState' && e.state === 'crashed') this.#mark({ t: e.at, k: 'crash', node: e.node })
  }

  /** A network change (partition, isolation, cut, heal) at `t`, and a violation at `t`, as marks. */
  markPartition(t: number): void {
    this.#mark({ t, k: 'partition' })
  }
  markViolation(t: number): void {
    this.#mark({ t, k: 'violation' })
  }

  /** Why time travel is not offered now (a sentence), or null when it is. */
  unavailable(): string | null {
    if (this.#rec) return null
    const s = this.#runtime.sched
    if (!s) return strings.timetravel.noCluster
    if (!isRecording(s)) return strings.timetravel.noRecord
    if (this.#runtime.recovered) return strings.timetravel.recovered
    return null
  }

  /** The live cluster's end time (for the slider's range while live). */
  refreshEnd(): void {
    if (this.viewing === null && !this.#rec) this.end = this.#runtime.sched?.now ?? 0
  }

  /** The record being viewed (or of the live cluster). */
  record(): RunRecord | null {
    if (this.#rec) return this.#rec
    const s = this.#live?.sched ?? this.#runtime.sched
    return isRecording(s) ? s.record() : null
  }

  /** Show the run at virtual time `t` (ms). Repeated calls while a rebuild runs just move its target. */
  async goTo(t: number, quiet = false): Promise<string | null> {
    const why = this.unavailable()
    if (why) {
      this.#notices.addBanner('info', why)
      return why
    }
    if (!this.#enter()) return strings.timetravel.noRecord
    const rec = this.#rec!
    t = Math.max(0, Math.min(rec.end, Math.round(t)))
    this.#target = t
    this.pending = t
    if (this.#running) return null
    this.#running = true
    let failed: string | null = null
    try {
      while (this.#target !== null) {
        const target: number = this.#target
        const started = performance.now()
        const done = await this.#rebuild(target)
        if (done) {
          this.lastMs = performance.now() - started
          this.viewing = target
          if (this.#target === target) this.#target = null
        }
      }
    } catch (e) {
      failed = e instanceof Error ? e.message : String(e)
      if (!quiet) this.#notices.fail(strings.timetravel.title, e)
      this.#target = null
    } finally {
      this.#running = false
      this.pending = null
      this.#scene.publish()
      this.#scene.wake(true)
    }
    if (failed === null) void this.#ladder()
    return failed
  }

  #laddering = false

  /**
   * While the past is shown and nothing else is rebuilt, build parked clusters at evenly spaced times (in slices, so
   * the page stays responsive), so that a later jump back starts near its target instead of at the start.
   */
  async #ladder(): Promise<void> {
    if (this.#laddering || !this.#rec) return
    this.#laddering = true
    try {
      const rec = this.#rec
      const step = Math.max(2000, rec.end / LADDER)
      for (let k = 1; k * step < rec.end; k++) {
        if (this.#rec !== rec || this.viewing === null) return
        const at = Math.round(k * step)
        const all = [...this.#parked, ...(this.#cursor ? [this.#cursor] : [])]
        if (all.some((c) => Math.abs(c.replay.now - at) < step / 2 && c.replay.now <= at)) continue
        const partial = this.#parked.find((c) => c.ladder === at)
        const c = partial ?? (await this.#newCursor())
        c.ladder = at
        if (!partial) this.#park(c)
        const done = await c.replay.advance(at, {
          sliceMs: 100,
          yieldTo: () => new Promise((r) => setTimeout(r, 4)),
          shouldStop: () => this.#running || this.#rec !== rec || this.viewing === null,
        })
        if (!done) return
      }
    } catch {
      // A background rebuild that fails only means a slower jump later; the rebuild the user asks for says why.
    } finally {
      this.#laddering = false
    }
  }

  /** One event forward (the next instant in which something happens) or back (the last event shown before now). */
  async stepEvent(dir: 1 | -1): Promise<string | null> {
    // From the moment shown once a jump still running has landed (its rebuild is where the next event is read).
    while (this.#running) await new Promise((r) => setTimeout(r, 10))
    const now = this.viewing ?? this.end
    if (dir > 0) {
      const next = this.#cursor?.replay.sched.nextTime() ?? Infinity
      return this.goTo(Number.isFinite(next) ? next : now + 1)
    }
    let prev = -1
    this.#cursor?.feed.forEachRecord((r) => {
      if (r.at < now && r.at > prev) prev = r.at
    })
    return this.goTo(prev >= 0 ? prev : now - 1)
  }

  /** Swap the screen to the past (first call): pause the live cluster and remember it. */
  #enter(): boolean {
    if (this.#live) return true
    const rt = this.#runtime
    const sched = rt.sched
    if (!isRecording(sched)) return false
    const mode = rt.driver?.mode ?? 'paused'
    rt.driver?.pause()
    this.#live = { sched, driver: rt.driver, feed: this.#scene.feed, mode }
    this.#rec ??= sched.record()
    this.end = this.#rec.end
    return true
  }

  async #newCursor(): Promise<Cursor> {
    const rec = this.#rec!
    // The in-process node host and the replay come when the past is first asked for (not with the first paint).
    const [{ Replay }, { inprocFactory }, { Driver }] = await Promise.all([import('../../browser/replay.ts'), import('../../browser/inproc.ts'), import('../../browser/driver.ts')])
    const ports: Cursor['ports'] = { live: null }
    const replay = new Replay(rec, (disks: Map<string, NodeDisk>) => {
      const mem = inprocFactory(disks)
      return (init) => (ports.live ? ports.live(init) : mem(init))
    })
    const feed = this.#scene.newFeed()
    replay.sched.frozen = strings.timetravel.frozen
    const driver = new Driver(replay.sched)
    driver.onError = (e) => {
      driver.pause()
      this.#notices.fail(strings.timetravel.title, e)
    }
    const c: Cursor = { replay, feed, feedFrom: Infinity, ports, driver, off: () => undefined }
    c.off = replay.sched.on((e) => {
      if (e.at >= c.feedFrom && e.type !== 'observation') c.feed.handle(e)
    })
    return c
  }

  /** Bring a rebuilt cluster to `t`: the current one or a parked one at or before `t`, else a new one. */
  async #rebuild(t: number): Promise<boolean> {
    let c = this.#cursor
    if (!c || c.replay.now > t) {
      if (c) this.#park(c)
      const best = this.#parked.filter((p) => !p.replay.busy && p.replay.now <= t).sort((a, b) => b.replay.now - a.replay.now)[0]
      if (best) this.#parked = this.#parked.filter((p) => p !== best)
      c = best ?? (await this.#newCursor())
      this.#cursor = c
    }
    if (c.replay.now < t - FEED_WINDOW_MS) {
      c.feed.reset()
      c.feedFrom = t - FEED_WINDOW_MS
    } else if (!Number.isFinite(c.feedFrom)) c.feedFrom = c.replay.now
    const done = await c.replay.advance(t, {
      sliceMs: 250,
      yieldTo: () => new Promise((r) => setTimeout(r, 0)),
      shouldStop: () => this.#target !== t,
    })
    this.#show(c)
    return done
  }

  #park(c: Cursor): void {
    this.#parked.push(c)
    if (this.#parked.length > PARKED) {
      // Keep the spread: drop the one closest to its neighbour.
      this.#parked.sort((a, b) => a.replay.now - b.replay.now)
      let drop = 0
      let gap = Infinity
      for (let i = 1; i < this.#parked.length; i++) {
        const g = this.#parked[i].replay.now - this.#parked[i - 1].replay.now
        if (g < gap) {
          gap = g
          drop = i
        }
      }
      const [gone] = this.#parked.splice(drop, 1)
      void gone.replay.sched.shutdown()
    }
  }

  /** Point the screen at a rebuilt cluster. */
  #show(c: Cursor): void {
    const rt = this.#runtime
    rt.sched = c.replay.sched
    rt.driver = c.driver
    this.#scene.useFeed(c.feed)
    this.#scene.syncNodes(c.replay.sched)
    this.#scene.loop.snap(c.replay.sched.now)
    this.#scene.publish()
    this.#scene.wake(true)
  }

  /** Back to the live cluster (paused as it was left, or running again if it ran). */
  backToLive(): void {
    const live = this.#live
    if (!live) return
    this.#target = null
    const rt = this.#runtime
    rt.sched = live.sched
    rt.driver = live.driver
    this.#scene.useFeed(live.feed)
    this.#scene.syncNodes(live.sched)
    this.#scene.loop.snap(live.sched.now)
    this.#dropAll()
    this.#live = null
    this.#rec = null
    this.foreign = false
    this.viewing = null
    this.end = live.sched.now
    if (live.mode === 'running') live.driver?.play()
    else if (live.mode === 'max') live.driver?.max()
    this.#scene.publish()
    this.#scene.wake(true)
  }

  /** The cluster is about to be replaced: back to live, and forget the marks. */
  leave(): void {
    this.backToLive()
    this.resetMarks()
  }

  #dropAll(): void {
    for (const c of [...this.#parked, ...(this.#cursor ? [this.#cursor] : [])]) void c.replay.sched.shutdown()
    this.#parked = []
    this.#cursor = null
  }

  /** Show an imported run (or a shared moment) at `t`, paused; the live cluster is untouched until a fork. */
  async openRecord(rec: RunRecord, t = rec.end): Promise<string | null> {
    if (this.#live) this.backToLive()
    const rt = this.#runtime
    if (!isRecording(rt.sched)) return strings.timetravel.noCluster
    this.#enter()
    this.#rec = rec
    this.foreign = true
    this.end = rec.end
    this.#dropAll()
    return this.goTo(t, true)
  }

  /**
   * Continue from the moment shown: the rebuilt cluster becomes the live one. Its memory disks are written to the
   * nodes' IndexedDB disks and its nodes restarted in workers from them; the old run's future is discarded.
   */
  async continueHere(confirmed = false): Promise<void> {
    const live = this.#live
    const T = this.viewing
    if (!this.#cursor || !live || T === null || this.pending !== null || this.#running) return
    if (!confirmed && typeof confirm === 'function' && !confirm(strings.timetravel.confirmFork((T / 1000).toFixed(1)))) return
    this.#running = true
    this.pending = T
    try {
      await this.#notices.act(strings.timetravel.fork, async () => {
        const rt = this.#runtime
        // The run is rebuilt once more from its start with the live checkers watching, so that they know its whole
        // past (a checker started at the fork would see entries applied after ones it never saw).
        this.#dropAll()
        const c = (await this.#newCursor())
        c.feedFrom = T - FEED_WINDOW_MS
        const sched = c.replay.sched
        rt.sched = sched
        rt.driver = c.driver
        const offCheck = sched.on((e) => {
          if (e.type === 'observation' || e.type === 'client') this.#check(e)
        })
        try {
          await c.replay.advance(T, { sliceMs: 250, yieldTo: () => new Promise((r) => setTimeout(r, 0)) })
        } finally {
          offCheck()
        }
        c.off()
        sched.frozen = null
        await rt.adoptFork(sched, c.replay.disks, live.sched, (factory) => (c.ports.live = factory))
        this.#forked(sched)
        this.#live = null
        this.#rec = null
        this.foreign = false
        this.viewing = null
        this.end = sched.now
        // Marks after the fork point belonged to the discarded future.
        this.markSet.truncate(T)
        while (this.bands.length > 0 && this.bands[this.bands.length - 1].t > T) this.bands.pop()
        this.#maxTerm = this.bands.length > 0 ? this.bands[this.bands.length - 1].term : 0
        this.marksVersion++
        this.#scene.useFeed(c.feed)
        this.#scene.syncNodes(sched)
        this.#scene.loop.snap(sched.now)
      })
    } finally {
      this.#running = false
      this.pending = null
      this.#scene.publish()
      this.#scene.wake(true)
    }
  }

  // ------------------------------------------------------------------ files and links

  /** The sentence for a refused run file or link. */
  errorText(e: RunFileError): string {
    const m = strings.timetravel.importErrors
    switch (e.k) {
      case 'tooBig':
        return m.tooBig((e.bytes / 1024 / 1024).toFixed(1))
      case 'json':
        return m.json
      case 'version':
        return m.version(e.version)
      case 'field':
        return m.field(e.what)
      case 'unknownNode':
        return m.unknownNode(e.index, e.node)
    }
  }

  /** Download the run (the whole record, or the imported one) as a JSON file. */
  async exportRun(): Promise<void> {
    const rec = this.record()
    if (!rec) return
    const { runToJson } = await runfile()
    const blob = new Blob([runToJson(rec)], { type: 'application/json' })
    const a = document.createElement('a')
    a.href = URL.createObjectURL(blob)
    a.download = `raft-lab-run-${rec.spec.seed}-${Math.round(rec.end / 1000)}s.json`
    a.click()
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
  }

  /** Read a run file; refuse a bad one with a sentence (nothing changes); show a good one at its end, paused. */
  async importText(text: string, bytes = text.length): Promise<boolean> {
    const { parseRunFile } = await runfile()
    const r = parseRunFile(text, bytes)
    if (!r.ok) {
      this.#notices.addBanner('error', this.errorText(r.error))
      return false
    }
    return this.#openChecked(r.rec, r.rec.end)
  }

  async importFile(file: File): Promise<boolean> {
    if (file.size > 20 * 1024 * 1024) {
      this.#notices.addBanner('error', this.errorText({ k: 'tooBig', bytes: file.size }))
      return false
    }
    return this.importText(await file.text(), file.size)
  }

  async #openChecked(rec: RunRecord, t: number): Promise<boolean> {
    rec.spec.name = this.#runtime.clusterName
    // A run that cannot be rebuilt changes nothing: the screen goes back to the live cluster, paused as it was.
    const err = await this.openRecord(rec, t)
    if (err !== null) {
      this.backToLive()
      this.#notices.addBanner('error', strings.timetravel.importErrors.replay(err))
      return false
    }
    this.#notices.addBanner('info', strings.timetravel.imported)
    return true
  }

  /** The link to the moment shown (or to the live end): the run up to it, opened paused there. */
  async momentLink(t = this.viewing ?? this.#runtime.sched?.now ?? 0): Promise<string | null> {
    const rec = this.record()
    if (!rec) return null
    const { shareMomentLink } = await runfile()
    return shareMomentLink(rec, t)
  }

  /** Copy the link to this moment (and show it, for a browser that refuses the clipboard). */
  async shareMoment(): Promise<string | null> {
    const link = await this.momentLink()
    if (!link) return null
    this.lastLink = link
    try {
      await navigator.clipboard.writeText(link)
      this.#notices.addBanner('info', strings.timetravel.copied)
    } catch {
      // The link is shown under the scrubber instead.
    }
    return link
  }

  /** The last moment link made (shown so it can be copied by hand). */
  lastLink = $state<string | null>(null)

  /** A page opened with a moment link: show that run at that time, paused. */
  async openFromUrl(search: string = location.search): Promise<void> {
    const param = new URLSearchParams(search).get(MOMENT_PARAM)
    if (!param) return
    const { decodeMoment } = await runfile()
    const r = await decodeMoment(param)
    if (!r.ok) {
      this.#notices.addBanner('error', strings.timetravel.importErrors.link)
      return
    }
    await this.#openChecked(r.rec, r.t)
  }
}
