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
    expect(SCENARIO_NAMES).toEqual(FILES.map((f) => f.replace(/\.txt$/, '')))
    for (const f of FILES) expect(SCENARIO_TEXTS[f.replace(/\.txt$/, '')]).toBe(readFileSync(join(DIR, f), 'utf8'))
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
