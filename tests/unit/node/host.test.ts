import { describe, it, expect } from 'vitest'
import { NodeShell, type ShellDisk } from '../../../src/node/shell.ts'
import type { DiskWrite, Loaded } from '../../../src/node/host.ts'
import type { HostInit } from '../../../src/node/protocol.ts'
import type { Entry, Snapshot } from '../../../src/raft/types.ts'
import { encodeCommand } from '../../../src/kv/command.ts'

/** A disk that records what it is asked to write. */
function recordingDisk(): ShellDisk & { writes: DiskWrite[]; snapshots: Snapshot[] } {
  const d = { kind: 'durable' as const, writes: [] as DiskWrite[], snapshots: [] as Snapshot[] }
  return { ...d, persist: (w) => void d.writes.push(w), compact: (s) => void d.snapshots.push(s), close: () => undefined, writes: d.writes, snapshots: d.snapshots }
}

function cmd(index: number, key: string): Entry {
  return { index, term: 1, kind: 'command', data: encodeCommand({ op: 'set', key, value: String(index), client: 'c', seq: index }) }
}

describe('NodeHost', () => {
  it('a joiner that does not know the configuration yet never records a snapshot with no voters', () => {
    // A node that joined with no peers, restarted with committed entries but no configuration entry on its disk
    // (it had learned the configuration from a leader's message): replaying them reaches the snapshot policy.
    const init: HostInit = { cluster: 't', id: 'n4', peers: [], params: { electionTick: 10, heartbeatTick: 2, preVote: true, checkQuorum: true }, seed: 1, storage: 'durable', snapshotEvery: 2 }
    const loaded: Loaded = { empty: false, hardState: { term: 1, vote: null, commit: 3 }, entries: [cmd(1, 'a'), cmd(2, 'b'), cmd(3, 'c')] }
    const disk = recordingDisk()
    const started = NodeShell.start(init, loaded, disk)
    if (started instanceof Promise) throw new Error('a memory disk answers at once')
    const { shell, output } = started
    expect(shell.host.kv.appliedIndex).toBe(3) // the committed entries were replayed
    expect(disk.snapshots).toEqual([])
    expect(output.events.some((e) => e.type === 'snapshotTaken')).toBe(false)
    expect(shell.host.raw.firstIndex()).toBe(1)
  })
})
