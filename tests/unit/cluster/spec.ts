import type { ClusterSpec } from '../../../src/browser/scheduler.ts'
import { defaultNetworkConfig } from '../../../src/world/network.ts'

/** A three-node cluster spec for scheduler and runtime tests; each test overrides what it is about. */
export function testSpec(over: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    name: 'test',
    seed: 42,
    nodes: ['n1', 'n2', 'n3'],
    params: { electionTick: 10, heartbeatTick: 2, preVote: true, checkQuorum: true },
    tickMs: 10,
    network: defaultNetworkConfig(),
    storage: 'durable',
    snapshotEvery: 0,
    clientTimeoutMs: 2000,
    ...over,
  }
}
