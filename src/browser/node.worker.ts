/// <reference lib="webworker" />
/**
 * One Raft node in its own Web Worker: the shared node shell (src/node/shell.ts) with an IndexedDB disk. The
 * cluster loop on the main thread drives it in batches (see src/node/protocol.ts); terminating the worker is a crash.
 */
import * as Comlink from 'comlink'
import { NodeShell } from '../node/shell.ts'
import type { HostInit, HostInput, HostOutput, Recovery, StartFailure, WindowOutput } from '../node/protocol.ts'
import { openNodeDisk } from '../storage/idb.ts'
import { createMemoryDisk } from '../storage/memory.ts'
import { StorageUnavailableError } from '../storage/errors.ts'
import { failureOf } from '../node/failure.ts'
import { packOutput } from './start-pack.ts'
import type { NodeDisk } from '../storage/types.ts'

let shell: NodeShell | null = null

function need(): NodeShell {
  if (!shell) throw new Error('node not started')
  return shell
}

const api = {
  /** Open the node's disk (falling back to memory when IndexedDB is unavailable) and recover from it. */
  async start(init: HostInit): Promise<{ ok: true; recovery: Recovery; output: HostOutput; bulk?: string; fallback?: string } | { ok: false; failure: StartFailure }> {
    let disk: NodeDisk
    let fallback: string | undefined
    try {
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
    } catch (e) {
      return { ok: false, failure: failureOf(e) }
    }
    try {
      const loaded = await disk.load()
      const r = await NodeShell.start(init, loaded, disk)
      shell = r.shell
      if (fallback) r.output.events.push({ type: 'error', message: `IndexedDB is unavailable (${fallback}); this node keeps its log in memory only` })
      // The recovered log and the replay's observations go as one string (see start-pack.ts).
      const { output, bulk } = packOutput(r.output)
      return { ok: true, recovery: r.shell.recovery, output, bulk, fallback }
    } catch (e) {
      disk.close()
      return { ok: false, failure: failureOf(e) }
    }
  },
  async handle(inputs: HostInput[]): Promise<HostOutput> {
    return need().handle(inputs)
  },
  /** A scheduling window: every batch of it, one disk transaction, one answer. */
  async handleWindow(batches: HostInput[][]): Promise<WindowOutput> {
    return need().handleWindow(batches)
  },
  kv(): [string, string][] {
    return need().host.kvEntries()
  },
}

export type NodeWorkerApi = typeof api

Comlink.expose(api)
