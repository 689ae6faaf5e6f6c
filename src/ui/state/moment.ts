/**
 * "Share this moment": a link that replays the running cluster up to a virtual time (the moment a property broke),
 * built by time travel's encoder (src/browser/runfile.ts `shareMomentLink`). The panel copies the link like the
 * share link (clipboard, else a field to copy from).
 */
import type { ClusterRuntime } from '../../browser/runtime.ts'
import { isRecording } from '../../browser/recorded.ts'

export type ShareMoment = (at: number) => Promise<string | null>

/**
 * The link maker for `runtime`'s run, or null when its run cannot be replayed from the start (no recording
 * cluster, or one recovered from its disks after a reload: its past before the reload is not recorded); the
 * button is then hidden.
 */
export function momentSharer(runtime: ClusterRuntime): ShareMoment | null {
  const s = runtime.sched
  if (!isRecording(s) || runtime.recovered) return null
  return async (at) => {
    const { shareMomentLink } = await import('../../browser/runfile.ts')
    return shareMomentLink(s.record(), Math.min(at, s.now))
  }
}
