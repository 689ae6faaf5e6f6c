/**
 * Reading and writing the URL. Two things live there:
 * - `?cluster=` names the cluster (its database namespace);
 * - a setup (node count, seed, Raft and network parameters, storage, partitions, speed, load), so that a shared
 *   link opens the same cluster. Format version 1, readable and hand-editable:
 *
 *     ?v=1&n=5&seed=7&et=10&hb=2&pv=1&cq=1&tick=10&lat=10&jit=10&drop=0.1&dup=0&reo=0&store=durable
 *     &snap=200&speed=0.1&load=1&part=n1.n2_n3.n4.n5&cut=n1-n2&iso=n4&link=n1-n2_lat_50_drop_0.2
 *     &unsafe=commitOldTermEntries.forgetVoteOnRestart
 *
 *   `part`: groups separated by `_`, nodes by `.`; `cut`: directed links `from-to` separated by `.`;
 *   `link` (repeatable): a directed link then `_name_value` pairs (lat, jit, drop, dup, reo); `unsafe`: the unsafe
 *   switches that are on (deliberate bugs, names of `UnsafeSwitches`), separated by `.` (or `,` in a link written
 *   by hand). Only characters
 *   that URLSearchParams leaves as they are, so links stay readable.
 *
 * Everything is validated against fixed patterns and ranges; nothing from the URL is ever rendered as HTML (the
 * UI shows only our own sentences, and node ids that matched /^n\d{1,2}$/).
 */
import type { NodeId } from '../raft/types.ts'
import type { ClusterSpec } from '../browser/scheduler.ts'
import { defaultLinkParams, defaultNetworkConfig, linkKey, type LinkParams, type NetworkConfig } from '../world/network.ts'
import type { RaftParams, StorageMode } from '../node/protocol.ts'
import { strings } from './strings.ts'
import { currentLocale, type Locale } from './locale.ts'
import { isUnsafeName, unsafeOf, unsafeOn } from './check/unsafe.ts'

const NAME_RE = /^[a-z0-9][a-z0-9-]{0,39}$/

/** The cluster name from `?cluster=`; anything unexpected falls back to "default". */
export function clusterNameFromUrl(href: string): string {
  try {
    const v = new URL(href).searchParams.get('cluster')
    return v && NAME_RE.test(v) ? v : 'default'
  } catch {
    return 'default'
  }
}

/** The link format written by `encodeSetup`. */
export const URL_FORMAT_VERSION = 1

export type ScenarioId = 'isolate-leader'
export type PresetId = 'three' | 'five' | 'lossy' | 'partitioned-leader'

/** Everything a link carries. */
export interface Setup {
  nodes: NodeId[]
  seed: number
  params: Pick<RaftParams, 'electionTick' | 'heartbeatTick' | 'preVote' | 'checkQuorum' | 'unsafe'>
  tickMs: number
  network: NetworkConfig
  storage: StorageMode
  snapshotEvery: number
  speed: number
  load: boolean
  preset?: PresetId
  /** Something to do once the cluster runs (a preset's script). */
  scenario?: ScenarioId
}

export const MIN_NODES = 1
export const MAX_NODES = 9
const MAX_QUERY = 2000
/** Speeds the driver accepts. */
const SPEED: [number, number] = [0.01, 100]

const SETUP_KEYS = ['v', 'n', 'nodes', 'seed', 'et', 'hb', 'pv', 'cq', 'tick', 'lat', 'jit', 'drop', 'dup', 'reo', 'store', 'snap', 'speed', 'load', 'part', 'cut', 'iso', 'link', 'preset', 'then', 'unsafe'] as const
/** Link parameters by their short names in the URL. */
const LINK_KEYS: Record<string, keyof LinkParams> = { lat: 'latency', jit: 'jitter', drop: 'drop', dup: 'duplicate', reo: 'reorder' }
const PRESETS: readonly PresetId[] = ['three', 'five', 'lossy', 'partitioned-leader']
const SCENARIOS: readonly ScenarioId[] = ['isolate-leader']

const NODE_RE = /^n[1-9][0-9]?$/
const NUM_RE = /^\d{1,10}(\.\d{1,6})?$/

