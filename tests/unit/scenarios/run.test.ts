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
