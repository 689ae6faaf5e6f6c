/** The event log panel's filters and the filtered list (recomputed when new records are published). */
import type { Feed } from './feed.ts'
import { describe } from './narrate.ts'
import { CATEGORIES, type Category, type EventRecord } from './records.ts'

/** Heartbeats and disk writes are many and dull: off until asked for. */
const DEFAULT_OFF: Category[] = ['heartbeat', 'storage']

export class EventLogState {
  enabled = $state<Record<Category, boolean>>(Object.fromEntries(CATEGORIES.map((c) => [c, !DEFAULT_OFF.includes(c)])) as Record<Category, boolean>)
  query = $state('')
  following = $state(true)

  toggle(c: Category): void {
    this.enabled[c] = !this.enabled[c]
  }

  /** The records that pass the filters, oldest first. */
  filter(feed: Feed): EventRecord[] {
    const on = this.enabled
    const q = this.query.trim().toLowerCase()
    const out: EventRecord[] = []
    feed.forEachRecord((r) => {
      if (!on[r.cat]) return
      if (q && !describe(r).toLowerCase().includes(q)) return
      out.push(r)
    })
    return out
  }
}
