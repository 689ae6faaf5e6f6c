import type { UnsafeSwitches } from '../raft/types.ts'

/**
 * Scenario scripts: small text files that a test runs against golden output and the UI plays as a narrated
 * lecture (see README.md in this folder for the format). This module only reads and writes the text: pure,
 * deterministic, no IO and no DOM.
 *
 * A script is a header (`# title: ...`, `# summary: ...`, `# paper: ...`), then blocks: a command line, a line
 * `----`, and the lines the command printed, up to the next blank line. Other lines starting with `#` are
 * comments. The parser keeps every line, so `formatScript` writes the file back with new outputs and nothing
 * else changed.
 */

/** The deliberate bugs a script may switch on, as `UnsafeSwitches` names them. */
const SWITCHES = {
  skipLogUpToDateCheck: true,
  commitOldTermEntries: true,
  forgetVoteOnRestart: true,
  noTruncateOnConflict: true,
  leaseReadsWithoutCheck: true,
} satisfies Record<keyof UnsafeSwitches, true>

export type UnsafeSwitch = keyof UnsafeSwitches

export const UNSAFE_SWITCHES = Object.keys(SWITCHES) as UnsafeSwitch[]

/** How client reads (`read`) are served: through the log, or by a ReadIndex round at the leader. */
export type ReadPath = 'log' | 'readindex'

/** Where a node keeps its log and vote: on a disk that survives a crash, or in memory that a crash loses. */
export type Storage = 'durable' | 'volatile'

/** What `cluster` sets up. Everything else is the calm scenario default (no random faults, no loss). */
export interface ClusterSpec {
  nodes: number
  seed: number
  preVote: boolean
  checkQuorum: boolean
  /** The election timeout is drawn from [electionTick, 2 * electionTick) ticks of tickMs. */
  electionTick: number
  heartbeatTick: number
  /** Milliseconds of virtual time per tick. */
  tickMs: number
  unsafe: UnsafeSwitch[]
  /** Most entries per AppendEntries. */
  maxEntries: number
  /** Most AppendEntries in flight per follower. */
  maxInflight: number
  /** A node compacts its log every this many applied entries (0: only on `compact`). */
  snapshotEvery: number
  reads: ReadPath
  /** 'volatile': a crash loses the node's disk, and it restarts empty. */
  storage: Storage
}

/** A command as a client of the key/value store writes it: `set x=1`, `delete x`, `get x`. */
export type KvWrite = { op: 'set'; key: string; value: string } | { op: 'delete'; key: string } | { op: 'get'; key: string }

/** What a client may write through the client protocol (`write`): `set x=1` or `delete x`. */
export type ClientWrite = Exclude<KvWrite, { op: 'get' }>

export type Command =
  | { kind: 'cluster'; spec: ClusterSpec }
  | { kind: 'tick'; ticks: number }
  | { kind: 'run'; ms: number }
  | { kind: 'stabilize' }
  | { kind: 'campaign'; node: string }
  | { kind: 'propose'; node: string; command: KvWrite }
  | { kind: 'read'; node: string; key: string }
  /** A client asks the node to write (it follows redirects); the answer comes later. */
  | { kind: 'write'; node: string; command: ClientWrite }
  | { kind: 'crash'; node: string }
  | { kind: 'restart'; node: string }
  | { kind: 'partition'; groups: string[][] }
  | { kind: 'isolate'; node: string }
  /**
   * One-way: from can no longer reach to. `appends`: only AppendEntries and InstallSnapshot are lost (votes
   * pass). `afterEntry`: the link fails right after from has sent that entry to to.
   */
  | { kind: 'cut'; from: string; to: string; appends: boolean; afterEntry?: number }
  | { kind: 'heal' }
  | { kind: 'add'; node: string; learner: boolean }
  | { kind: 'remove'; node: string }
  | { kind: 'transfer'; from: string; to: string }
  | { kind: 'compact'; node: string }
  | { kind: 'unsafe'; name: UnsafeSwitch; on: boolean }
  | { kind: 'status' }
  | { kind: 'logs' }
  | { kind: 'check' }
  | { kind: 'say'; text: string }
  | { kind: 'ask'; text: string }

