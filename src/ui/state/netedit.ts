/**
 * Edits of a network configuration, as pure functions: each returns a new NetworkConfig (the runtime then applies
 * and saves it). Partitions, cuts and isolation follow src/world/network.ts.
 */
import type { NodeId } from '../../raft/types.ts'
import { Network, cloneNetworkConfig, linkKey, type LinkParams, type NetworkConfig } from '../../world/network.ts'

/** `selected` on one side, everyone else on the other. */
export function partitionSelected(c: NetworkConfig, selected: NodeId[]): NetworkConfig {
  const n = cloneNetworkConfig(c)
  n.partition = selected.length > 0 ? [selected.slice()] : []
  return n
}

/** `selected` become one more group (taken out of the groups they were in). */
export function addGroup(c: NetworkConfig, selected: NodeId[]): NetworkConfig {
  const n = cloneNetworkConfig(c)
  const sel = new Set(selected)
  n.partition = n.partition.map((g) => g.filter((x) => !sel.has(x))).filter((g) => g.length > 0)
  if (selected.length > 0) n.partition.push(selected.slice())
  return n
}

export function cut(c: NetworkConfig, from: NodeId, to: NodeId): NetworkConfig {
  const n = cloneNetworkConfig(c)
  const k = linkKey(from, to)
  if (!n.cuts.includes(k)) n.cuts.push(k)
  return n
}

/** Restore both directions between a and b (cuts only; a partition or isolation still applies). */
export function uncutPair(c: NetworkConfig, a: NodeId, b: NodeId): NetworkConfig {
  const n = cloneNetworkConfig(c)
  n.cuts = n.cuts.filter((k) => k !== linkKey(a, b) && k !== linkKey(b, a))
  return n
}

export function isolate(c: NetworkConfig, id: NodeId): NetworkConfig {
  const n = cloneNetworkConfig(c)
  if (!n.isolated.includes(id)) n.isolated.push(id)
  return n
}

export function reconnect(c: NetworkConfig, id: NodeId): NetworkConfig {
  const n = cloneNetworkConfig(c)
  n.isolated = n.isolated.filter((x) => x !== id)
  return n
}

export function heal(c: NetworkConfig): NetworkConfig {
  const n = cloneNetworkConfig(c)
  n.partition = []
  n.cuts = []
  n.isolated = []
  return n
}

export function setDefaults(c: NetworkConfig, p: Partial<LinkParams>): NetworkConfig {
  const n = cloneNetworkConfig(c)
  n.defaults = { ...n.defaults, ...p }
  return n
}

/** Override one directed link; `null` returns it to the defaults. */
export function setLink(c: NetworkConfig, from: NodeId, to: NodeId, p: Partial<LinkParams> | null): NetworkConfig {
  const n = cloneNetworkConfig(c)
  const k = linkKey(from, to)
  if (p === null) delete n.links[k]
  else n.links[k] = { ...n.links[k], ...p }
  return n
}

/** Forget everything about nodes that left (a removed node cannot stay in a partition group). */
export function forgetNode(c: NetworkConfig, id: NodeId): NetworkConfig {
  const n = cloneNetworkConfig(c)
  n.partition = n.partition.map((g) => g.filter((x) => x !== id)).filter((g) => g.length > 0)
  n.cuts = n.cuts.filter((k) => !k.startsWith(`${id}->`) && !k.endsWith(`->${id}`))
  n.isolated = n.isolated.filter((x) => x !== id)
  for (const k of Object.keys(n.links)) if (k.startsWith(`${id}->`) || k.endsWith(`->${id}`)) delete n.links[k]
  return n
}

/** Which directions between a and b are blocked now. */
export function linkState(net: Network, a: NodeId, b: NodeId): { ab: boolean; ba: boolean } {
  return { ab: net.blocked(a, b) !== null, ba: net.blocked(b, a) !== null }
}
