import { describe, it, expect } from 'vitest'
import { formatScript, parseScript, ScriptError } from '../../../src/scenario/script.ts'
import { SCENARIO_NAMES, SCENARIO_TEXTS, loadScenario } from '../../../src/scenario/library.ts'

const HEADER = ['# title: T', '# summary: S', '# paper: Raft paper 5.2', '']

/** A script of the header, then `cluster nodes=3 seed=1`, then the given blocks (each a command with no output). */
function script(...commands: string[]): string {
  return [...HEADER, 'cluster nodes=3 seed=1', '----', '', ...commands.flatMap((c) => [c, '----', ''])].join('\n')
}

/** The error parsing `text` raises. Line 5 is the cluster line, 8 the first command after it, then every 3. */
function error(text: string): ScriptError {
  try {
    parseScript(text, 'bad')
  } catch (e) {
    if (e instanceof ScriptError) return e
    throw e
  }
  throw new Error('the script parsed')
}

describe('scenario script parser', () => {
  it('reads the header, the commands and their outputs', () => {
    const s = parseScript([...HEADER, 'cluster nodes=5 seed=7 prevote=on', '----', 'n1 n2 n3 n4 n5', '', 'campaign n1', '----', ''].join('\n'), 'x')
    expect(s.header).toEqual({ title: 'T', summary: 'S', paper: 'Raft paper 5.2' })
    expect(s.blocks.map((b) => [b.line, b.source, b.expected])).toEqual([
      [5, 'cluster nodes=5 seed=7 prevote=on', ['n1 n2 n3 n4 n5']],
      [9, 'campaign n1', []],
    ])
    expect(s.blocks[0].command).toMatchObject({ kind: 'cluster', spec: { nodes: 5, seed: 7, preVote: true } })
  })

  it('names the line of an unknown command', () => {
    const e = error(script('stabilize', 'frobnicate n1'))
    expect(e.line).toBe(11)
    expect(e.message).toMatch(/^bad\.txt:11: unknown command "frobnicate"; a script knows cluster, tick, run/)
  })

  it('names the line of an unknown node, and says which nodes exist', () => {
    const e = error(script('campaign n1', 'partition n1 | n2 n7'))
    expect(e.line).toBe(11)
    expect(e.sentence).toBe('unknown node "n7"; this cluster has n1 n2 n3 (a new node joins with "add n7").')
    expect(error(script('crash x1')).sentence).toMatch(/^unknown node "x1"/)
  })

  it('knows a node once a script adds it', () => {
    expect(() => parseScript(script('add n4 learner', 'add n4', 'crash n4'), 'ok')).not.toThrow()
    expect(error(script('crash n4', 'add n4')).line).toBe(8)
  })

  it('names the line of an unknown unsafe switch, in a command or on the cluster line', () => {
    const e = error(script('run 10ms', 'unsafe fastCommits'))
    expect(e.line).toBe(11)
    expect(e.sentence).toMatch(/^unknown unsafe switch "fastCommits"; the switches are skipLogUpToDateCheck, commitOldTermEntries/)
    const text = [...HEADER, 'cluster nodes=3 unsafe=commitOldTermEntries,nope', '----', ''].join('\n')
    expect(error(text)).toMatchObject({ line: 5, sentence: expect.stringMatching(/^unknown unsafe switch "nope"/) })
  })

  it('refuses bad arguments with a sentence', () => {
    expect(error(script('run soon')).sentence).toMatch(/^a duration is written "300ms" or "2s"/)
    expect(error(script('partition n1 n2')).sentence).toMatch(/groups split by "\|"/)
    expect(error(script('partition n1 | n1 n2')).sentence).toBe('n1 is in two groups of the partition.')
    expect(error(script('propose n1 put x=1')).sentence).toBe('propose knows set, delete and get, got "put".')
    expect(error(script('cut n1 n2')).sentence).toMatch(/^cut is written "cut n1 -> n2"/)
    expect(error(script('say')).sentence).toBe('say needs a sentence.')
    expect(error([...HEADER, 'cluster nodes=3 colour=blue', '----', ''].join('\n')).sentence).toMatch(/^cluster has no setting "colour"/)
  })

  it('reads a client write and the storage key', () => {
    const s = parseScript(script('write n1 set x=1', 'write n2 delete y').replace('cluster nodes=3 seed=1', 'cluster nodes=3 seed=1 storage=volatile'), 'ok')
    expect(s.blocks[0].command).toMatchObject({ kind: 'cluster', spec: { storage: 'volatile' } })
    expect(s.blocks[1].command).toEqual({ kind: 'write', node: 'n1', command: { op: 'set', key: 'x', value: '1' } })
    expect(s.blocks[2].command).toEqual({ kind: 'write', node: 'n2', command: { op: 'delete', key: 'y' } })
    expect(parseScript(script('run 10ms'), 'ok').blocks[0].command).toMatchObject({ spec: { storage: 'durable' } })
  })

  it('refuses a bad write or storage with the line and a sentence', () => {
    expect(error(script('stabilize', 'write n1 get x'))).toMatchObject({ line: 11, sentence: 'a client reads with "read n1 x", not with write.' })
    expect(error(script('write n1 put x=1'))).toMatchObject({ line: 8, sentence: 'write knows set and delete, got "put".' })
    expect(error(script('write n1 set x'))).toMatchObject({ line: 8, sentence: 'set is written "set x=1", got "set x".' })
    expect(error(script('write n1'))).toMatchObject({ line: 8, sentence: 'write is written "write n1 set x=1" (or "write n1 delete x").' })
    expect(error(script('write n1 set x=1 y=2'))).toMatchObject({ line: 8, sentence: 'write takes one command: "set x=1" or "delete x".' })
    expect(error(script('write n7 set x=1')).sentence).toMatch(/^unknown node "n7"/)
    const text = [...HEADER, 'cluster nodes=3 storage=flash', '----', ''].join('\n')
    expect(error(text)).toMatchObject({ line: 5, sentence: 'storage must be durable or volatile, got "flash".' })
  })

  it('wants a line ---- after every command', () => {
    const text = [...HEADER, 'cluster nodes=3', '----', '', 'stabilize', 'status', '----', ''].join('\n')
    expect(error(text)).toMatchObject({ line: 8, sentence: 'the command "stabilize" must be followed by a line ----, then the output it prints.' })
  })

  it('wants a header, a cluster first, and an answer after a question', () => {
    expect(error(['cluster nodes=3', '----', ''].join('\n'))).toMatchObject({ line: 1, sentence: expect.stringMatching(/title/) })
    expect(error([...HEADER, 'campaign n1', '----', ''].join('\n'))).toMatchObject({ line: 5, sentence: expect.stringMatching(/needs a cluster/) })
    expect(error(script('ask Who wins?', 'say Nobody.')).line).toBe(8)
    expect(error(script('ask Who wins?')).sentence).toMatch(/ends on a question/)
  })

  it('writes every library script back unchanged', () => {
    expect(SCENARIO_NAMES.length).toBeGreaterThanOrEqual(11)
    for (const name of SCENARIO_NAMES) {
      const s = loadScenario(name)
      expect(formatScript(s, s.blocks.map((b) => b.expected))).toBe(SCENARIO_TEXTS[name])
    }
  })

  it('says which scenarios exist when asked for an unknown one', () => {
    expect(() => loadScenario('figure9')).toThrow(/unknown scenario "figure9"; the scenarios are election, figure7, figure8/)
  })
})
