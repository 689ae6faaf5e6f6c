/**
 * What the page needs of a recorded run before the cluster's code has loaded: the moment link's parameter, and how
 * to tell a recording scheduler (record.ts) from another one without importing it.
 */
import type { RecordingScheduler } from './record.ts'
import type { Scheduler } from './scheduler.ts'

/** The URL parameter that carries a moment. */
export const MOMENT_PARAM = 'moment'

/** Whether `s` records its run (time travel works on it). */
export function isRecording(s: Scheduler | null | undefined): s is RecordingScheduler {
  return typeof (s as { record?: unknown } | null | undefined)?.record === 'function'
}
