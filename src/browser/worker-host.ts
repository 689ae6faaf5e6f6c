import * as Comlink from 'comlink'
import type { NodeWorkerApi } from './node.worker.ts'
import type { PortFactory, Started } from '../cluster/loop.ts'
import { unpackOutput } from './start-pack.ts'

/**
 * The calls to one worker that have not settled yet, so that the worker's failure rejects them. Each call is
 * tracked only until it settles: nothing is attached to a promise that lives as long as the worker (a race of
 * every call against a never-settling "failed" promise kept every call's reaction alive).
 */
export class CallGuard {
  readonly #inFlight = new Set<(e: Error) => void>()
  #failure: Error | null = null

  /** The error the worker failed with, or null. */
  get failure(): Error | null {
    return this.#failure
  }

  /** Calls not settled yet (for tests: settled calls are forgotten). */
  get inFlight(): number {
    return this.#inFlight.size
  }

  /** `call`'s result, or its rejection with the worker's error if the worker fails first. */
  run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure)
    return new Promise<T>((resolve, reject) => {
      const fail = (e: Error) => reject(e)
      this.#inFlight.add(fail)
      call().then(
        (v) => {
          this.#inFlight.delete(fail)
          resolve(v)
        },
        (e: unknown) => {
          this.#inFlight.delete(fail)
          reject(e instanceof Error ? e : new Error(String(e)))
        },
      )
    })
  }

  /** The worker failed: every call in flight and every later call rejects with `e`. */
  fail(e: Error): void {
    if (!this.#failure) this.#failure = e
    const calls = [...this.#inFlight]
    this.#inFlight.clear()
    for (const f of calls) f(this.#failure)
  }
}

/**
 * Ports in Web Workers, one per node. `close` terminates the worker at once: a crash. An error thrown inside the
 * worker rejects the call, and the loop marks that node crashed with the error's code; the page goes on.
 */
export function workerFactory(spawn?: (id: string) => Worker): PortFactory {
  return async (init): Promise<Started> => {
    // `spawn`: a worker started ahead (src/browser/prewarm.ts), or a new one.
    const worker = spawn?.(init.id) ?? new Worker(new URL('./node.worker.ts', import.meta.url), { type: 'module', name: `raft-${init.id}` })
    const api = Comlink.wrap<NodeWorkerApi>(worker)
    let closed = false
    const guard = new CallGuard()
    worker.addEventListener('error', (ev) => guard.fail(new Error(`worker of ${init.id} failed: ${ev.message || 'script error'}`)))
    try {
      const r = await guard.run(async () => api.start(init))
      if (!r.ok) {
        worker.terminate()
        return r
      }
      return {
        ok: true,
        recovery: r.recovery,
        output: unpackOutput(r.output, r.bulk),
        port: {
          handle: (inputs) => {
            if (closed) return Promise.reject(new Error(`${init.id} is down`))
            return guard.run(() => api.handle(inputs))
          },
          handleWindow: (batches) => {
            if (closed) return Promise.reject(new Error(`${init.id} is down`))
            return guard.run(() => api.handleWindow(batches))
          },
          close: () => {
            closed = true
            guard.fail(new Error(`${init.id} is down`))
            api[Comlink.releaseProxy]()
            worker.terminate()
          },
          kv: () => (closed ? Promise.resolve([]) : guard.run(() => api.kv())),
        },
      }
    } catch (e) {
      worker.terminate()
      return { ok: false, failure: { code: 'failed', message: e instanceof Error ? e.message : String(e) } }
    }
  }
}
