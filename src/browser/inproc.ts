import { NodeShell, type ShellDisk } from '../node/shell.ts'
import type { Loaded } from '../node/host.ts'
import type { NodeDisk } from '../storage/types.ts'
import { createMemoryDisk } from '../storage/memory.ts'
import type { PortFactory, Started } from '../cluster/loop.ts'
import { failureOf } from '../node/failure.ts'

/**
 * Ports that run in this thread with the storage layer's memory disks (async, like IndexedDB): for Node tests and
 * for checking that a worker-backed run is the same run. `durable` disks live in `disks` and survive crashes;
 * volatile ones are new at every start.
 */
export function inprocFactory(disks = new Map<string, NodeDisk>()): PortFactory {
  return async (init): Promise<Started> => {
    let disk: NodeDisk
    if (init.storage === 'durable') {
      const key = `${init.cluster}/${init.id}`
      disk = disks.get(key) ?? createMemoryDisk(init.id)
      disks.set(key, disk)
    } else {
      disk = createMemoryDisk(init.id)
    }
    let loaded: Loaded
    try {
      loaded = await disk.load()
    } catch (e) {
      return { ok: false, failure: failureOf(e) }
    }
    // The memory disk stays open across crashes (it is the node's durable disk here): closing the shell must not close it.
    const shellDisk: ShellDisk = { kind: disk.kind, persist: (w) => disk.persist(w), compact: (s) => disk.compact(s), close: () => undefined }
    const { shell, output } = await NodeShell.start(structuredClone(init), loaded, shellDisk)
    let closed = false
    return {
      ok: true,
      recovery: shell.recovery,
      output,
      port: {
        handle: (inputs) => {
          if (closed) return Promise.reject(new Error(`${init.id} is closed`))
          return Promise.resolve(shell.handle(structuredClone(inputs)))
        },
        handleWindow: (batches) => {
          if (closed) return Promise.reject(new Error(`${init.id} is closed`))
          return Promise.resolve(shell.handleWindow(structuredClone(batches)))
        },
        close: () => {
          closed = true
          shell.close()
        },
        kv: async () => shell.host.kvEntries(),
      },
    }
  }
}
