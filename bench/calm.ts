/**
 * The simulator as the core benchmarks run it: a calm, fast network, no faults, no membership changes, clients
 * keeping the leader busy so that appends carry entries, checkers off. Each benchmark sets what it varies.
 */
import type { SimOptionsInput } from '../src/sim/options.ts'
import { defaultNetworkConfig } from '../src/world/network.ts'

export function calmOptions(seed: number, nodes: number, over: { drop?: number } & Partial<SimOptionsInput> = {}): SimOptionsInput {
  const { drop = 0, ...rest } = over
  return {
    seed,
    nodes,
    electionTick: 10,
    heartbeatTick: 1,
    tickMs: 10,
    network: defaultNetworkConfig({ latency: 1, jitter: 2, drop }),
    diskMinMs: 0,
    diskMaxMs: 1,
    crashRate: 0,
    restartRate: 0,
    partitionRate: 0,
    healRate: 0,
    preVote: true,
    checkQuorum: true,
    snapshotEvery: 1000,
    maxEntriesPerMsg: 64,
    maxInflightMsgs: 16,
    snapshotChunkSize: 16384,
    clients: 16,
    keys: 8,
    thinkMs: 2,
    readMode: 'log',
    membershipRate: 0,
    transferRate: 0,
    ...rest,
  }
}
