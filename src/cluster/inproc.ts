import { NodeHost } from '../worker/node-host.ts'
import type { NodeDisk } from '../storage/types.ts'
import { createMemoryDisk } from '../storage/memory.ts'
import type { HostFactory } from './scheduler.ts'

/**
 * Hosts that run in this thread: for Node tests and benchmarks, and for checking that a worker-backed run is the
 * same run. `durable` disks live in `disks` and survive crashes; volatile ones are new at every start.
 * Every host call goes through a resolved promise, so the timing differs from a worker but the run does not.
 */
export function inprocFactory(disks = new Map<string, NodeDisk>()): HostFactory {
  return async (init) => {
    let disk: NodeDisk
    if (init.storage === 'durable') {
      const key = `${init.cluster}/${init.id}`
      disk = disks.get(key) ?? createMemoryDisk(init.id)
      disks.set(key, disk)
    } else {
      disk = createMemoryDisk(init.id)
    }
    const { host, recovery, output } = await NodeHost.start(init, disk)
    let closed = false
    return {
      recovery,
      output,
      host: {
        handle: (inputs) => {
          if (closed) return Promise.reject(new Error(`${init.id} is closed`))
          return host.handle(structuredClone(inputs))
        },
        close: () => {
          closed = true
        },
        kv: async () => host.kvEntries(),
      },
    }
  }
}
