/** The built-in presets: a few setups to start a lesson from. */
import { defaultNetworkConfig } from '../../world/network.ts'
import { strings } from '../strings.ts'
import { defaultSetup, nodeIds, type PresetId, type Setup } from '../url.ts'

export interface Preset {
  id: PresetId
  /** Read when shown (getters), so that a language switch reaches them. */
  readonly label: string
  readonly tip: string
  setup: () => Setup
}

export const PRESETS: readonly Preset[] = [
  { id: 'three', get label() { return strings.presets.three }, get tip() { return strings.presets.threeTip }, setup: () => ({ ...defaultSetup(), preset: 'three' }) },
  { id: 'five', get label() { return strings.presets.five }, get tip() { return strings.presets.fiveTip }, setup: () => ({ ...defaultSetup(), nodes: nodeIds(5), preset: 'five' }) },
  {
    id: 'lossy',
    get label() {
      return strings.presets.lossy
    },
    get tip() {
      return strings.presets.lossyTip
    },
    setup: () => ({
      ...defaultSetup(),
      nodes: nodeIds(5),
      network: defaultNetworkConfig({ latency: 10, jitter: 20, drop: 0.2, duplicate: 0.05, reorder: 0.1, reorderDelay: 20 }),
      preset: 'lossy',
    }),
  },
  {
    id: 'partitioned-leader',
    get label() {
      return strings.presets.partitionedLeader
    },
    get tip() {
      return strings.presets.partitionedLeaderTip
    },
    setup: () => ({ ...defaultSetup(), nodes: nodeIds(5), load: true, preset: 'partitioned-leader', scenario: 'isolate-leader' }),
  },
]

export function presetById(id: string | undefined): Preset | undefined {
  return PRESETS.find((p) => p.id === id)
}
