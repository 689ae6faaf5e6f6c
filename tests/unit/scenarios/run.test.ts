import { describe, it, expect } from 'vitest'
import { formatScript, parseScript } from '../../../src/scenario/script.ts'
import { checkScript, diffLines, formatMismatch, runScript, ScriptPlayer } from '../../../src/scenario/run.ts'
import { SCENARIO_TEXTS } from '../../../src/scenario/library.ts'
import { SimScenarioCluster } from '../../../src/scenario/sim-cluster.ts'
import { DEFAULT_SPEC } from '../../../src/scenario/script.ts'

const ELECTION = SCENARIO_TEXTS.election

describe('scenario runner', () => {
  it('passes the golden election script as it is', () => {
    expect(checkScript(parseScript(ELECTION, 'election'))).toBeNull()
  })

  it('fails on the first block whose output differs, with its line and a diff', () => {
    const changed = ELECTION.replace('committed 2: set x=1 (term 1)', 'committed 2: set x=2 (term 1)')
    expect(changed).not.toBe(ELECTION)
    const script = parseScript(changed, 'election')
    const m = checkScript(script)
    const block = script.blocks.find((b) => b.expected.includes('committed 2: set x=2 (term 1)'))
    expect(m).toMatchObject({ script: 'election', line: block?.line, command: 'stabilize' })
    expect(m?.expected).toEqual(['committed 2: set x=2 (term 1)'])
    expect(m?.actual).toEqual(['committed 2: set x=1 (term 1)'])
    expect(formatMismatch(m!, 'src/scenario/scripts/election.txt')).toBe(
      [
        `src/scenario/scripts/election.txt:${block?.line}: the output of "stabilize" differs from the golden output (- expected, + actual):`,
        '+ committed 2: set x=1 (term 1)',
        '- committed 2: set x=2 (term 1)',
      ].join('\n'),
    )
  })

  it('fails on a missing output line and on an extra one', () => {
    const lines = ELECTION.split('\n')
    const at = lines.indexOf('n1: leader term 1')
    const missing = parseScript([...lines.slice(0, at), ...lines.slice(at + 1)].join('\n'), 'election')
    expect(checkScript(missing)?.actual).toContain('n1: leader term 1')
    const extra = parseScript([...lines.slice(0, at), 'n2: leader term 1', ...lines.slice(at)].join('\n'), 'election')
    expect(checkScript(extra)?.expected).toContain('n2: leader term 1')
  })

  it('rewrites the golden output from a run (what UPDATE_GOLDEN does)', () => {
    const script = parseScript(ELECTION, 'election')
    const blank = parseScript(formatScript(script, script.blocks.map(() => [])), 'election')
    expect(checkScript(blank)).not.toBeNull()
    expect(formatScript(blank, runScript(blank).map((r) => r.output))).toBe(ELECTION)
  })

  it('plays a script one block at a time, narration printing nothing', () => {
    const p = new ScriptPlayer(parseScript(SCENARIO_TEXTS['split-vote'], 'split-vote'))
    expect(p.cluster).toBeNull()
    const first = p.next()
    expect(first?.block.command.kind).toBe('cluster')
    expect(p.cluster?.ids()).toEqual(['n1', 'n2', 'n3', 'n4'])
    const say = p.next()
    expect(say?.block.command.kind).toBe('say')
    expect(say?.output).toEqual([])
    let n = 2
    while (p.next() !== undefined) n++
    expect(p.done).toBe(true)
    expect(n).toBe(p.script.blocks.length)
  })

  it('prints a line diff with unchanged lines kept', () => {
    expect(diffLines(['a', 'b', 'c'], ['a', 'c', 'd'])).toEqual(['  a', '- b', '  c', '+ d'])
    expect(diffLines([], [])).toEqual(['  (both empty)'])
  })
})

describe('scenario cluster over the simulator', () => {
  it('counts messages in flight: some while an election runs, none once it is settled', () => {
    const c = new SimScenarioCluster({ ...DEFAULT_SPEC, nodes: 3, seed: 2 })
    expect(c.inFlight()).toBe(0)
    c.campaign('n1')
    let most = 0
    for (let ms = 0; ms < 20; ms++) {
      c.run(1)
      most = Math.max(most, c.inFlight())
    }
    expect(most).toBeGreaterThan(0)
    expect(c.stabilize(5000)).toBe('settled')
    expect(c.inFlight()).toBe(0)
    expect(c.unsettled()).toBeNull()
    expect(c.nodes().map((v) => v.role)).toEqual(['leader', 'follower', 'follower'])
  })

  it('a cut after an entry lets that append through, then loses the link', () => {
    const c = new SimScenarioCluster({ ...DEFAULT_SPEC, nodes: 3, seed: 2, maxEntries: 1 })
    c.campaign('n1')
    c.stabilize(5000)
    c.cut('n1', 'n3', false, 2)
    c.propose('n1', { op: 'set', key: 'a', value: '1' })
    c.propose('n1', { op: 'set', key: 'b', value: '2' })
    expect(c.stabilize(5000)).toBe('settled')
    const [, n2, n3] = c.nodes()
    expect(n2.lastIndex).toBe(3)
    expect(n3.lastIndex).toBe(2)
    expect(n3.commit).toBe(1)
    expect(c.faults()).toEqual(['cut n1 -> n3 after entry 2'])
  })
})