export function defaultSetup(): Setup {
  return {
    nodes: ['n1', 'n2', 'n3'],
    seed: 1,
    params: { electionTick: 10, heartbeatTick: 2, preVote: true, checkQuorum: true },
    tickMs: 10,
    network: defaultNetworkConfig({ latency: 10, jitter: 4 }),
    storage: 'durable',
    snapshotEvery: 200,
    speed: 0.1,
    load: false,
  }
}

export function nodeIds(count: number): NodeId[] {
  return Array.from({ length: count }, (_, i) => `n${i + 1}`)
}

/** The cluster spec of a setup (the runtime's input). */
export function setupToSpec(s: Setup, name: string): ClusterSpec {
  return {
    name,
    seed: s.seed,
    nodes: s.nodes.slice(),
    params: { ...s.params },
    tickMs: s.tickMs,
    network: structuredClone(s.network),
    storage: s.storage,
    snapshotEvery: s.snapshotEvery,
    clientTimeoutMs: 3000,
  }
}

/** The setup of a running cluster (for the share link). */
export function specToSetup(spec: ClusterSpec, nodes: NodeId[], extra: { speed: number; load: boolean }): Setup {
  return {
    nodes: nodes.slice(),
    seed: spec.seed,
    params: {
      electionTick: spec.params.electionTick,
      heartbeatTick: spec.params.heartbeatTick,
      preVote: spec.params.preVote,
      checkQuorum: spec.params.checkQuorum,
      ...(unsafeOn(spec.params.unsafe).length > 0 ? { unsafe: unsafeOf(unsafeOn(spec.params.unsafe)) } : {}),
    },
    tickMs: spec.tickMs,
    network: structuredClone(spec.network),
    storage: spec.storage,
    snapshotEvery: spec.snapshotEvery,
    speed: extra.speed,
    load: extra.load,
  }
}

function num(v: number): string {
  return String(Math.round(v * 1e6) / 1e6)
}

function contiguous(nodes: NodeId[]): boolean {
  return nodes.every((id, i) => id === `n${i + 1}`)
}

/** The query parameters of a setup, in a stable order. */
export function encodeSetup(s: Setup): URLSearchParams {
  const q = new URLSearchParams()
  q.set('v', String(URL_FORMAT_VERSION))
  if (contiguous(s.nodes)) q.set('n', String(s.nodes.length))
  else q.set('nodes', s.nodes.join('.'))
  q.set('seed', String(s.seed))
  q.set('et', String(s.params.electionTick))
  q.set('hb', String(s.params.heartbeatTick))
  q.set('pv', s.params.preVote ? '1' : '0')
  q.set('cq', s.params.checkQuorum ? '1' : '0')
  q.set('tick', String(s.tickMs))
  const d = s.network.defaults
  q.set('lat', num(d.latency))
  q.set('jit', num(d.jitter))
  q.set('drop', num(d.drop))
  q.set('dup', num(d.duplicate))
  q.set('reo', num(d.reorder))
  q.set('store', s.storage)
  q.set('snap', String(s.snapshotEvery))
  q.set('speed', num(s.speed))
  q.set('load', s.load ? '1' : '0')
  if (s.network.partition.length > 0) q.set('part', s.network.partition.map((g) => g.join('.')).join('_'))
  if (s.network.cuts.length > 0) q.set('cut', s.network.cuts.map((k) => k.replace('->', '-')).join('.'))
  if (s.network.isolated.length > 0) q.set('iso', s.network.isolated.join('.'))
  for (const k of Object.keys(s.network.links).sort()) {
    const p = s.network.links[k]
    const parts = [k.replace('->', '-')]
    for (const [short, long] of Object.entries(LINK_KEYS)) if (p[long] !== undefined) parts.push(short, num(p[long]))
    if (parts.length > 1) q.append('link', parts.join('_'))
  }
  if (s.preset) q.set('preset', s.preset)
  if (s.scenario) q.set('then', s.scenario)
  const unsafe = unsafeOn(s.params.unsafe)
  if (unsafe.length > 0) q.set('unsafe', unsafe.join('.'))
  return q
}

/**
 * A link to `s` on the page at `href`: keeps the path and `?cluster=`, replaces every setup parameter, and carries
 * the page's language (`lang`, default: the one in use) so that the link opens in the same language.
 */
