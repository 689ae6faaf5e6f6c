import type { Scheduler } from '../../../src/browser/scheduler.ts'

/** Drive the virtual clock until `p` settles (the runtime's waits progress only while the cluster runs). */
export async function drive<T>(s: Scheduler, p: Promise<T>, limitMs = 120_000): Promise<T> {
  let done = false
  let err: unknown
  let val: T | undefined
  p.then((v) => { done = true; val = v }, (e) => { done = true; err = e })
  const end = s.now + limitMs
  while (!done && s.now < end) {
    await s.runUntil(s.now + 20)
    // Let IndexedDB (a macrotask queue, even when faked) make progress too.
    await new Promise((r) => setTimeout(r, 0))
  }
  if (!done) throw new Error('did not finish in time')
  if (err) throw err
  return val as T
}

/** Waits for a leader and names it. */
export async function leader(s: Scheduler): Promise<string> {
  // A node that is down keeps the last summary it sent: only a running node leads.
  const lead = () => s.nodeIds().find((id) => s.nodeState(id) === 'up' && s.summary(id)?.role === 'leader')
  await drive(s, s.waitFor(() => !!lead(), 10_000))
  return lead()!
}
