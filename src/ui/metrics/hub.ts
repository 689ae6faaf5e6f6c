/**
 * The metrics and the client history of the running cluster. Loaded with the Metrics tab; from then on it listens
 * to the cluster's events for the life of the page (a closed tab keeps measuring, within its bounded windows), and
 * starts over when a new cluster is made.
 */
import type { ClusterEvent, Scheduler } from '../../browser/scheduler.ts'
import type { Lab } from '../state/lab.svelte.ts'
import { ClientHistory } from '../history/history.ts'
import { Metrics } from './collector.ts'

export class MetricsHub {
  metrics: Metrics
  history: ClientHistory
  private sched: Scheduler | null
  private readonly lab: Lab

  constructor(lab: Lab) {
    this.lab = lab
    this.sched = lab.sched
    this.metrics = this.newMetrics()
    this.history = new ClientHistory()
    this.seedHistory()
    lab.runtime.onEvent((e) => this.handle(e))
  }

  private newMetrics(): Metrics {
    const sched = this.lab.sched
    const m = new Metrics(sched?.now ?? 0)
    if (sched) {
      m.setElectionTimeout(sched.spec.params.electionTick * sched.spec.tickMs)
      m.seed(sched.nodeIds().map((id) => ({ id, state: sched.nodeState(id), summary: sched.summary(id) })))
    }
    return m
  }

  /** The operations the scheduler completed before the tab opened (the newest of the window its history keeps). */
  private seedHistory(): void {
    const sched = this.lab.sched
    if (!sched) return
    const done = sched.getHistory().slice(-this.history.opts.laneOps)
    done.sort((a, b) => (a.complete ?? a.invoke) - (b.complete ?? b.invoke))
    for (const h of done) {
      const base = { id: h.id, client: h.client, seq: 0, op: h.op, key: h.key, value: h.value, expected: h.expected, read: 'log' as const, invoke: h.invoke, attempts: 1 }
      this.history.handle({ type: 'client', at: h.invoke, op: { ...base, complete: null, status: 'pending' } })
      this.history.handle({ type: 'client', at: h.complete ?? h.invoke, op: { ...base, complete: h.complete, status: h.outcome, result: h.result } })
    }
  }

  private handle(e: ClusterEvent): void {
    const sched = this.lab.sched
    if (sched !== this.sched) {
      this.sched = sched
      this.metrics = this.newMetrics()
      this.history = new ClientHistory()
    }
    this.metrics.handle(e)
    if (e.type === 'client') this.history.handle(e)
  }

  /** Bring the settings that may change while running up to date, and time to the scheduler's clock. */
  sync(): void {
    const sched = this.lab.sched
    if (!sched) return
    this.metrics.setElectionTimeout(sched.spec.params.electionTick * sched.spec.tickMs)
    this.metrics.advance(sched.now)
  }
}

const hubs = new WeakMap<Lab, MetricsHub>()

export function hubFor(lab: Lab): MetricsHub {
  let h = hubs.get(lab)
  if (!h) hubs.set(lab, (h = new MetricsHub(lab)))
  return h
}
