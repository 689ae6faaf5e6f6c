import type { Violation } from '../check/safety.ts'
import type { Appended, NodeView, ScenarioCluster, ScenarioEvent, TimeSpan } from './cluster.ts'
import type { Block, ClientWrite, ClusterSpec, Command, Script } from './script.ts'
import { SimScenarioCluster } from './sim-cluster.ts'

/**
 * Plays a parsed script against a ScenarioCluster and says what each command printed. Output is short,
 * stable and readable aloud: roles, terms, indexes, commit, log contents; never a timestamp.
 */

/** Said when a command that lets time pass stopped at a violation. */
const STOPPED = 'stopped at the violation'

/** Longest a `stabilize` runs before giving up (virtual ms). */
export const STABILIZE_MAX_MS = 10_000

export type ClusterFactory = (spec: ClusterSpec) => ScenarioCluster

export interface BlockResult {
  block: Block
  output: string[]
}

/**
 * A block begun and not yet finished (`ScriptPlayer.begin`): its action has run; `span` is the virtual time it lets
 * pass (null when none), which the caller runs (or `ScriptPlayer.next` at once) before `finish`.
 */
export interface PendingBlock {
  block: Block
  span: TimeSpan<unknown> | null
  /** Completes the block once the span has run (`stopped`: its stop condition held); returns what it printed. */
  finish(stopped: boolean): BlockResult
}

/** A block whose output differs from its golden output: where, and both outputs. */
export interface Mismatch {
  script: string
  line: number
  command: string
  expected: string[]
  actual: string[]
}

/**
 * Plays a script one block at a time: the UI calls `next()` at each key press and reads narration from the
 * block; the test runner calls it to the end.
 */
export class ScriptPlayer {
  readonly script: Script
  #cluster: ScenarioCluster | null = null
  readonly #factory: ClusterFactory
  #next = 0
  #tickMs = 10

  constructor(script: Script, factory: ClusterFactory = (spec) => new SimScenarioCluster(spec)) {
    this.script = script
    this.#factory = factory
  }

  /** The cluster, once the script's `cluster` line has run. */
  get cluster(): ScenarioCluster | null {
    return this.#cluster
  }

  get done(): boolean {
    return this.#next >= this.script.blocks.length
  }