/** One command with its golden output. Line numbers count from 1. */
export interface Block {
  /** The command line as written (trimmed). */
  source: string
  command: Command
  /** Line of the command. */
  line: number
  /** What the command printed, as recorded in the file (no blank lines). */
  expected: string[]
  /** Line of the first output line (the line after `----`). */
  outputLine: number
}

export interface ScriptHeader {
  title: string
  summary: string
  /** The paper or thesis section it teaches, as written: "Raft paper 5.4.2, Figure 8". */
  paper: string
}

/** A parsed script: its header, its blocks, and every line kept for writing it back. */
export interface Script {
  /** File name without `.txt`; `?scenario=<name>` in the UI. */
  name: string
  header: ScriptHeader
  blocks: Block[]
  /** The file's parts in order: lines kept verbatim, and blocks (by number) whose output is rewritten. */
  parts: ({ text: string } | { block: number })[]
}

/** A script that cannot be run: where (line from 1) and why, in a sentence. */
export class ScriptError extends Error {
  readonly script: string
  readonly line: number
  readonly sentence: string
  constructor(script: string, line: number, sentence: string) {
    super(`${script}.txt:${line}: ${sentence}`)
    this.name = 'ScriptError'
    this.script = script
    this.line = line
    this.sentence = sentence
  }
}

export const SEPARATOR = '----'

const COMMANDS = [
  'cluster',
  'tick',
  'run',
  'stabilize',
  'campaign',
  'propose',
  'read',
  'write',
  'crash',
  'restart',
  'partition',
  'isolate',
  'cut',
  'heal',
  'add',
  'remove',
  'transfer',
  'compact',
  'unsafe',
  'status',
  'logs',
  'check',
  'say',
  'ask',
] as const

/** Defaults of `cluster`: three nodes, election timeout 10 ticks of 10 ms, heartbeat every tick. */
export const DEFAULT_SPEC: ClusterSpec = {
  nodes: 3,
  seed: 1,
  preVote: false,
  checkQuorum: false,
  electionTick: 10,
  heartbeatTick: 1,
  tickMs: 10,
  unsafe: [],
  maxEntries: 64,
  maxInflight: 16,
  snapshotEvery: 0,
  reads: 'log',
  storage: 'durable',
}

const MAX_NODES = 9
const NODE_RE = /^n[1-9][0-9]?$/
const KEY_RE = /^[A-Za-z0-9_.-]{1,32}$/

/**
 * Reads a script. `name` is its file name without `.txt` (used in error messages).
 * @throws ScriptError naming the line and what is wrong with it.
 */
export function parseScript(text: string, name: string): Script {
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  const fail = (line: number, sentence: string): never => {
    throw new ScriptError(name, line, sentence)
  }
  const header: Partial<ScriptHeader> = {}
  const parts: Script['parts'] = []
  const blocks: Block[] = []
  const nodes = new Set<string>()
  let sawCluster = false
  let inHeader = true
  let i = 0
  while (i < lines.length) {
    const raw = lines[i]
    const lineNo = i + 1
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#')) {
      if (inHeader && trimmed.startsWith('#')) {
        const m = /^#\s*(title|summary|paper)\s*:\s*(.*)$/i.exec(trimmed)
        if (m !== null) {
          const key = m[1].toLowerCase() as keyof ScriptHeader
          if (header[key] !== undefined) fail(lineNo, `the header names its ${key} twice.`)
          if (m[2].trim() === '') fail(lineNo, `the header's ${key} is empty.`)
          header[key] = m[2].trim()
        }
      }
      parts.push({ text: raw })
      i++
      continue
    }
    if (trimmed === SEPARATOR) fail(lineNo, `a line ${SEPARATOR} must follow a command; this one follows no command.`)
    inHeader = false
    const command = parseCommand(trimmed, lineNo, nodes, sawCluster, fail)
    if (command.kind === 'cluster') sawCluster = true
    if (i + 1 >= lines.length || lines[i + 1].trim() !== SEPARATOR) {
      fail(lineNo, `the command "${trimmed}" must be followed by a line ${SEPARATOR}, then the output it prints.`)
    }
    const expected: string[] = []
    let j = i + 2
    while (j < lines.length && lines[j].trim() !== '') expected.push(lines[j++].trimEnd())
    const prev = blocks[blocks.length - 1]
    if (prev?.command.kind === 'ask' && (command.kind === 'say' || command.kind === 'ask')) {
      fail(prev.line, 'an ask must be followed by the command whose output answers it, not by more narration.')
    }
    blocks.push({ source: trimmed, command, line: lineNo, expected, outputLine: i + 3 })
    parts.push({ block: blocks.length - 1 })
    i = j
  }
  for (const key of ['title', 'summary', 'paper'] as const) {
    if (header[key] === undefined) fail(1, `the header must name the scenario's ${key} in a line "# ${key}: ...".`)
  }
  if (!sawCluster) fail(lines.length || 1, 'the script never sets up a cluster (a line "cluster nodes=3 seed=1").')
  const last = blocks[blocks.length - 1]
  if (last.command.kind === 'ask') fail(last.line, 'the script ends on a question: an ask needs a command after it that answers it.')
  return { name, header: header as ScriptHeader, blocks, parts }
}

