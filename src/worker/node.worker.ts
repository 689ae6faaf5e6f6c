/// <reference lib="webworker" />
/**
 * One Raft node in its own Web Worker. The main thread drives it in batches (see protocol.ts); it owns nothing
 * but its node: RawNode, key/value machine and disk. Terminating the worker is a crash.
 */
import * as Comlink from 'comlink'
import { NodeHost } from './node-host.ts'
import type { HostInit, HostInput, HostOutput, Recovery } from './protocol.ts'
import { openNodeDisk } from '../storage/idb.ts'
import { createMemoryDisk } from '../storage/memory.ts'
import { StorageUnavailableError } from '../storage/errors.ts'
import type { NodeDisk } from '../storage/types.ts'

let host: NodeHost | null = null

function need(): NodeHost {
  if (!host) throw new Error('node not started')
  return host
}

const api = {
  /** Open the node's disk (falling back to memory when IndexedDB is unavailable) and recover from it. */
  async start(init: HostInit): Promise<{ recovery: Recovery; output: HostOutput; fallback?: string }> {
    let disk: NodeDisk
    let fallback: string | undefined
    if (init.storage === 'durable') {
      try {
        disk = await openNodeDisk(init.cluster, init.id)
      } catch (e) {
        if (!(e instanceof StorageUnavailableError)) throw e
        fallback = e.message
        disk = createMemoryDisk(init.id)
      }
    } else {
      disk = createMemoryDisk(init.id)
    }
    try {
      const r = await NodeHost.start(init, disk)
      host = r.host
      if (fallback) r.output.events.push({ type: 'error', message: `IndexedDB is unavailable (${fallback}); this node keeps its log in memory only` })
      return { recovery: r.recovery, output: r.output, fallback }
    } catch (e) {
      disk.close()
      throw e
    }
  },
  handle(inputs: HostInput[]): Promise<HostOutput> {
    return need().handle(inputs)
  },
  kv(): [string, string][] {
    return need().kvEntries()
  },
}

export type NodeWorkerApi = typeof api

Comlink.expose(api)
