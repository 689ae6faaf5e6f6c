import { describe, it, expect } from 'vitest'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseScript, formatScript } from '../../../src/scenario/script.ts'
import { checkScript, formatMismatch, runScript } from '../../../src/scenario/run.ts'
import { SCENARIO_NAMES, SCENARIO_TEXTS } from '../../../src/scenario/library.ts'

/**
 * Golden scenario scripts (src/scenario/scripts/*.txt): each block's output must equal the golden output below
 * its command. When a change of output is intended, `UPDATE_GOLDEN=1 npx vitest run tests/unit/scenarios`
 * rewrites the files; review the diff before committing it.
 */
const DIR = join(import.meta.dirname, '../../../src/scenario/scripts')
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort()
const UPDATE = process.env.UPDATE_GOLDEN === '1'

describe('golden scenario scripts', () => {
  it('the app bundles the same scripts as the folder holds', () => {
    expect(SCENARIO_NAMES).toEqual(FILES.map((f) => f.replace(/\.txt$/, '')).sort((a, b) => a.localeCompare(b)))
    for (const f of FILES) expect(SCENARIO_TEXTS[f.replace(/\.txt$/, '')]).toBe(readFileSync(join(DIR, f), 'utf8'))
  })

  it('figure8-unsafe plays the schedule of figure8, command for command, with the unsafe switch on', () => {
    const commands = (name: string): string[] =>
      parseScript(readFileSync(join(DIR, `${name}.txt`), 'utf8'), name)
        .blocks.filter((b) => b.command.kind !== 'say' && b.command.kind !== 'ask')
        .map((b) => b.source.replace(/ unsafe=\S+/, ''))
    const unsafe = parseScript(readFileSync(join(DIR, 'figure8-unsafe.txt'), 'utf8'), 'figure8-unsafe').blocks[0].command
    expect(unsafe).toMatchObject({ kind: 'cluster', spec: { unsafe: ['commitOldTermEntries'] } })
    expect(commands('figure8-unsafe')).toEqual(commands('figure8'))
  })

  it('stale-read plays the schedule of stale-read-readindex, command for command, with the unsafe switch on', () => {
    const commands = (name: string): string[] =>
      parseScript(readFileSync(join(DIR, `${name}.txt`), 'utf8'), name)
        .blocks.filter((b) => b.command.kind !== 'say' && b.command.kind !== 'ask')
        .map((b) => b.source.replace(/ unsafe=\S+/, ''))
    const unsafe = parseScript(readFileSync(join(DIR, 'stale-read.txt'), 'utf8'), 'stale-read').blocks[0].command
    expect(unsafe).toMatchObject({ kind: 'cluster', spec: { unsafe: ['leaseReadsWithoutCheck'], reads: 'readindex' } })
    expect(commands('stale-read')).toEqual(commands('stale-read-readindex'))
  })

  it('every script ends with an explanation that names the paper or thesis section', () => {
    for (const file of FILES) {
      const { blocks } = parseScript(readFileSync(join(DIR, file), 'utf8'), file.replace(/\.txt$/, ''))
      const last = blocks[blocks.length - 1]
      expect(last.command.kind, `${file}:${last.line}`).toBe('say')
      expect(last.source, `${file}:${last.line}`).toMatch(/^say Raft (paper|thesis) (\d|Figure \d)/)
    }
  })

  it('every question is answered: the block after an ask prints something', () => {
    for (const file of FILES) {
      const { blocks } = parseScript(readFileSync(join(DIR, file), 'utf8'), file.replace(/\.txt$/, ''))
      blocks.forEach((b, i) => {
        if (b.command.kind === 'ask') expect(blocks[i + 1].expected, `${file}:${b.line}: ${b.source}`).not.toEqual([])
      })
    }
  })

  for (const file of FILES) {
    it(file, () => {
      const path = join(DIR, file)
      const text = readFileSync(path, 'utf8')
      const script = parseScript(text, file.replace(/\.txt$/, ''))
      if (UPDATE) {
        const next = formatScript(script, runScript(script).map((r) => r.output))
        if (next !== text) writeFileSync(path, next)
        return
      }
      const m = checkScript(script)
      if (m !== null) throw new Error(formatMismatch(m, `src/scenario/scripts/${file}`))
    })
  }
})
