import { describe, it, expect } from 'vitest'
import { rowAt, wrapLines } from '../../../src/ui/events/wrap.ts'

// Every character 10 px wide: easy to count by hand.
const mono = (s: string) => s.length * 10

describe('event list rows: whole sentences', () => {
  it('wraps at spaces like the browser, and never fewer lines than the text needs', () => {
    expect(wrapLines('n1 becomes leader', 1000, mono)).toBe(1)
    // "n1 becomes" is 100 px: fits; "leader" goes to the second line.
    expect(wrapLines('n1 becomes leader', 100, mono)).toBe(2)
    expect(wrapLines('a b c d e f', 30, mono)).toBe(3)
    // A word longer than the line breaks inside it.
    expect(wrapLines('x'.repeat(25), 100, mono)).toBe(3)
    expect(wrapLines('', 100, mono)).toBe(1)
  })

  it('finds the row at a scroll position', () => {
    const tops = [0, 30, 80, 100]
    expect(rowAt(tops, 0)).toBe(0)
    expect(rowAt(tops, 29)).toBe(0)
    expect(rowAt(tops, 30)).toBe(1)
    expect(rowAt(tops, 99)).toBe(2)
    expect(rowAt(tops, 500)).toBe(2)
    expect(rowAt([0], 10)).toBe(0)
  })
})
