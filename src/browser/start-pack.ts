/**
 * A node's first output, across the worker boundary. After a recovery it carries the whole recovered log (one view
 * per entry) and, when the page checks the run, the replay of every committed entry (one observation per entry):
 * for 10,000 entries some 20,000 small objects, which the structured clone behind postMessage writes and reads one
 * field at a time, the reading on the page's main thread. Sent as one JSON string instead, the same data costs the
 * page a JSON.parse, about a third of the clone (measured in Chromium on a 10,000-entry recovery). Both parts are
 * plain data (numbers, strings, null, arrays and objects; an optional field that is undefined arrives absent, which
 * reads the same). Small outputs go as they are.
 */
import type { HostOutput } from '../node/protocol.ts'

/** Below this many log views and observations together, the output is posted as it is. */
export const PACK_ABOVE = 256

/** `o` without its bulky parts, and those parts as JSON (undefined when `o` is small). Does not change `o`. */
export function packOutput(o: HostOutput): { output: HostOutput; bulk?: string } {
  const n = (o.log?.entries.length ?? 0) + (o.observations?.length ?? 0)
  if (n <= PACK_ABOVE) return { output: o }
  const output: HostOutput = { ...o }
  delete output.log
  delete output.observations
  return { output, bulk: JSON.stringify({ log: o.log, observations: o.observations }) }
}

/** The output `packOutput` took apart, whole again. */
export function unpackOutput(output: HostOutput, bulk: string | undefined): HostOutput {
  if (bulk === undefined) return output
  const parts = JSON.parse(bulk) as Pick<HostOutput, 'log' | 'observations'>
  if (parts.log !== undefined) output.log = parts.log
  if (parts.observations !== undefined) output.observations = parts.observations
  return output
}