export function shareUrl(href: string, s: Setup, lang: Locale = currentLocale()): string {
  const u = new URL(href)
  const cluster = u.searchParams.get('cluster')
  const q = encodeSetup(s)
  const out = new URLSearchParams()
  if (cluster && NAME_RE.test(cluster)) out.set('cluster', cluster)
  out.set('lang', lang)
  for (const [k, v] of q) out.append(k, v)
  u.search = out.toString()
  u.hash = ''
  return u.toString()
}

/** The address without the setup parameters (so that a reload recovers the cluster instead of starting afresh). */
export function stripSetup(href: string): string {
  const u = new URL(href)
  for (const k of SETUP_KEYS) u.searchParams.delete(k)
  return u.toString()
}

export type ParseResult = { setup: Setup | null; error?: undefined } | { setup: null; error: string }

class UrlError extends Error {}

/**
 * The setup in `href`: null when it has none, or an error sentence (for the banner) when it is invalid or hostile.
 * A link without `v` is read as the current version (so that `?n=5` typed by hand works).
 */
export function parseSetup(href: string): ParseResult {
  const u = strings.url
  let url: URL
  try {
    url = new URL(href)
  } catch {
    return { setup: null, error: u.badValue('URL') }
  }
  if (!SETUP_KEYS.some((k) => url.searchParams.has(k))) return { setup: null }
  if (url.search.length > MAX_QUERY) return { setup: null, error: u.tooLong }
  try {
    return { setup: readSetup(url.searchParams) }
  } catch (e) {
    if (e instanceof UrlError) return { setup: null, error: e.message }
    throw e
  }
}

