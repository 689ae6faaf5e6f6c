import type { UnsafeSwitches } from '../raft/types.ts'
import { defaultNetworkConfig, type LinkParams } from '../world/network.ts'
import { Prng } from '../world/prng.ts'
import type { SimOptions } from './types.ts'

/** Options a caller may give; the rest is drawn from the seed. */
export type SimOptionsInput = Partial<SimOptions> & { seed: number }

/**
 * Fills in every option not given by drawing it from the seed. Every field is always drawn (and then maybe
 * overridden), so giving one option never changes the values drawn for the others.
 */
export function resolveOptions(input: SimOptionsInput): SimOptions {
  const r = new Prng(input.seed).fork('options')
  const nodes = r.pick([3, 3, 5, 5, 5, 7])
  const electionTick = r.between(5, 20)
  const heartbeatTick = r.between(1, Math.max(1, Math.min(3, Math.floor(electionTick / 4))))
  const latency = r.between(1, 10)
  const link: LinkParams = {
    latency,
    jitter: r.between(0, 3) * latency,
    drop: r.chance(0.3) ? 0 : round(r.next() * 0.1),
    duplicate: r.chance(0.5) ? 0 : round(r.next() * 0.05),
    reorder: r.chance(0.5) ? 0 : round(r.next() * 0.1),
    reorderDelay: r.between(5, 50),
  }
  const diskMinMs = r.between(0, 3)
  const diskMaxMs = diskMinMs + r.between(0, 10)
  const crashRate = round(r.next() * 0.08)
  const restartRate = round(0.1 + r.next() * 0.4)
  const partitionRate = round(r.next() * 0.08)
  const healRate = round(0.1 + r.next() * 0.4)
  const preVote = r.chance(0.5)
  const checkQuorum = r.chance(0.5)
  const snapshotEvery = r.chance(0.4) ? 0 : r.between(5, 60)
  const maxEntriesPerMsg = r.chance(0.6) ? 64 : r.between(1, 8)
  const maxInflightMsgs = r.chance(0.6) ? 16 : r.between(1, 4)
  const clients = r.between(1, 4)
  const keys = r.between(1, 3)
  const thinkMs = r.between(0, 60)
  // Drawn after everything above, so that adding them changed none of the values drawn before.
  const membershipRate = r.chance(0.15) ? 0 : round(0.03 + r.next() * 0.12)
  const transferRate = r.chance(0.2) ? 0 : round(0.01 + r.next() * 0.05)
  const readMode = r.pick(['log', 'readIndex', 'mixed', 'mixed', 'mixed'] as const)
  const lingerElections = r.chance(0.5) ? 0 : r.between(1, 3)
  const snapshotChunkSize = r.chance(0.5) ? 16384 : r.between(16, 200)
  const figure8Rate = r.chance(0.5) ? 0 : round(0.05 + r.next() * 0.15)
  const drawn: SimOptions = {
    seed: input.seed,
    nodes,
    electionTick,
    heartbeatTick,
    tickMs: 10,
    network: defaultNetworkConfig(link),
    diskMinMs,
    diskMaxMs,
    faultEveryMs: 100,
    crashRate,
    restartRate,
    partitionRate,
    healRate,
    preVote,
    checkQuorum,
    unsafe: {},
    snapshotEvery,
    maxEntriesPerMsg,
    maxInflightMsgs,
    snapshotChunkSize,
    clients,
    keys,
    thinkMs,
    requestTimeoutMs: 0,
    retryMs: 0,
    readMode,
    membershipRate,
    transferRate,
    lingerMs: 0,
    figure8Rate,
  }
  const o: SimOptions = { ...drawn, ...definedOnly(input) }
  const electionMs = o.electionTick * o.tickMs
  if (input.retryMs === undefined) o.retryMs = 3 * electionMs
  if (input.requestTimeoutMs === undefined) o.requestTimeoutMs = 12 * electionMs
  if (input.lingerMs === undefined) o.lingerMs = lingerElections * electionMs
  validateOptions(o)
  return o
}

/**
 * Calm options for hand-written scenarios: no random faults, no membership changes or transfers, no loss, no
 * workload, reads through the log, snapshots off; elections and delays still come from the seed. Override what
 * the scenario needs.
 */
export function scenarioOptions(seed: number, overrides: Partial<SimOptions> = {}): SimOptions {
  return resolveOptions({
    seed,
    nodes: 3,
    electionTick: 10,
    heartbeatTick: 1,
    network: defaultNetworkConfig({ latency: 2, jitter: 3 }),
    diskMinMs: 1,
    diskMaxMs: 3,
    crashRate: 0,
    restartRate: 0,
    partitionRate: 0,
    healRate: 0,
    preVote: false,
    checkQuorum: false,
    snapshotEvery: 0,
    maxEntriesPerMsg: 64,
    maxInflightMsgs: 16,
    snapshotChunkSize: 16384,
    clients: 0,
    keys: 2,
    thinkMs: 10,
    readMode: 'log',
    membershipRate: 0,
    transferRate: 0,
    lingerMs: 0,
    figure8Rate: 0,
    ...overrides,
  })
}