/**
 * Writes a script back with `outputs[k]` as the output of block k (the golden output when a change is
 * intended). Everything else (header, comments, blank lines, commands) is kept as it was.
 */
export function formatScript(script: Script, outputs: readonly (readonly string[])[]): string {
  const out: string[] = []
  for (const p of script.parts) {
    if ('text' in p) {
      out.push(p.text)
      continue
    }
    const b = script.blocks[p.block]
    out.push(b.source, SEPARATOR, ...(outputs[p.block] ?? b.expected))
  }
  return out.join('\n') + '\n'
}

// ---------------------------------------------------------------- commands

type Fail = (line: number, sentence: string) => never

function parseCommand(text: string, line: number, nodes: Set<string>, sawCluster: boolean, fail: Fail): Command {
  const sp = text.indexOf(' ')
  const word = sp < 0 ? text : text.slice(0, sp)
  const rest = sp < 0 ? '' : text.slice(sp + 1).trim()
  const args = rest === '' ? [] : rest.split(/\s+/)
  if (!(COMMANDS as readonly string[]).includes(word)) {
    fail(line, `unknown command "${word}"; a script knows ${COMMANDS.join(', ')}.`)
  }
  if (word === 'say' || word === 'ask') {
    if (rest === '') fail(line, `${word} needs a sentence.`)
    return { kind: word, text: rest }
  }
  if (word === 'cluster') {
    if (sawCluster) fail(line, 'the cluster is already set up; a script has one cluster line.')
    const spec = parseSpec(args, line, fail)
    for (let k = 1; k <= spec.nodes; k++) nodes.add(`n${k}`)
    return { kind: 'cluster', spec }
  }
  if (!sawCluster) fail(line, `"${word}" needs a cluster: set one up first with a line "cluster nodes=3 seed=1".`)
  const node = (s: string | undefined): string => {
    if (s === undefined) return fail(line, `"${word}" needs a node, as in "${word} n1".`)
    if (!nodes.has(s)) {
      const known = [...nodes].join(' ')
      return fail(line, `unknown node "${s}"; this cluster has ${known} (a new node joins with "add ${NODE_RE.test(s) ? s : 'n9'}").`)
    }
    return s
  }
  const noArgs = (): void => {
    if (args.length > 0) fail(line, `"${word}" takes no arguments, got "${rest}".`)
  }
  const exactly = (n: number, usage: string): void => {
    if (args.length !== n) fail(line, `"${word}" is written "${usage}".`)
  }
  switch (word) {
    case 'tick': {
      exactly(1, 'tick 10')
      const n = Number(args[0])
      if (!Number.isInteger(n) || n < 1 || n > 100_000) fail(line, `tick needs a whole number of ticks from 1 to 100000, got "${args[0]}".`)
      return { kind: 'tick', ticks: n }
    }
    case 'run': {
      exactly(1, 'run 300ms')
      return { kind: 'run', ms: parseDuration(args[0], line, fail) }
    }
    case 'stabilize':
      noArgs()
      return { kind: 'stabilize' }
    case 'campaign':
    case 'crash':
    case 'restart':
    case 'isolate':
    case 'compact':
    case 'remove':
      exactly(1, `${word} n1`)
      return { kind: word, node: node(args[0]) }
    case 'propose': {
      if (args.length < 2) fail(line, 'propose is written "propose n1 set x=1" (or "delete x", "get x").')
      return { kind: 'propose', node: node(args[0]), command: parseKv(args.slice(1), line, fail) }
    }
    case 'read':
      exactly(2, 'read n1 x')
      return { kind: 'read', node: node(args[0]), key: parseKey(args[1], line, fail) }
    case 'write': {
      if (args.length < 2) fail(line, 'write is written "write n1 set x=1" (or "write n1 delete x").')
      const id = node(args[0])
      if (args[1] === 'get') fail(line, `a client reads with "read ${id} ${args[2] ?? 'x'}", not with write.`)
      const command = parseKv(args.slice(1), line, fail, 'write')
      return { kind: 'write', node: id, command: command as ClientWrite }
    }
    case 'partition': {
      const groups = rest.split('|').map((g) => g.trim().split(/\s+/).filter((s) => s !== ''))
      if (groups.length < 2 || groups.some((g) => g.length === 0)) {
        fail(line, 'partition is written with groups split by "|", as in "partition n1 n2 | n3 n4 n5".')
      }
      const seen = new Set<string>()
      for (const g of groups) {
        for (const id of g) {
          node(id)
          if (seen.has(id)) fail(line, `${id} is in two groups of the partition.`)
          seen.add(id)
        }
      }
      return { kind: 'partition', groups }
    }
    case 'cut': {
      const m = /^(\S+)\s*->\s*(\S+)(\s+appends)?(?:\s+after\s+entry\s+(\S+))?$/.exec(rest)
      if (m === null) {
        fail(line, 'cut is written "cut n1 -> n2" (one way), then optionally "appends" (only appends are lost) and "after entry 2".')
      }
      const [, from, to, appends, after] = m as RegExpExecArray
      if (node(from) === node(to)) fail(line, 'a node cannot be cut from itself.')
      const cmd: Command = { kind: 'cut', from, to, appends: appends !== undefined }
      if (after !== undefined) {
        const n = Number(after)
        if (!Number.isInteger(n) || n < 1) fail(line, `"after entry" needs a log index (a whole number from 1), got "${after}".`)
        cmd.afterEntry = n
      }
      return cmd
    }
    case 'heal':
      noArgs()
      return { kind: 'heal' }
    case 'add': {
      if (args.length < 1 || args.length > 2 || (args.length === 2 && args[1] !== 'learner')) {
        fail(line, 'add is written "add n4" (a voter) or "add n4 learner".')
      }
      const id = args[0]
      if (!NODE_RE.test(id)) fail(line, `a node is named n1 to n${MAX_NODES}, got "${id}".`)
      if (Number(id.slice(1)) > MAX_NODES) fail(line, `a cluster has at most ${MAX_NODES} nodes, n1 to n${MAX_NODES}.`)
      nodes.add(id)
      return { kind: 'add', node: id, learner: args.length === 2 }
    }
    case 'transfer':
      exactly(2, 'transfer n1 n3')
      return { kind: 'transfer', from: node(args[0]), to: node(args[1]) }
    case 'unsafe': {
      if (args.length < 1 || args.length > 2 || (args.length === 2 && args[1] !== 'on' && args[1] !== 'off')) {
        fail(line, 'unsafe is written "unsafe commitOldTermEntries" (or with "off" after it).')
      }
      return { kind: 'unsafe', name: parseSwitch(args[0], line, fail), on: args[1] !== 'off' }
    }
    case 'status':
    case 'logs':
    case 'check':
      noArgs()
      return { kind: word }
  }
  return fail(line, `unknown command "${word}".`)
}

