import type { NodeId } from '../raft/types.ts'
import type { Random } from './prng.ts'

/**
 * The network model: how long a message takes on a directed link, and whether it is lost, duplicated or
 * delayed out of order. The same model serves the deterministic simulator and the browser's worker router,
 * so it knows nothing about either: it maps (from, to, now, random numbers) to delivery times.
 *
 * Decisions are made once, when a message is sent. A message already in flight when a partition starts is
 * still delivered, as a packet already on the wire would be; a partition only stops messages sent after it.
 * This keeps the model stateless per message (no list of in-flight messages to revisit) and is the weaker,
 * more adversarial choice for the protocol: late messages from the other side of a partition still arrive.
 */

/** The behaviour of one directed link. Probabilities are in [0, 1]; times are milliseconds. */
export interface LinkParams {
  /** Fixed one-way delay. */
  latency: number
  /** Extra delay drawn uniformly from [0, jitter). Jitter wider than the gap between two sends reorders them. */
  jitter: number
  /** Probability that a message is lost. */
  drop: number
  /** Probability that a delivered message arrives twice (the copy draws its own delay). */
  duplicate: number
  /** Probability of an extra delay drawn from [0, reorderDelay): reorders even with no jitter. */
  reorder: number
  /** Upper bound of the extra delay of a reordered message. */
  reorderDelay: number
}

/** Everything about the network, as plain data: fits in a URL or a postMessage. */
export interface NetworkConfig {
  /** Parameters of every link without an override. */
  defaults: LinkParams
  /** Overrides per directed link, keyed by `linkKey(from, to)`. */
  links: Record<string, Partial<LinkParams>>
  /**
   * Groups of nodes that can only talk within their group. Nodes named in no group form one more group
   * together. Empty: no partition.
   */
  partition: NodeId[][]
  /** Directed links that lose everything, as `linkKey(from, to)` (a one-way cut). */
  cuts: string[]
  /** Nodes that can neither send nor receive. */
  isolated: NodeId[]
}

/** Why a message was not delivered, most specific cause first: isolated, partition, cut, loss. */
export type DropReason = 'isolated' | 'partition' | 'cut' | 'loss'

/** The fate of one message: no times = dropped (with the reason), two times = duplicated. */
export interface Decision {
  deliverAt: number[]
  dropped?: DropReason
}

/** The key of the directed link from `from` to `to` in `NetworkConfig.links` and `cuts`. */
export function linkKey(from: NodeId, to: NodeId): string {
  return `${from}->${to}`
}

/** A LAN-like default: 1-5 ms, nothing lost. */
export function defaultLinkParams(): LinkParams {
  return { latency: 1, jitter: 4, drop: 0, duplicate: 0, reorder: 0, reorderDelay: 20 }
}

/** A network with `defaultLinkParams()` (or `defaults` over them) and no faults. */
export function defaultNetworkConfig(defaults: Partial<LinkParams> = {}): NetworkConfig {
  return { defaults: { ...defaultLinkParams(), ...defaults }, links: {}, partition: [], cuts: [], isolated: [] }
}

/** A deep copy of `c`, sharing nothing with it. */
export function cloneNetworkConfig(c: NetworkConfig): NetworkConfig {
  const links: Record<string, Partial<LinkParams>> = {}
  for (const k of Object.keys(c.links)) links[k] = { ...c.links[k] }
  return {
    defaults: { ...c.defaults },
    links,
    partition: c.partition.map((g) => g.slice()),
    cuts: c.cuts.slice(),
    isolated: c.isolated.slice(),
  }
}

/** Throws when a parameter is out of range, naming it. */
export function validateLinkParams(p: Partial<LinkParams>, where = 'link'): void {
  for (const k of ['drop', 'duplicate', 'reorder'] as const) {
    const v = p[k]
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new Error(`network: ${where}.${k} must be in [0, 1], got ${v}`)
  }
  for (const k of ['latency', 'jitter', 'reorderDelay'] as const) {
    const v = p[k]
    if (v !== undefined && !(v >= 0 && Number.isFinite(v))) throw new Error(`network: ${where}.${k} must be >= 0, got ${v}`)
  }
}