/** Plays a script made of a header and the given command lines (outputs left empty) and returns each output. */
function play(...commands: string[]): { source: string; output: string[] }[] {
  const text = ['# title: T', '# summary: S', '# paper: P', '', ...commands.flatMap((c) => [c, '----', ''])].join('\n')
  return runScript(parseScript(text, 'inline')).map((r) => ({ source: r.block.source, output: r.output }))
}

const lines = (rs: { output: string[] }[]): string[] => rs.flatMap((r) => r.output)

/** A leader cut off with n2, a newer write on the majority side, then a read at the old leader. */
function staleSchedule(cluster: string): string[] {
  return [
    cluster,
    'campaign n1',
    'stabilize',
    'write n1 set x=1',
    'stabilize',
    'partition n1 n2 | n3 n4 n5',
    'run 500ms',
    'write n3 set x=2',
    'stabilize',
    'read n1 x',
    'run 300ms',
    'heal',
    'stabilize',
    'check',
  ]
}

describe('linearizability of the script clients', () => {
  it('reports nothing for a linearizable history, proposals included', () => {
    const rs = play(
      'cluster nodes=3 seed=1',
      'campaign n1',
      'stabilize',
      'propose n1 set x=1',
      'read n2 x',
      'stabilize',
      'write n1 set x=2',
      'stabilize',
      'read n3 x',
      'stabilize',
      'write n2 delete x',
      'stabilize',
      'check',
    )
    const all = lines(rs)
    expect(all).toContain('client r1: x = 1')
    expect(all).toContain('client w1: set x=2 acknowledged')
    expect(all).toContain('client r2: x = 2')
    expect(all).toContain('client w2: delete x acknowledged')
    expect(all.filter((l) => l.startsWith('VIOLATION'))).toEqual([])
    expect(rs[rs.length - 1].output).toEqual(['no violations'])
  })

  it('reports a stale read as a violation, stops at it, and lists it in check', () => {
    const rs = play(...staleSchedule('cluster nodes=5 seed=3 reads=readindex unsafe=leaseReadsWithoutCheck'))
    const read = rs.find((r) => r.source === 'run 300ms')
    const v =
      'VIOLATION Linearizability (n1): client r1 (get) saw "1" in "x", but client w2 (set "2") had written "2" before it began, and client w1, which wrote "1", had finished before client w2 began.'
    expect(read?.output).toEqual(['client r1: x = 1', v, 'stopped at the violation'])
    expect(rs[rs.length - 1].output).toEqual([v])
  })

  it('the same schedule with ReadIndex answers the read with the newer value', () => {
    const rs = play(...staleSchedule('cluster nodes=5 seed=3 reads=readindex'))
    expect(rs.find((r) => r.source === 'run 300ms')?.output).toEqual([])
    expect(lines(rs)).toContain('client r1: x = 2')
    expect(rs[rs.length - 1].output).toEqual(['no violations'])
  })
})

describe('client writes', () => {
  it('a write that no majority can commit ends with no answer once the request times out', () => {
    const rs = play('cluster nodes=3 seed=1', 'campaign n1', 'stabilize', 'crash n2', 'crash n3', 'write n1 set x=1', 'run 1s', 'run 1s', 'check')
    expect(rs.find((r) => r.source === 'write n1 set x=1')?.output).toEqual(['client w1 asks n1 to set x=1'])
    expect(rs[6].output).toEqual([])
    expect(rs[7].output).toEqual(['client w1: no answer for set x=1'])
    expect(rs[8].output).toEqual(['no violations'])
  })
})

describe('volatile storage', () => {
  const schedule = (storage: string): string[] =>
    lines(play(`cluster nodes=3 seed=2 storage=${storage}`, 'campaign n1', 'stabilize', 'write n1 set x=1', 'stabilize', 'crash n2', 'status', 'restart n2'))

  it('a crash loses the disk: the node is empty while down and restarts empty', () => {
    const out = schedule('volatile')
    expect(out).toContain('n2 down: on disk term 0, voted nobody, last 0 (term 0), commit 0')
    expect(out).toContain('n2: up with an empty disk')
  })

  it('a durable disk keeps the log and the vote', () => {
    const out = schedule('durable')
    expect(out).toContain('n2 down: on disk term 1, voted n1, last 2 (term 1), commit 1')
    expect(out).toContain('n2: up from its disk: term 1, voted n1, log to 2, commit 1')
  })
})