function readSetup(q: URLSearchParams): Setup {
  const u = strings.url
  for (const k of SETUP_KEYS) if (k !== 'link' && q.getAll(k).length > 1) throw new UrlError(u.repeated(k))
  const version = q.get('v')
  if (version !== null && version !== String(URL_FORMAT_VERSION)) {
    throw new UrlError(u.badVersion(/^[0-9a-z.]{1,8}$/i.test(version) ? version : '?'))
  }
  const s = defaultSetup()
  const number = (k: string, lo: number, hi: number, int: boolean): number | undefined => {
    const v = q.get(k)
    if (v === null) return undefined
    if (!NUM_RE.test(v) || (int && v.includes('.'))) throw new UrlError(u.badValue(k))
    const x = Number(v)
    if (!(x >= lo && x <= hi)) throw new UrlError(u.outOfRange(k, lo, hi))
    return x
  }
  const flag = (k: string): boolean | undefined => {
    const v = q.get(k)
    if (v === null) return undefined
    if (v !== '0' && v !== '1') throw new UrlError(u.badValue(k))
    return v === '1'
  }
  const oneOf = <T extends string>(k: string, allowed: readonly T[]): T | undefined => {
    const v = q.get(k)
    if (v === null) return undefined
    if (!(allowed as readonly string[]).includes(v)) throw new UrlError(u.badValue(k))
    return v as T
  }

  const count = number('n', MIN_NODES, MAX_NODES, true)
  const list = q.get('nodes')
  if (count !== undefined && list !== null) throw new UrlError(u.repeated('n'))
  if (count !== undefined) s.nodes = nodeIds(count)
  if (list !== null) {
    const ids = list.split('.')
    if (ids.length < MIN_NODES || ids.length > MAX_NODES || !ids.every((id) => NODE_RE.test(id)) || new Set(ids).size !== ids.length) {
      throw new UrlError(u.badValue('nodes'))
    }
    s.nodes = ids
  }
  const members = new Set(s.nodes)
  const node = (k: string, id: string): NodeId => {
    if (!NODE_RE.test(id)) throw new UrlError(u.badValue(k))
    if (!members.has(id)) throw new UrlError(u.badNode(k))
    return id
  }
  const link = (k: string, text: string): [NodeId, NodeId] => {
    const m = /^(n[1-9][0-9]?)-(n[1-9][0-9]?)$/.exec(text)
    if (!m || m[1] === m[2]) throw new UrlError(u.badValue(k))
    return [node(k, m[1]), node(k, m[2])]
  }

  s.seed = number('seed', 0, 4294967295, true) ?? s.seed
  s.params.electionTick = number('et', 2, 1000, true) ?? s.params.electionTick
  s.params.heartbeatTick = number('hb', 1, 999, true) ?? s.params.heartbeatTick
  if (s.params.heartbeatTick >= s.params.electionTick) throw new UrlError(u.heartbeat)
  s.params.preVote = flag('pv') ?? s.params.preVote
  s.params.checkQuorum = flag('cq') ?? s.params.checkQuorum
  s.tickMs = number('tick', 1, 1000, true) ?? s.tickMs
  const d: LinkParams = { ...defaultLinkParams(), ...s.network.defaults }
  d.latency = number('lat', 0, 10000, false) ?? d.latency
  d.jitter = number('jit', 0, 10000, false) ?? d.jitter
  d.drop = number('drop', 0, 1, false) ?? d.drop
  d.duplicate = number('dup', 0, 1, false) ?? d.duplicate
  d.reorder = number('reo', 0, 1, false) ?? d.reorder
  s.network = defaultNetworkConfig(d)
  s.storage = oneOf<StorageMode>('store', ['durable', 'volatile']) ?? s.storage
  s.snapshotEvery = number('snap', 0, 100000, true) ?? s.snapshotEvery
  s.speed = number('speed', SPEED[0], SPEED[1], false) ?? s.speed
  s.load = flag('load') ?? s.load
  const unsafe = q.get('unsafe')
  if (unsafe !== null) {
    const names = unsafe.split(/[.,]/)
    if (!names.every(isUnsafeName)) throw new UrlError(u.badValue('unsafe'))
    s.params.unsafe = unsafeOf(names)
  }
  s.preset = oneOf<PresetId>('preset', PRESETS)
  s.scenario = oneOf<ScenarioId>('then', SCENARIOS)
  if (s.preset === undefined) delete s.preset
  if (s.scenario === undefined) delete s.scenario

  const part = q.get('part')
  if (part !== null) {
    const seen = new Set<NodeId>()
    const groups = part.split('_').map((g) =>
      g.split('.').map((id) => {
        const n = node('part', id)
        if (seen.has(n)) throw new UrlError(u.badValue('part'))
        seen.add(n)
        return n
      }),
    )
    s.network.partition = groups
  }
  const cut = q.get('cut')
  if (cut !== null) {
    const keys = cut.split('.').map((c) => {
      const [a, b] = link('cut', c)
      return linkKey(a, b)
    })
    s.network.cuts = [...new Set(keys)]
  }
  const iso = q.get('iso')
  if (iso !== null) s.network.isolated = [...new Set(iso.split('.').map((id) => node('iso', id)))]
  const links = q.getAll('link')
  if (links.length > MAX_NODES * (MAX_NODES - 1)) throw new UrlError(u.badValue('link'))
  for (const l of links) {
    const parts = l.split('_')
    const [a, b] = link('link', parts[0])
    if (parts.length < 3 || parts.length % 2 === 0) throw new UrlError(u.badValue('link'))
    const p: Partial<LinkParams> = {}
    for (let i = 1; i < parts.length; i += 2) {
      const name = Object.hasOwn(LINK_KEYS, parts[i]) ? LINK_KEYS[parts[i]] : undefined
      const v = parts[i + 1]
      if (!name || !NUM_RE.test(v)) throw new UrlError(u.badValue('link'))
      const x = Number(v)
      const max = name === 'latency' || name === 'jitter' ? 10000 : 1
      if (!(x >= 0 && x <= max)) throw new UrlError(u.outOfRange('link', 0, max))
      p[name] = x
    }
    s.network.links[linkKey(a, b)] = p
  }
  return s
}

/** How the page was opened: with a setup from a shared link, with a broken link (error), or plainly. */
export interface Launch {
  setup: Setup | null
  error?: string
  /** A sentence for a banner about the page itself (e.g. its language could not be loaded). */
  notice?: string
  /**
   * The page's address when it names a narrated scenario (`?scenario=`): the scenarios' chunk reads the link
   * (src/ui/scenario/link.ts), and the user's cluster is opened only when the scenario ends or cannot play.
   */
  scenario?: string
}

function hasScenario(href: string): boolean {
  try {
    return new URL(href).searchParams.has('scenario')
  } catch {
    return false
  }
}

/** The setup parameters of a link (a scenario's link ignores them). */
export const SETUP_PARAMS: readonly string[] = SETUP_KEYS

export function readLaunch(href: string): Launch {
  if (hasScenario(href)) return { setup: null, scenario: href }
  const r = parseSetup(href)
  return r.error !== undefined ? { setup: null, error: r.error } : { setup: r.setup }
}
