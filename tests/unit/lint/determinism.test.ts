// The determinism rule is a lint rule: prove it fires in each deterministic layer and stays quiet in a shell.
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const eslint = new ESLint({ cwd: process.cwd() })

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return result.messages.map((m) => m.ruleId ?? m.message)
}

describe('lint: no clock, timer, randomness or DOM in the deterministic layers', () => {
  const offenders = [
    'export const x = Math.random()',
    'export const x = Date.now()',
    'export const x = new Date()',
    'export const x = performance.now()',
    'setTimeout(() => {}, 1)',
    'export const x = document.title',
    'export const x = window.innerWidth',
  ]
  for (const dir of ['src/raft', 'src/kv', 'src/sim', 'src/check', 'src/world', 'src/node', 'src/scenario', 'src/cluster']) {
    for (const code of offenders) {
      it(`${dir}: ${code}`, async () => {
        const ids = await ruleIds(code, `${dir}/probe.ts`)
        expect(ids.some((id) => id === 'no-restricted-properties' || id === 'no-restricted-globals')).toBe(true)
      })
    }
  }

  it('a browser shell may read the clock', async () => {
    const ids = await ruleIds('export const x = performance.now() + Date.now()', 'src/browser/probe.ts')
    expect(ids).toEqual([])
  })

  it('the deterministic layers lint clean today', async () => {
    const results = await eslint.lintFiles(['src/raft', 'src/kv', 'src/sim', 'src/check', 'src/world', 'src/node', 'src/scenario', 'src/cluster'])
    const errors = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.ruleId}: ${m.message}`))
    expect(errors).toEqual([])
  }, 60_000)
})
