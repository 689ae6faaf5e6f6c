import { describe, it, expect, vi } from 'vitest'
import { NodeShell, type ShellDisk } from '../../../src/node/shell.ts'
import { entryLabel, type DiskWrite, type Loaded } from '../../../src/node/host.ts'
import { KvStore } from '../../../src/kv/store.ts'
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

describe('NodeHost recovery output', () => {
  const init: HostInit = { cluster: 't', id: 'n1', peers: ['n1', 'n2', 'n3'], params: { electionTick: 10, heartbeatTick: 2, preVote: true, checkQuorum: true }, seed: 1, storage: 'durable', snapshotEvery: 0, observe: true }

  it('labels every recovered entry as entryLabel does: replayed, not yet committed, bad, noop and config entries', () => {
    // The replay labels the entries it applies from the decode it applies them with; the rest are labelled
    // before the output leaves. Either way the page gets the same views, none missing.
    const entries: Entry[] = [
      { index: 1, term: 1, kind: 'config', data: JSON.stringify({ voters: ['n1', 'n2', 'n3'], learners: [] }) },
      { index: 2, term: 1, kind: 'noop' },
      cmd(3, 'a'),
      { index: 4, term: 1, kind: 'command', data: '{not json' },
      { index: 5, term: 2, kind: 'command', data: encodeCommand({ op: 'cas', key: 'a', expected: '3', value: 'x', client: 'c', seq: 5 }) },
      { ...cmd(6, 'b'), term: 2 }, // beyond the commit index: recovered, not replayed
      { ...cmd(7, 'c'), term: 2 },
    ]
    const loaded: Loaded = { empty: false, hardState: { term: 2, vote: null, commit: 5 }, entries: entries.map((e) => ({ ...e })) }
    const started = NodeShell.start(init, loaded, recordingDisk())
    if (started instanceof Promise) throw new Error('a memory disk answers at once')
    const { shell, output } = started
    expect(shell.host.kv.appliedIndex).toBe(5)
    expect(shell.host.kv.read('a')).toBe('x')
    expect(output.log?.from).toBe(1)
    const views = output.log!.entries
    expect(views).toHaveLength(entries.length)
    expect(views).toEqual(entries.map((e) => ({ index: e.index, term: e.term, kind: e.kind, label: entryLabel(e) })))
    expect(views.map((v) => v.label)).toEqual(['config', 'noop', 'set a=3', 'bad command', 'cas a 3→x', 'set b=6', 'set c=7'])
    // The replay was observed entry by entry, as before.
    expect(output.observations?.filter((o) => o.type === 'apply').map((o) => (o as { entry: Entry }).entry.index)).toEqual([1, 2, 3, 4, 5])
  })

  it('labels the log from the snapshot on: entries the snapshot covers are neither sent nor replayed', () => {
    const kv = new KvStore()
    kv.apply(cmd(1, 'a'))
    kv.apply(cmd(2, 'b'))
    const snapshot: Snapshot = { index: 2, term: 1, voters: ['n1', 'n2', 'n3'], learners: [], data: kv.snapshot() }
    const entries = [cmd(3, 'c'), cmd(4, 'd'), cmd(5, 'e')]
    const loaded: Loaded = { empty: false, hardState: { term: 1, vote: null, commit: 4 }, snapshot, entries: entries.map((e) => ({ ...e })) }
    const started = NodeShell.start(init, loaded, recordingDisk())
    if (started instanceof Promise) throw new Error('a memory disk answers at once')
    const { shell, output } = started
    expect(shell.host.kv.appliedIndex).toBe(4)
    expect(shell.host.kv.read('b')).toBe('2')
    expect(output.log).toEqual({ from: 3, entries: entries.map((e) => ({ index: e.index, term: e.term, kind: e.kind, label: entryLabel(e) })) })
    expect(output.observations?.filter((o) => o.type === 'apply').map((o) => (o as { entry: Entry }).entry.index)).toEqual([3, 4])
  })

  it('parses each replayed command once, for the state machine and its label together', () => {
    const entries = Array.from({ length: 50 }, (_, i) => cmd(i + 1, `k${i % 5}`))
    const loaded: Loaded = { empty: false, hardState: { term: 1, vote: null, commit: 40 }, entries }
    const parse = vi.spyOn(JSON, 'parse')
    try {
      const started = NodeShell.start(init, loaded, recordingDisk())
      if (started instanceof Promise) throw new Error('a memory disk answers at once')
      expect(started.output.log?.entries).toHaveLength(50)
      // 40 replayed (one parse each, shared by the store and the label) + 10 only labelled.
      expect(parse.mock.calls.filter(([s]) => typeof s === 'string' && s.includes('"op"')).length).toBe(50)
    } finally {
      parse.mockRestore()
    }
  })

  it('still labels the entries a running node writes after its recovery', () => {
    // A single-node cluster: it elects itself, then writes and applies a command, one entry per persist.
    const loaded: Loaded = { empty: false, hardState: { term: 1, vote: null, commit: 2 }, entries: [cmd(1, 'a'), cmd(2, 'b')] }
    const started = NodeShell.start({ ...init, peers: ['n1'] }, loaded, recordingDisk())
    if (started instanceof Promise) throw new Error('a memory disk answers at once')
    const { shell } = started
    const out = shell.handle([{ type: 'campaign' }, { type: 'client', req: { id: 7, cmd: { op: 'set', key: 'k', value: 'v', client: 'c2', seq: 1 } } }])
    if (out instanceof Promise) throw new Error('a memory disk answers at once')
    expect(out.log?.entries.map((v) => v.label)).toEqual(['noop', 'set k=v'])
    expect(out.replies).toEqual([expect.objectContaining({ id: 7, outcome: 'ok' })])
  })
})
