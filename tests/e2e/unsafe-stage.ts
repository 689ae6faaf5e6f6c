/** A schedule that breaks Leader Completeness when votes skip the log check (ui-unsafe and ui-invariants use it). */
import { expect, type Page } from '@playwright/test'
import { fastForward, js, waitLeader } from './ui-support.ts'

/**
 * The stale candidate: with one follower down, the leader commits x=1; then the leader and the other follower
 * crash, the messages in flight land, both followers restart, and the one that missed x=1 times out at once. Raft's voter refuses it (its log is
 * behind); with skipLogUpToDateCheck it wins, and Leader Completeness fails at the entry it lacks.
 * Returns the nodes and the virtual time the schedule was to run until.
 */
export async function staleCandidate(page: Page): Promise<{ leader: string; stale: string; other: string; until: number }> {
  const leader = await waitLeader(page)
  await fastForward(page, 200)
  const [other, stale] = (await js<string[]>(page, 'lab.nodeIds()')).filter((id) => id !== leader)
  await js(page, `lab.crash('${stale}')`)
  await js(page, `void lab.submit('set', 'x', '1')`)
  await expect
    .poll(async () => {
      await fastForward(page, 100)
      return js<string[]>(page, `runtime.sched.getHistory().map((h) => h.outcome)`)
    })
    .toEqual(['ok'])
  await js(page, `lab.crash('${leader}')`)
  await js(page, `lab.crash('${other}')`)
  // Let the messages still in flight arrive (at crashed nodes): a restarted node that hears the old leader's last
  // heartbeat would refuse any election for a while (it believes a leader is alive).
  await fastForward(page, 100)
  await js(page, `lab.restart('${stale}')`)
  await js(page, `lab.restart('${other}')`)
  await js(page, `lab.timeout('${stale}')`)
  const until = (await js<number>(page, 'runtime.sched.now')) + 3000
  await fastForward(page, 3000)
  return { leader, stale, other, until }
}