  /** Runs the next block and returns what it printed; undefined at the end. */
  next(): BlockResult | undefined {
    const p = this.begin()
    if (p === undefined) return undefined
    if (p.span === null) return p.finish(false)
    const span = p.span
    return p.finish((this.#cluster as ScenarioCluster).pass({ until: span.until, stop: () => span.stop(), end: (stopped) => stopped }))
  }

  /**
   * The next block in two halves, for a caller that lets its time pass itself (the UI animates it): its action
   * runs now; the caller runs `span` (if any), then calls `finish`. Undefined at the end.
   */
  begin(): PendingBlock | undefined {
    const block = this.script.blocks[this.#next]
    if (block === undefined) return undefined
    this.#next++
    const { span, finish } = this.#exec(block.command)
    return { block, span, finish: (stopped) => ({ block, output: finish(stopped) }) }
  }

  #exec(cmd: Command): { span: TimeSpan<unknown> | null; finish: (stopped: boolean) => string[] } {
    const now = (lines: string[]) => ({ span: null, finish: () => lines })
    if (cmd.kind === 'say' || cmd.kind === 'ask') return now([])
    if (cmd.kind === 'cluster') {
      this.#cluster = this.#factory(cmd.spec)
      this.#tickMs = cmd.spec.tickMs
      return now([describeSpec(cmd.spec), ...formatEvents(this.#cluster.takeEvents())])
    }
    const c = this.#cluster as ScenarioCluster
    const out: string[] = []
    /** Said after the events. */
    const after: string[] = []
    /** What the time the command lets pass led to, said once it has passed. */
    let ended: ((stopped: boolean) => void) | null = null
    let span: TimeSpan<unknown> | null = null
    switch (cmd.kind) {
      case 'tick':
      case 'run': {
        const s = c.runSpan(cmd.kind === 'tick' ? cmd.ticks * this.#tickMs : cmd.ms)
        span = s
        ended = (stopped) => {
          if (s.end(stopped) === 'violation') after.push(STOPPED)
        }
        break
      }
      case 'stabilize': {
        const s = c.stabilizeSpan(STABILIZE_MAX_MS)
        span = s
        ended = (stopped) => {
          const r = s.end(stopped)
          if (r === 'violation') after.push(STOPPED)
          if (r === 'timeout') {
            after.push(`not settled after ${STABILIZE_MAX_MS / 1000} s: ${c.unsettled() ?? `${plural(c.inFlight(), 'message')} in flight`}`)
          }
        }
        break
      }
      case 'campaign':
        if (!c.campaign(cmd.node)) out.push(`${cmd.node} cannot campaign (${whyNot(c, cmd.node)})`)
        break
      case 'propose':
        out.push(appended(c.propose(cmd.node, cmd.command)))
        break
      case 'read':
        out.push(`client ${c.read(cmd.node, cmd.key)} asks ${cmd.node} for ${cmd.key}`)
        break
      case 'write':
        out.push(`client ${c.write(cmd.node, cmd.command)} asks ${cmd.node} to ${writeText(cmd.command)}`)
        break
      case 'crash':
        if (!isUp(c, cmd.node)) out.push(`${cmd.node} is already down`)
        else c.crash(cmd.node)
        break
      case 'restart':
        if (isUp(c, cmd.node)) out.push(`${cmd.node} is already up`)
        else if (view(c, cmd.node).state === 'removed') out.push(`${cmd.node} was removed and does not come back`)
        else c.restart(cmd.node)
        break
      case 'partition':
        c.partition(cmd.groups)
        break
      case 'isolate':
        c.isolate(cmd.node)
        break
      case 'cut':
        c.cut(cmd.from, cmd.to, cmd.appends, cmd.afterEntry)
        break
      case 'heal':
        c.heal()
        break
      case 'add':
        out.push(appended(c.add(cmd.node, cmd.learner)))
        break
      case 'remove':
        out.push(appended(c.remove(cmd.node)))
        break
      case 'transfer': {
        const v = view(c, cmd.from)
        if (v.state !== 'up' || v.role !== 'leader') out.push(`${cmd.from} does not lead, so it cannot hand over`)
        else c.transfer(cmd.from, cmd.to)
        break
      }
      case 'compact': {
        const r = c.compact(cmd.node)
        out.push(r === null ? `${cmd.node} has nothing to compact` : `${cmd.node} compacts its log into a snapshot up to index ${r.index} (term ${r.term})`)
        break
      }
      case 'unsafe':
        c.setUnsafe(cmd.name, cmd.on)
        out.push(`unsafe ${cmd.name} ${cmd.on ? 'on: a deliberate bug' : 'off'}`)
        break
      case 'status':
        break
      case 'logs':
        break
      case 'check':
        break
    }
    const finish = (stopped: boolean): string[] => {
      ended?.(stopped)
      out.push(...formatEvents(c.takeEvents()), ...after)
      if (cmd.kind === 'status') out.push(...formatStatus(c))
      if (cmd.kind === 'logs') out.push(...formatLogs(c.nodes()))
      if (cmd.kind === 'check') {
        const v = c.violations()
        if (v.length === 0) out.push('no violations')
        else out.push(...v.map(formatViolationLine))
      }
      return out
    }
    return { span, finish }
  }
}

/** Runs every block and returns the outputs (for rewriting the golden file). */
export function runScript(script: Script, factory?: ClusterFactory): BlockResult[] {
  const p = new ScriptPlayer(script, factory)
  const out: BlockResult[] = []
  for (let r = p.next(); r !== undefined; r = p.next()) out.push(r)
  return out
}

/** Runs the script until a block's output differs from its golden output, and returns that block (or null). */
export function checkScript(script: Script, factory?: ClusterFactory): Mismatch | null {
  const p = new ScriptPlayer(script, factory)
  for (let r = p.next(); r !== undefined; r = p.next()) {
    const { block, output } = r
    if (output.length !== block.expected.length || output.some((l, i) => l !== block.expected[i])) {
      return { script: script.name, line: block.line, command: block.source, expected: block.expected, actual: output }
    }
  }
  return null
}

/** A mismatch as a sentence (`file:line:` first, for editors) and a line diff (`-` golden, `+` now). */
export function formatMismatch(m: Mismatch, file = `${m.script}.txt`): string {
  return [
    `${file}:${m.line}: the output of "${m.command}" differs from the golden output (- expected, + actual):`,
    ...diffLines(m.expected, m.actual),
  ].join('\n')
}

/** A line diff by longest common subsequence: unchanged lines with two spaces, others with - or +. */
export function diffLines(a: readonly string[], b: readonly string[]): string[] {
  const n = a.length
  const m = b.length
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1])
  }
  const out: string[] = []
  let i = 0
  let j = 0
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i++]}`)
      j++
    } else if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) out.push(`+ ${b[j++]}`)
    else out.push(`- ${a[i++]}`)
  }
  if (out.length === 0) out.push('  (both empty)')
  return out
}

// ---------------------------------------------------------------- formatting

const ROLE: Record<NodeView['role'], string> = {
  follower: 'follower',
  precandidate: 'pre-candidate',
  candidate: 'candidate',
  leader: 'leader',
}

function describeSpec(s: ClusterSpec): string {
  const ids = Array.from({ length: s.nodes }, (_, i) => `n${i + 1}`).join(' ')
  const parts = [
    `${ids}`,
    `pre-vote ${s.preVote ? 'on' : 'off'}`,
    `check-quorum ${s.checkQuorum ? 'on' : 'off'}`,
    `election timeout ${s.electionTick}-${2 * s.electionTick - 1} ticks of ${s.tickMs} ms`,
    `heartbeat every ${plural(s.heartbeatTick, 'tick')}`,
  ]
  if (s.maxEntries !== 64) parts.push(`${plural(s.maxEntries, 'entry', 'entries')} per append`)
  if (s.maxInflight !== 16) parts.push(`${plural(s.maxInflight, 'append')} in flight`)
  if (s.snapshotEvery > 0) parts.push(`snapshot every ${plural(s.snapshotEvery, 'entry', 'entries')}`)
  if (s.reads === 'readindex') parts.push('reads by ReadIndex')
  if (s.storage === 'volatile') parts.push('volatile storage (a crash loses the disk)')
  if (s.unsafe.length > 0) parts.push(`unsafe ${s.unsafe.join(', ')} (deliberate bug)`)
  return parts.join('; ')
}

/** Events as lines. Consecutive role changes to the same role and term share a line; so do consecutive commits. */
export function formatEvents(events: readonly ScenarioEvent[]): string[] {
  const out: string[] = []
  for (let i = 0; i < events.length; i++) {
    const e = events[i]
    switch (e.type) {
      case 'role': {
        const nodes = [e.node]
        while (i + 1 < events.length) {
          const f = events[i + 1]
          if (f.type !== 'role' || f.role !== e.role || f.term !== e.term) break
          nodes.push(f.node)
          i++
        }
        nodes.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
        out.push(`${nodes.join(' ')}: ${ROLE[e.role]} term ${e.term}`)
        break
      }
      case 'commit': {
        const entries = [e.entry]
        while (i + 1 < events.length) {
          const f = events[i + 1]
          if (f.type !== 'commit') break
          entries.push(f.entry)
          i++
        }
        out.push(commitLine(entries))
        break
      }
      case 'down':
        out.push(`${e.node}: down`)
        break
      case 'up':
        out.push(
          e.term === 0 && e.lastIndex === 0
            ? `${e.node}: up with an empty disk`
            : `${e.node}: up from its disk: term ${e.term}, voted ${e.vote ?? 'nobody'}, log to ${e.lastIndex}, commit ${e.commit}`,
        )
        break
      case 'removed':
        out.push(`${e.node}: removed from the cluster, stops`)
        break
      case 'snapshot':
        out.push(`${e.node}: installs a snapshot up to index ${e.index} (term ${e.term})`)
        break
      case 'answer':
        out.push(`client ${e.client}: ${e.ok ? `${e.key} = ${e.value ?? '(no value)'}` : `no answer for ${e.key}`}`)
        break
      case 'written':
        out.push(
          e.outcome === 'ok'
            ? `client ${e.client}: ${e.command} acknowledged`
            : e.outcome === 'fail'
              ? `client ${e.client}: ${e.command} refused`
              : `client ${e.client}: no answer for ${e.command}`,
        )
        break
      case 'violation':
        out.push(formatViolationLine(e.violation))
        break
    }
  }
  return out
}

function commitLine(entries: { index: number; term: number; text: string }[]): string {
  const first = entries[0]
  const last = entries[entries.length - 1]
  const show = (e: { term: number; text: string }): string => `${e.text} (term ${e.term})`
  if (entries.length === 1) return `committed ${first.index}: ${show(first)}`
  if (entries.length <= 4) return `committed ${first.index}..${last.index}: ${entries.map(show).join(', ')}`
  return `committed ${first.index}..${last.index}: ${show(first)}, ... ${show(last)}`
}

/** A violation without its time and seed (those belong to the run, not to the scenario). */
export function formatViolationLine(v: Violation): string {
  const at = [v.index !== undefined ? `index ${v.index}` : '', v.term !== undefined ? `term ${v.term}` : ''].filter((s) => s !== '').join(' ')
  const nodes = v.nodes.length > 0 ? ` (${v.nodes.join(', ')})` : ''
  return `VIOLATION ${v.property}${at !== '' ? ` at ${at}` : ''}${nodes}: ${v.message}`
}

function formatStatus(c: ScenarioCluster): string[] {
  const out = c.nodes().map((v) => {
    if (v.state === 'removed') return `${v.id} removed`
    const last = `last ${v.lastIndex} (term ${v.lastTerm}), commit ${v.commit}`
    if (v.state === 'down') return `${v.id} down: on disk term ${v.term}, voted ${v.vote ?? 'nobody'}, ${last}`
    const role = v.learner ? 'learner' : ROLE[v.role]
    let who = ''
    if (v.role === 'candidate' || v.role === 'precandidate') who = `, ${plural(v.votes, 'vote')} of ${v.voters}`
    else if (v.role === 'follower' && v.leader !== null) who = `, leader ${v.leader}`
    else if (v.role === 'follower' && v.vote !== null) who = `, voted ${v.vote}`
    return `${v.id} ${role} term ${v.term}${who}, ${last}`
  })
  const f = c.faults()
  if (f.length > 0) out.push(`network: ${f.join('; ')}`)
  return out
}

/** Each node's log: its snapshot, then `index:term command` per entry, then its commit. */
export function formatLogs(nodes: readonly NodeView[]): string[] {
  return nodes.map((v) => {
    if (v.state === 'removed') return `${v.id}: removed`
    const parts: string[] = []
    if (v.snapshotIndex > 0) parts.push(`snapshot to ${v.snapshotIndex} (term ${v.snapshotTerm})`)
    for (const e of v.entries) parts.push(`${e.index}:t${e.term} ${e.text}`)
    const down = v.state === 'down' ? ' (down, on disk)' : ''
    return `${v.id}${down}: ${parts.length > 0 ? parts.join(' | ') : 'empty'}; commit ${v.commit}`
  })
}

/** `set x=1`, `delete x`: a client's write as a script writes it. */
export function writeText(w: ClientWrite): string {
  return w.op === 'set' ? `set ${w.key}=${w.value}` : `delete ${w.key}`
}

function appended(r: Appended): string {
  return r.ok ? `${r.node} appends it at index ${r.index} (term ${r.term})` : `refused: ${r.reason}`
}

function view(c: ScenarioCluster, id: string): NodeView {
  return c.nodes().find((v) => v.id === id) as NodeView
}

function isUp(c: ScenarioCluster, id: string): boolean {
  return view(c, id).state === 'up'
}

function whyNot(c: ScenarioCluster, id: string): string {
  const v = view(c, id)
  if (v.state !== 'up') return v.state === 'down' ? 'it is down' : 'it was removed'
  if (v.role === 'leader') return 'it already leads'
  if (v.learner) return 'it is a learner'
  return 'it is not a voter'
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
