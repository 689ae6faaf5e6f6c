import { describe, it, expect } from 'vitest'
import { PACK_ABOVE, packOutput, unpackOutput } from '../../../src/browser/start-pack.ts'
import { NodeShell, type ShellDisk } from '../../../src/node/shell.ts'
import type { Loaded } from '../../../src/node/host.ts'
import type { HostInit, HostOutput } from '../../../src/node/protocol.ts'
import { encodeCommand } from '../../../src/kv/command.ts'
import type { Entry } from '../../../src/raft/types.ts'

const disk: ShellDisk = { kind: 'durable', persist: () => undefined, compact: () => undefined, close: () => undefined }
const init: HostInit = { cluster: 't', id: 'n1', peers: ['n1', 'n2', 'n3'], params: { electionTick: 10, heartbeatTick: 2, preVote: true, checkQuorum: true }, seed: 1, storage: 'durable', snapshotEvery: 0, observe: true }

function recover(n: number, commit: number): HostOutput {
  const entries: Entry[] = [{ index: 1, term: 1, kind: 'noop' }]
  for (let i = 2; i <= n; i++) {
    // Odd data too: a lone surrogate, quotes, a newline.
    const value = i % 97 === 0 ? `x\ud800"\n${i}` : String(i)
    entries.push({ index: i, term: 1, kind: 'command', data: encodeCommand({ op: 'set', key: `k${i % 7}`, value, client: 'c', seq: i }) })
  }
  const loaded: Loaded = { empty: false, hardState: { term: 1, vote: 'n2', commit }, entries }
  const r = NodeShell.start(init, loaded, disk)
  if (r instanceof Promise) throw new Error('a memory disk answers at once')
  return r.output
}

describe('the first output across the worker boundary', () => {
  it('arrives equal to what the node made, the recovered log and every replayed observation included', () => {
    const out = recover(1000, 900)
    expect(out.log?.entries).toHaveLength(1000)
    expect(out.observations?.filter((o) => o.type === 'apply')).toHaveLength(900)
    const before = structuredClone(out)
    const packed = packOutput(out)
    expect(packed.bulk).toBeTypeOf('string')
    expect(packed.output.log).toBeUndefined()
    expect(packed.output.observations).toBeUndefined()
    expect(out).toEqual(before) // the node's own output is left as it was
    // What postMessage does to it, then the page's side.
    const sent = structuredClone(packed)
    expect(unpackOutput(sent.output, sent.bulk)).toEqual(before)
  })

  it('posts a small output as it is', () => {
    const out = recover(20, 20)
    expect((out.log?.entries.length ?? 0) + (out.observations?.length ?? 0)).toBeLessThanOrEqual(PACK_ABOVE)
    const packed = packOutput(out)
    expect(packed.bulk).toBeUndefined()
    expect(packed.output).toBe(out)
    expect(unpackOutput(packed.output, packed.bulk)).toBe(out)
  })
})
