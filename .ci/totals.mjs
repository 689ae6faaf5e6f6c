// Sums the JSON reports of vitest and Playwright into one closing line: "N passed, N failed, N skipped".
import { existsSync, readFileSync } from 'node:fs'

const status = Number(process.argv[2] ?? 1)
let passed = 0
let failed = 0
let skipped = 0
const seen = []

function read(path) {
  if (!existsSync(path)) return null
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return null
  }
}

const unit = read('reports/unit.json')
if (unit) {
  seen.push('unit')
  passed += unit.numPassedTests ?? 0
  failed += unit.numFailedTests ?? 0
  skipped += (unit.numPendingTests ?? 0) + (unit.numTodoTests ?? 0)
}
const e2e = read('reports/e2e.json')
if (e2e?.stats) {
  seen.push('e2e')
  passed += (e2e.stats.expected ?? 0) + (e2e.stats.flaky ?? 0)
  failed += e2e.stats.unexpected ?? 0
  skipped += e2e.stats.skipped ?? 0
}
// A failure outside any test (type check, build, a suite that never started) still fails the run.
if (status !== 0 && failed === 0) failed = 1
console.log(`suites reported: ${seen.join(', ') || 'none'}`)
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(status !== 0 || failed > 0 ? 1 : 0)
