/** The unsafe switches (deliberate bugs of the Raft core, `UnsafeSwitches`) by name, as the URL and the panel use them. */
import type { UnsafeSwitches } from '../../raft/types.ts'

export type UnsafeName = keyof UnsafeSwitches

const ALL: Record<UnsafeName, true> = {
  skipLogUpToDateCheck: true,
  commitOldTermEntries: true,
  forgetVoteOnRestart: true,
  noTruncateOnConflict: true,
  leaseReadsWithoutCheck: true,
}

/** Every switch, in the order the panel lists them. */
export const UNSAFE_NAMES = Object.keys(ALL) as UnsafeName[]

export function isUnsafeName(s: string): s is UnsafeName {
  return Object.hasOwn(ALL, s)
}

/** The switches that are on, in panel order. */
export function unsafeOn(u: UnsafeSwitches | undefined): UnsafeName[] {
  return u ? UNSAFE_NAMES.filter((k) => u[k] === true) : []
}

/** The switches object with exactly `names` on. */
export function unsafeOf(names: readonly UnsafeName[]): UnsafeSwitches {
  const u: UnsafeSwitches = {}
  for (const n of names) u[n] = true
  return u
}