function parseSpec(args: string[], line: number, fail: Fail): ClusterSpec {
  const spec: ClusterSpec = { ...DEFAULT_SPEC, unsafe: [] }
  const seen = new Set<string>()
  for (const a of args) {
    const eq = a.indexOf('=')
    if (eq <= 0) fail(line, `cluster takes key=value pairs, got "${a}".`)
    const key = a.slice(0, eq).toLowerCase()
    const value = a.slice(eq + 1)
    if (seen.has(key)) fail(line, `cluster sets ${key} twice.`)
    seen.add(key)
    const int = (lo: number, hi: number): number => {
      const n = Number(value)
      if (!Number.isInteger(n) || n < lo || n > hi) fail(line, `${key} must be a whole number from ${lo} to ${hi}, got "${value}".`)
      return n
    }
    const onOff = (): boolean => {
      if (value !== 'on' && value !== 'off') fail(line, `${key} must be on or off, got "${value}".`)
      return value === 'on'
    }
    switch (key) {
      case 'nodes':
        spec.nodes = int(1, MAX_NODES)
        break
      case 'seed':
        spec.seed = int(0, 2 ** 31 - 1)
        break
      case 'prevote':
        spec.preVote = onOff()
        break
      case 'checkquorum':
        spec.checkQuorum = onOff()
        break
      case 'electiontick':
        spec.electionTick = int(2, 10_000)
        break
      case 'heartbeattick':
        spec.heartbeatTick = int(1, 10_000)
        break
      case 'tickms':
        spec.tickMs = int(1, 1000)
        break
      case 'maxentries':
        spec.maxEntries = int(1, 1000)
        break
      case 'maxinflight':
        spec.maxInflight = int(1, 1000)
        break
      case 'snapshotevery':
        spec.snapshotEvery = int(0, 100_000)
        break
      case 'reads':
        if (value !== 'log' && value !== 'readindex') fail(line, `reads must be log or readindex, got "${value}".`)
        spec.reads = value as ReadPath
        break
      case 'storage':
        if (value !== 'durable' && value !== 'volatile') fail(line, `storage must be durable or volatile, got "${value}".`)
        spec.storage = value as Storage
        break
      case 'unsafe':
        spec.unsafe = value === 'none' ? [] : value.split(',').map((s) => parseSwitch(s, line, fail))
        break
      default:
        fail(
          line,
          `cluster has no setting "${key}"; it knows nodes, seed, prevote, checkquorum, electiontick, heartbeattick, tickms, maxentries, maxinflight, snapshotevery, reads, storage, unsafe.`,
        )
    }
  }
  if (spec.heartbeatTick >= spec.electionTick) fail(line, `heartbeattick (${spec.heartbeatTick}) must be below electiontick (${spec.electionTick}).`)
  return spec
}

