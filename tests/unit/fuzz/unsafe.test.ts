import { describe, expect, it } from 'vitest'
import { runFuzzSeed } from '../../../src/sim/fuzz.ts'
import { formatViolation, type Property } from '../../../src/check/safety.ts'
import type { UnsafeSwitches } from '../../../src/raft/types.ts'
import { SEEDS_PER_FILE } from './clean.ts'

/**
 * Every unsafe switch is caught by the fuzzer with its default options (what `npm run fuzz -- --seeds 500
 * --unsafe X` runs), not only by a hand-built scenario. The seeds below are ones that caught each switch in a
 * run of seeds 1..300 on the shared cluster loop (seeds caught of 300: commitOldTermEntries 62, skipLogUpToDateCheck 175,
 * noTruncateOnConflict 197, forgetVoteOnRestart 282, leaseReadsWithoutCheck 42; the same 300 seeds are clean
 * with no switch); all lie within the seeds fuzz-1..4.test.ts run clean with the switch off. Since clients' requests
 * take the network's least delay (scheduling windows), commitOldTermEntries is caught by 28 and
 * leaseReadsWithoutCheck by 14 of seeds 1..100.
 */
const CAUGHT: Record<keyof UnsafeSwitches, { seeds: number[]; property: Property }> = {
  commitOldTermEntries: { seeds: [2, 7], property: 'LeaderCompleteness' },
  skipLogUpToDateCheck: { seeds: [1, 5], property: 'LeaderCompleteness' },
  noTruncateOnConflict: { seeds: [1, 2], property: 'StateMachineSafety' },
  forgetVoteOnRestart: { seeds: [1, 2], property: 'Durability' },
  leaseReadsWithoutCheck: { seeds: [2, 24], property: 'Linearizability' },
}

describe('the default fuzzer catches every unsafe switch', () => {
  for (const [name, { seeds, property }] of Object.entries(CAUGHT) as [keyof UnsafeSwitches, (typeof CAUGHT)[keyof UnsafeSwitches]][]) {
    it(`${name}: seeds ${seeds.join(', ')} report ${property}`, () => {
      for (const seed of seeds) {
        expect(seed).toBeLessThanOrEqual(4 * SEEDS_PER_FILE) // clean without the switch: see fuzz-1..4
        const r = runFuzzSeed({ seed, unsafe: name, linearizability: property === 'Linearizability' })
        expect(r.violations.map(formatViolation).join('\n'), r.command).toContain(`] ${property}`)
        expect(r.command).toBe(`npm run fuzz -- --seed ${seed} --unsafe ${name}`)
      }
    }, 120_000)
  }
})
