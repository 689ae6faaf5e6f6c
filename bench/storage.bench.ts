/**
 * Storage timings on fake-indexeddb, to catch regressions in our own code (checksums, planning, copying).
 * Real IndexedDB numbers come from the browser (`npm run bench:browser`).
 * Run: npx tsx bench/storage.bench.ts [entries] [rounds] [batch]
 */
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { performance } from 'node:perf_hooks'
import type { Entry } from '../src/raft/types.ts'
import { sealSegment } from '../src/storage/checksum.ts'
import { openNodeDisk } from '../src/storage/idb.ts'
import { unsealSegment } from '../src/storage/records.ts'
import { createMemoryDisk } from '../src/storage/memory.ts'
import { toSegments } from '../src/storage/segments.ts'
import type { NodeDisk } from '../src/storage/types.ts'

const count = Number(process.argv[2] ?? 10_000)
const rounds = Number(process.argv[3] ?? 5)
/** Entries per persist in the batched run (a loaded cluster's Readies carry a few hundred). */
const batch = Number(process.argv[4] ?? 500)

function makeEntries(n: number): Entry[] {
  const out: Entry[] = []
  // About the size of a real KV command entry (~110 bytes stored).
  for (let i = 1; i <= n; i++) out.push({ index: i, term: 1 + Math.floor(i / 1000), kind: 'command', data: `{"op":"put","key":"key-${i % 97}","value":"value-${i}","client":"c1","seq":${i}}` })
  return out
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

async function time(label: string, open: () => Promise<NodeDisk>): Promise<void> {
  const log = makeEntries(count)
  const persist: number[] = []
  const batched: number[] = []
  const load: number[] = []
  for (let r = 0; r < rounds; r++) {
    const disk = await open()
    let t = performance.now()
    await disk.persist({ entries: log, hardState: { term: log[log.length - 1].term, vote: 'n1', commit: count } })
    persist.push(performance.now() - t)
    // The same log again in Ready-sized batches, on a fresh disk: one transaction, one segment each.
    const again = await open()
    t = performance.now()
    for (let i = 0; i < count; i += batch) await again.persist({ entries: log.slice(i, i + batch) })
    batched.push(performance.now() - t)
    again.close()
    t = performance.now()
    const state = await disk.load()
    load.push(performance.now() - t)
    if (state.entries.length !== count) throw new Error(`loaded ${state.entries.length} entries, expected ${count}`)
    disk.close()
  }
  const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`
  console.log(`${label}: persist ${count} entries in one batch: ${fmt(persist)}`)
  console.log(`${label}: persist ${count} entries in batches of ${batch}: ${fmt(batched)}`)
  console.log(`${label}: load ${count} entries: ${fmt(load)}`)
}

/** Our own cost, apart from IndexedDB: sealing segments on write, verifying them (and copying entries) on read. */
function timeChecksums(): void {
  const segments = toSegments(makeEntries(count))
  const seal: number[] = []
  const verify: number[] = []
  for (let r = 0; r < rounds; r++) {
    let t = performance.now()
    const sealed = segments.map(sealSegment)
    seal.push(performance.now() - t)
    t = performance.now()
    for (let i = 0; i < sealed.length; i++) unsealSegment('n1', segments[i].first, sealed[i])
    verify.push(performance.now() - t)
  }
  console.log(`checksums: seal ${count} entries in ${segments.length} segments: median ${median(seal).toFixed(1)} ms; verify: median ${median(verify).toFixed(1)} ms`)
}

console.log(`storage bench: ${count} entries, ${rounds} rounds, node ${process.version}`)
timeChecksums()
await time('idb (fake-indexeddb)', () => openNodeDisk('bench', 'n1', { indexedDB: new IDBFactory() }))
await time('memory', async () => createMemoryDisk('n1'))
