/**
 * "Share this moment": a link that replays the running cluster up to a virtual time (the moment a property broke),
 * built by time travel's encoder. Until that encoder is connected, `momentSharer` returns null and the invariants
 * panel shows no button: nothing pretends to share.
 *
 * To connect it, make `momentSharer` return a function that encodes the run of `runtime` up to `at` (virtual ms)
 * into a link (absolute URL), or resolves to null when the run cannot be encoded; the panel copies the link like the
 * share link (clipboard, else a field to copy from).
 */
import type { ClusterRuntime } from '../../browser/runtime.ts'

export type ShareMoment = (at: number) => Promise<string | null>

/** The link maker for `runtime`'s run, or null while time travel is not connected (the button is then hidden). */
export function momentSharer(runtime: ClusterRuntime): ShareMoment | null {
  void runtime
  return null
}