/** Throws an Error naming the first option that is out of range. */
export function validateOptions(o: SimOptions): void {
  const fail = (what: string): never => {
    throw new Error(`sim options: ${what}`)
  }
  if (!(Number.isInteger(o.nodes) && o.nodes >= 1)) fail(`nodes must be a positive integer, got ${o.nodes}`)
  if (!(o.heartbeatTick >= 1 && o.electionTick > o.heartbeatTick)) {
    fail(`need 1 <= heartbeatTick < electionTick, got ${o.heartbeatTick} and ${o.electionTick}`)
  }
  if (!(o.tickMs >= 1)) fail(`tickMs must be >= 1, got ${o.tickMs}`)
  if (!(o.diskMinMs >= 0 && o.diskMaxMs >= o.diskMinMs)) fail(`need 0 <= diskMinMs <= diskMaxMs, got ${o.diskMinMs}, ${o.diskMaxMs}`)
  if (!(o.faultEveryMs >= 1)) fail(`faultEveryMs must be >= 1, got ${o.faultEveryMs}`)
  for (const k of ['crashRate', 'restartRate', 'partitionRate', 'healRate', 'membershipRate', 'transferRate', 'figure8Rate'] as const) {
    if (!(o[k] >= 0 && o[k] <= 1)) fail(`${k} must be in [0, 1], got ${o[k]}`)
  }
  if (!(o.snapshotEvery >= 0)) fail(`snapshotEvery must be >= 0, got ${o.snapshotEvery}`)
  if (!(o.lingerMs >= 0)) fail(`lingerMs must be >= 0, got ${o.lingerMs}`)
  if (!(Number.isInteger(o.snapshotChunkSize) && o.snapshotChunkSize >= 1)) fail(`snapshotChunkSize must be a positive integer, got ${o.snapshotChunkSize}`)
  if (!(o.clients >= 0 && o.keys >= 1)) fail(`need clients >= 0 and keys >= 1, got ${o.clients}, ${o.keys}`)
  if (!(o.retryMs >= 1 && o.requestTimeoutMs >= o.retryMs)) {
    fail(`need 1 <= retryMs <= requestTimeoutMs, got ${o.retryMs}, ${o.requestTimeoutMs}`)
  }
  if (o.storage !== undefined && o.storage !== 'durable' && o.storage !== 'volatile') fail(`storage must be durable or volatile, got ${String(o.storage)}`)
  if (!(o.readMode === 'log' || o.readMode === 'readIndex' || o.readMode === 'mixed')) fail(`readMode must be log, readIndex or mixed, got ${String(o.readMode)}`)
}

/**
 * The options as one line of `key=value` pairs, in a fixed order. Link parameters are the defaults of the
 * network; per-link overrides and faults in force are appended when present.
 */
export function formatOptions(o: SimOptions): string {
  const n = o.network
  const d = n.defaults
  const unsafe = Object.keys(o.unsafe).filter((k) => o.unsafe[k as keyof UnsafeSwitches])
  const parts = [
    `seed=${o.seed}`,
    `nodes=${o.nodes}`,
    `electionTick=${o.electionTick}`,
    `heartbeatTick=${o.heartbeatTick}`,
    `tickMs=${o.tickMs}`,
    `latency=${d.latency}+${d.jitter}`,
    `drop=${d.drop}`,
    `dup=${d.duplicate}`,
    `reorder=${d.reorder}/${d.reorderDelay}`,
    `disk=${o.diskMinMs}-${o.diskMaxMs}`,
    `faultEvery=${o.faultEveryMs}`,
    `crash=${o.crashRate}`,
    `restart=${o.restartRate}`,
    `partition=${o.partitionRate}`,
    `heal=${o.healRate}`,
    `preVote=${o.preVote}`,
    `checkQuorum=${o.checkQuorum}`,
    `snapshotEvery=${o.snapshotEvery}`,
    `maxEntries=${o.maxEntriesPerMsg}`,
    `maxInflight=${o.maxInflightMsgs}`,
    `chunk=${o.snapshotChunkSize}`,
    `clients=${o.clients}`,
    `keys=${o.keys}`,
    `think=${o.thinkMs}`,
    `timeout=${o.requestTimeoutMs}`,
    `retry=${o.retryMs}`,
    `reads=${o.readMode}`,
    `membership=${o.membershipRate}`,
    `transfer=${o.transferRate}`,
    `linger=${o.lingerMs}`,
    `figure8=${o.figure8Rate}`,
    `unsafe=${unsafe.length > 0 ? unsafe.join(',') : 'none'}`,
  ]
  if (o.storage === 'volatile') parts.push('storage=volatile')
  if (Object.keys(n.links).length > 0) parts.push(`links=${JSON.stringify(n.links)}`)
  if (n.partition.length > 0) parts.push(`partition=${JSON.stringify(n.partition)}`)
  if (n.cuts.length > 0) parts.push(`cuts=${n.cuts.join(',')}`)
  if (n.isolated.length > 0) parts.push(`isolated=${n.isolated.join(',')}`)
  return parts.join(' ')
}

