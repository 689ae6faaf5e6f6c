import * as Comlink from 'comlink'
import type { NodeWorkerApi } from '../worker/node.worker.ts'
import type { HostFactory } from './scheduler.ts'

/**
 * Hosts in Web Workers, one per node. `close` terminates the worker at once: a crash. An error thrown inside the
 * worker rejects the call, and the scheduler marks that node crashed with the error; the page goes on.
 */
export function workerFactory(): HostFactory {
  return async (init) => {
    const worker = new Worker(new URL('../worker/node.worker.ts', import.meta.url), { type: 'module', name: `raft-${init.id}` })
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
      const { recovery, output } = await Promise.race([api.start(init), failed])
      return {
        recovery,
        output,
        host: {
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
      throw e
    }
  }
}