function parseSwitch(s: string, line: number, fail: Fail): UnsafeSwitch {
  if (!(UNSAFE_SWITCHES as string[]).includes(s)) fail(line, `unknown unsafe switch "${s}"; the switches are ${UNSAFE_SWITCHES.join(', ')}.`)
  return s as UnsafeSwitch
}

function parseKey(s: string, line: number, fail: Fail): string {
  if (!KEY_RE.test(s)) fail(line, `a key is 1 to 32 letters, digits, "_", "." or "-", got "${s}".`)
  return s
}

function parseKv(args: string[], line: number, fail: Fail, word: 'propose' | 'write' = 'propose'): KvWrite {
  const [op, arg, ...more] = args
  const ops = word === 'propose' ? '"set x=1", "delete x" or "get x"' : '"set x=1" or "delete x"'
  if (more.length > 0 || arg === undefined) fail(line, `${word} takes one command: ${ops}.`)
  if (op === 'set') {
    const eq = arg.indexOf('=')
    if (eq <= 0) fail(line, `set is written "set x=1", got "set ${arg}".`)
    const value = arg.slice(eq + 1)
    if (value === '' || value.length > 64) fail(line, 'a value is 1 to 64 characters.')
    return { op: 'set', key: parseKey(arg.slice(0, eq), line, fail), value }
  }
  if (op === 'delete' || (op === 'get' && word === 'propose')) return { op, key: parseKey(arg, line, fail) }
  return fail(line, word === 'propose' ? `propose knows set, delete and get, got "${op}".` : `write knows set and delete, got "${op}".`)
}

/** "300ms", "2s", "1.5s" or a bare number of milliseconds. */
function parseDuration(s: string, line: number, fail: Fail): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(s)
  const ms = m === null ? NaN : Number(m[1]) * (m[2] === 's' ? 1000 : 1)
  if (!Number.isInteger(ms) || ms < 1 || ms > 3_600_000) fail(line, `a duration is written "300ms" or "2s" (whole milliseconds, up to an hour), got "${s}".`)
  return ms
}