/** Membership changes never grow the cluster beyond this many voters (nor shrink it below one). */
export const MAX_VOTERS = 7

/** The names of the unsafe switches, for command lines. */
export const UNSAFE_SWITCHES: readonly (keyof UnsafeSwitches)[] = [
  'skipLogUpToDateCheck',
  'commitOldTermEntries',
  'forgetVoteOnRestart',
  'noTruncateOnConflict',
  'leaseReadsWithoutCheck',
]

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {}
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k]
  return out
}

/**
 * Fuzz profile: options a user fixes for every seed, to aim the fuzzer at a feature. Whatever a profile does not
 * fix is still drawn from the seed. Rates are per `faultEveryMs` (100 ms); `drop`, `dup` and `reorder` are
 * per message.
 */
export interface FuzzProfile {
  nodes?: number
  drop?: number
  dup?: number
  reorder?: number
  crash?: number
  restart?: number
  partition?: number
  heal?: number
  membership?: number
  transfer?: number
  snapshotEvery?: number
  chunk?: number
  figure8?: number
}

/** The named profiles of `--profile`. */
export const PROFILES = {
  /** Everything at once, and often: loss, duplication, reordering, crashes, partitions, membership changes, compaction in small chunks, Figure 8 scripts. */
  harsh: { drop: 0.1, dup: 0.05, reorder: 0.1, crash: 0.12, restart: 0.4, partition: 0.12, heal: 0.3, membership: 0.12, transfer: 0.05, snapshotEvery: 12, chunk: 64, figure8: 0.1 },
  /** A bad network: a quarter of the messages lost, many duplicated and reordered. */
  lossy: { drop: 0.25, dup: 0.1, reorder: 0.2 },
  /** Crashes and restarts several times a second; disks lose what was being written. */
  crashy: { crash: 0.25, restart: 0.5 },
  /** Snapshots every few entries, sent in many small chunks, to members that join and leave. */
  compact: { snapshotEvery: 5, chunk: 32, membership: 0.15 },
  /** Membership changes and leadership transfers all the time, with crashes and partitions. */
  churn: { membership: 0.3, transfer: 0.1, crash: 0.08, partition: 0.08 },
} as const satisfies Record<string, FuzzProfile>

export type ProfileName = keyof typeof PROFILES

/** The command-line flag of each profile field, in the order a replay command lists them. */
export const PROFILE_FLAGS: readonly [keyof FuzzProfile, string][] = [
  ['nodes', '--nodes'],
  ['drop', '--drop'],
  ['dup', '--dup'],
  ['reorder', '--reorder'],
  ['crash', '--crash'],
  ['restart', '--restart'],
  ['partition', '--partition'],
  ['heal', '--heal'],
  ['membership', '--membership'],
  ['transfer', '--transfer'],
  ['snapshotEvery', '--snapshot-every'],
  ['chunk', '--chunk'],
  ['figure8', '--figure8'],
]

/**
 * The overrides a profile makes for one seed: the fields it fixes, over the options drawn from the seed (the
 * network keeps its drawn latency and jitter; only loss, duplication and reordering change).
 */
export function profileOverrides(seed: number, p: FuzzProfile): Partial<SimOptions> {
  const o: Partial<SimOptions> = {}
  if (p.nodes !== undefined) o.nodes = p.nodes
  if (p.drop !== undefined || p.dup !== undefined || p.reorder !== undefined) {
    const net = resolveOptions({ seed }).network
    const d = { ...net.defaults }
    if (p.drop !== undefined) d.drop = p.drop
    if (p.dup !== undefined) d.duplicate = p.dup
    if (p.reorder !== undefined) d.reorder = p.reorder
    o.network = { ...net, defaults: d }
  }
  if (p.crash !== undefined) o.crashRate = p.crash
  if (p.restart !== undefined) o.restartRate = p.restart
  if (p.partition !== undefined) o.partitionRate = p.partition
  if (p.heal !== undefined) o.healRate = p.heal
  if (p.membership !== undefined) o.membershipRate = p.membership
  if (p.transfer !== undefined) o.transferRate = p.transfer
  if (p.snapshotEvery !== undefined) o.snapshotEvery = p.snapshotEvery
  if (p.chunk !== undefined) o.snapshotChunkSize = p.chunk
  if (p.figure8 !== undefined) o.figure8Rate = p.figure8
  return o
}

/** The flags that give `p` on a command line (after `--profile name`, the fields it changes). */
export function profileArgs(p: FuzzProfile, name?: ProfileName): string {
  const base: FuzzProfile = name !== undefined ? PROFILES[name] : {}
  const parts = name !== undefined ? [`--profile ${name}`] : []
  for (const [k, flag] of PROFILE_FLAGS) {
    const v = p[k]
    if (v !== undefined && v !== base[k]) parts.push(`${flag} ${v}`)
  }
  return parts.join(' ')
}