/**
 * The network model over a `NetworkConfig`, with lookups precomputed for the per-message hot path.
 * Every mutator keeps `config` as the single source of truth, so `config` can be shipped anywhere and
 * `new Network(config)` there behaves identically.
 */
export class Network {
  #config: NetworkConfig
  /** Group number per node named in a partition; unnamed nodes are group -1. Empty when not partitioned. */
  #group = new Map<NodeId, number>()
  #cuts = new Set<string>()
  #isolated = new Set<NodeId>()
  /** Merged parameters per directed link with an override, as from -> to -> params. */
  #links = new Map<NodeId, Map<NodeId, LinkParams>>()
  #minDelay = 1

  constructor(config: NetworkConfig = defaultNetworkConfig()) {
    this.#config = config
    this.#install(cloneNetworkConfig(config))
  }

  /** A copy of the current configuration. */
  get config(): NetworkConfig {
    return cloneNetworkConfig(this.#config)
  }

  /** Replaces the whole configuration. */
  setConfig(config: NetworkConfig): void {
    this.#install(cloneNetworkConfig(config))
  }

  /**
   * The least delay of any delivery from now on: the shortest latency of any link (whole milliseconds, at least 1).
   * Nothing sent at time t arrives before t + minDelay(): the cluster loop's lookahead.
   */
  minDelay(): number {
    return this.#minDelay
  }

  /** Changes the parameters of every link without an override. */
  setDefaults(p: Partial<LinkParams>): void {
    this.#change((c) => {
      c.defaults = { ...c.defaults, ...p }
    })
  }

  /** Overrides some parameters of the directed link from -> to; `null` removes the override. */
  setLink(from: NodeId, to: NodeId, p: Partial<LinkParams> | null): void {
    const k = linkKey(from, to)
    this.#change((c) => {
      if (p === null) delete c.links[k]
      else c.links[k] = { ...c.links[k], ...p }
    })
  }

  /**
   * Splits the nodes into `groups` that cannot reach each other (both directions). Nodes in no group form one
   * more group. Replaces any earlier partition; cuts and isolation stay.
   */
  partition(groups: NodeId[][]): void {
    const seen = new Set<NodeId>()
    for (const g of groups) {
      for (const n of g) {
        if (seen.has(n)) throw new Error(`network: node ${n} is in two partition groups`)
        seen.add(n)
      }
    }
    this.#change((c) => {
      c.partition = groups.filter((g) => g.length > 0).map((g) => g.slice())
    })
  }

  /** Cuts the directed link from -> to (to -> from still works). */
  cut(from: NodeId, to: NodeId): void {
    const k = linkKey(from, to)
    this.#change((c) => {
      if (!c.cuts.includes(k)) c.cuts.push(k)
    })
  }

  /** Restores the directed link from -> to after `cut`. */
  uncut(from: NodeId, to: NodeId): void {
    const k = linkKey(from, to)
    this.#change((c) => {
      c.cuts = c.cuts.filter((x) => x !== k)
    })
  }

  /** Cuts `node` off from everyone, both directions. */
  isolate(node: NodeId): void {
    this.#change((c) => {
      if (!c.isolated.includes(node)) c.isolated.push(node)
    })
  }

  /** Reconnects a node cut off by `isolate`. */
  unisolate(node: NodeId): void {
    this.#change((c) => {
      c.isolated = c.isolated.filter((n) => n !== node)
    })
  }

  /** Removes every partition, cut and isolation. Link parameters (loss, delay) stay as they are. */
  heal(): void {
    this.#change((c) => {
      c.partition = []
      c.cuts = []
      c.isolated = []
    })
  }

  /** True when some partition, cut or isolation is in force. */
  get faulted(): boolean {
    return this.#group.size > 0 || this.#cuts.size > 0 || this.#isolated.size > 0
  }

  /** Why from -> to cannot carry messages now, or null when it can (random loss aside). */
  blocked(from: NodeId, to: NodeId): Exclude<DropReason, 'loss'> | null {
    if (this.#isolated.size > 0 && (this.#isolated.has(from) || this.#isolated.has(to))) return 'isolated'
    if (this.#group.size > 0 && (this.#group.get(from) ?? -1) !== (this.#group.get(to) ?? -1)) return 'partition'
    if (this.#cuts.size > 0 && this.#cuts.has(linkKey(from, to))) return 'cut'
    return null
  }

  /** The effective parameters of the directed link from -> to. */
  params(from: NodeId, to: NodeId): LinkParams {
    return this.#links.get(from)?.get(to) ?? this.#config.defaults
  }

  /** The fate of one message sent now from -> to. See `decideInto` for the draws it makes. */
  decide(from: NodeId, to: NodeId, now: number, rng: Random): Decision {
    const deliverAt: number[] = []
    const dropped = this.decideInto(deliverAt, from, to, now, rng)
    return dropped === null ? { deliverAt } : { deliverAt, dropped }
  }

  /**
   * Like `decide`, without allocating: clears `out`, fills it with zero, one or two delivery times (whole
   * milliseconds, each > now) and returns the drop reason or null.
   *
   * A blocked link draws no numbers. Otherwise it draws one number for loss (when drop > 0), then per copy
   * one for jitter (when jitter > 0) and one or two for reordering (when reorder > 0), and one for duplication
   * (when duplicate > 0).
   */
  decideInto(out: number[], from: NodeId, to: NodeId, now: number, rng: Random): DropReason | null {
    // pop() rather than `length = 0`: V8 makes a length store a slow generic operation.
    while (out.length > 0) out.pop()
    const blocked = this.blocked(from, to)
    if (blocked !== null) return blocked
    const p = this.#links.size > 0 ? this.params(from, to) : this.#config.defaults
    if (p.drop > 0 && rng.next() < p.drop) return 'loss'
    out.push(arrival(p, now, rng))
    if (p.duplicate > 0 && rng.next() < p.duplicate) out.push(arrival(p, now, rng))
    return null
  }

  #change(edit: (c: NetworkConfig) => void): void {
    const next = cloneNetworkConfig(this.#config)
    edit(next)
    this.#install(next)
  }

  /** Validates and indexes `c` first, so a rejected change leaves the model as it was. */
  #install(c: NetworkConfig): void {
    validateLinkParams(c.defaults, 'defaults')
    const group = new Map<NodeId, number>()
    c.partition.forEach((g, i) => {
      for (const n of g) group.set(n, i)
    })
    const links = new Map<NodeId, Map<NodeId, LinkParams>>()
    for (const k of Object.keys(c.links)) {
      const sep = k.indexOf('->')
      if (sep < 0) throw new Error(`network: bad link key ${JSON.stringify(k)} (expected "from->to")`)
      validateLinkParams(c.links[k], k)
      const from = k.slice(0, sep)
      const to = k.slice(sep + 2)
      let m = links.get(from)
      if (m === undefined) links.set(from, (m = new Map()))
      m.set(to, { ...c.defaults, ...c.links[k] })
    }
    this.#config = c
    this.#group = group
    this.#cuts = new Set(c.cuts)
    this.#isolated = new Set(c.isolated)
    this.#links = links
    let min = c.defaults.latency
    for (const to of links.values()) for (const p of to.values()) if (p.latency < min) min = p.latency
    this.#minDelay = Math.max(1, Math.floor(min))
  }

}

/** One delivery time: at least 1 ms in the future, so a reply never arrives in the instant it was caused. */
function arrival(p: LinkParams, now: number, rng: Random): number {
  let d = p.latency
  if (p.jitter > 0) d += rng.next() * p.jitter
  if (p.reorder > 0 && rng.next() < p.reorder) d += rng.next() * p.reorderDelay
  return now + Math.max(1, Math.floor(d))
}
