import * as Comlink from 'comlink'
import type { NodeWorkerApi } from './node.worker.ts'
import type { PortFactory, Started } from '../cluster/loop.ts'

/**
 * Ports in Web Workers, one per node. `close` terminates the worker at once: a crash. An error thrown inside the
 * worker rejects the call, and the loop marks that node crashed with the error's code; the page goes on.
 */
export function workerFactory(): PortFactory {
  return async (init): Promise<Started> => {
    const worker = new Worker(new URL('./node.worker.ts', import.meta.url), { type: 'module', name: `raft-${init.id}` })
    const api = Comlink.wrap<NodeWorkerApi>(worker)
    let closed = false
    let failure: Error | null = null
    const failed = new Promise<never>((_, reject) => {
      worker.addEventListener('error', (ev) => {
        failure = new Error(`worker of ${init.id} failed: ${ev.message || 'script error'}`)
        reject(failure)
      })
    })
    failed.catch(() => undefined)
    try {
      const r = await Promise.race([api.start(init), failed])
      if (!r.ok) {
        worker.terminate()
        return r
      }
      return {
        ok: true,
        recovery: r.recovery,
        output: r.output,
        port: {
          handle: (inputs) => {
            if (closed) return Promise.reject(new Error(`${init.id} is down`))
            return Promise.race([api.handle(inputs), failed])
          },
          close: () => {
            closed = true
            api[Comlink.releaseProxy]()
            worker.terminate()
          },
          kv: () => (closed ? Promise.resolve([]) : api.kv()),
        },
      }
    } catch (e) {
      worker.terminate()
      return { ok: false, failure: { code: 'failed', message: e instanceof Error ? e.message : String(e) } }
    }
  }
}
