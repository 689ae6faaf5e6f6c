import type { NodeId } from '../raft/types.ts'
import type { KvCommand } from '../kv/command.ts'
import type { History, HistoryOp } from '../kv/history.ts'
import type { ClientProtocol } from '../cluster/clients.ts'
import { LoadGenerator } from '../cluster/workload.ts'
import type { ClusterLoop } from '../cluster/loop.ts'
import type { ReadMode } from './types.ts'

/**
 * The simulator's clients: the cluster loop's client protocol (the one the browser uses), with the load generator's
 * random clients and the scenarios' own named clients. Every request is in `history`, updated in place.
 */
export interface WorkloadOptions {
  /** Random clients (c1..cN); scenario requests use their own clients. */
  clients: number
  keys: number
  thinkMs: number
  readMode: ReadMode
}

/** A request the caller spells out (scenarios); the protocol adds client, seq and the timing. */
export type RequestSpec = Pick<KvCommand, 'op' | 'key' | 'value' | 'expected'>

export class Workload {
  readonly #clients: ClientProtocol
  readonly #load: LoadGenerator | null
  readonly #readMode: ReadMode
  #scenarioReads = 0

  constructor(loop: ClusterLoop, options: WorkloadOptions) {
    this.#clients = loop.clients
    this.#readMode = options.readMode
    this.#load =
      options.clients > 0
        ? new LoadGenerator(loop, {
            clients: options.clients,
            keys: options.keys,
            thinkMs: options.thinkMs,
            read: options.readMode,
            prefix: 'c',
            // The mix of the first simulator: a third writes, a third reads, a quarter cas, a few deletes.
            mix: { set: 35, get: 30, cas: 25, delete: 10 },
          })
        : null
  }

  /** Every request so far; ops are updated in place when they complete. */
  get history(): History {
    return this.#clients.ops
  }

  get completed(): number {
    return this.#clients.completed
  }

  get timedOut(): number {
    return this.#clients.timedOut
  }

  get readIndexReads(): number {
    return this.#clients.readIndexReads
  }

  get logReads(): number {
    return this.#clients.logReads
  }

  get inProgress(): number {
    return this.#clients.inProgress
  }

  /** Starts the random clients: each begins after a random pause. */
  start(): void {
    this.#load?.start()
  }

  /** No new random requests from now on; those in progress run to their end. */
  stop(): void {
    this.#load?.stop()
  }

  /**
   * Issues one request from the scenario client `client` and returns its history op, updated in place when it
   * completes or times out. A get goes through ReadIndex or the log as the read mode says (mixed: alternately).
   * @throws Error when that client still has a request in progress.
   */
  request(spec: RequestSpec, client = 's1', target?: NodeId): HistoryOp {
    if (!this.#clients.idle(client)) throw new Error(`workload: ${client} already has a request in progress`)
    const mode = this.#readMode
    const read = mode === 'mixed' ? (this.#scenarioReads++ % 2 === 0 ? 'readIndex' : 'log') : mode
    const op = this.#clients.submit(client, spec, read, target)
    return this.#clients.historyOp(op.id)!
  }
}
