import { describe, it, expect } from 'vitest'
import { SHORTCUTS, nextSpeed, shortcutFor, sliderFromSpeed, speedFromSlider, speedLabel, tip } from '../../../src/ui/state/shortcuts.ts'
import { strings } from '../../../src/ui/strings.ts'

describe('keyboard shortcuts and speed', () => {
  it('every shortcut has a help line and no key is bound twice', () => {
    const keys = SHORTCUTS.flatMap((s) => s.keys)
    expect(new Set(keys).size).toBe(keys.length)
    for (const s of SHORTCUTS) expect(strings.help.shortcuts[s.id]).toBeTruthy()
  })

  it('finds shortcuts by key, case-insensitively, and leaves modified keys to the browser', () => {
    const k = (key: string, mod: Partial<KeyboardEvent> = {}) => shortcutFor({ key, ctrlKey: false, metaKey: false, altKey: false, ...mod })?.id
    expect(k(' ')).toBe('playPause')
    expect(k('C')).toBe('crash')
    expect(k('?')).toBe('help')
    expect(k('3')).toBe('select')
    expect(k('c', { ctrlKey: true })).toBeUndefined()
    expect(k('z')).toBeUndefined()
  })

  it('P pauses a node and Shift+P switches projector mode (caps lock alone does not)', () => {
    const k = (key: string, mod: Partial<KeyboardEvent> = {}) => shortcutFor({ key, ctrlKey: false, metaKey: false, altKey: false, ...mod })?.id
    expect(k('p')).toBe('pauseNode')
    expect(k('P')).toBe('pauseNode')
    expect(k('P', { shiftKey: true })).toBe('projector')
    expect(k('PageDown')).toBe('next')
    expect(k('b')).toBe('blank')
  })

  it('tooltips name the key', () => {
    expect(tip('Play', 'playPause')).toBe('Play (Space)')
  })

  it('the speed slider is logarithmic from 1/100x to 100x', () => {
    expect(speedFromSlider(0)).toBe(0.01)
    expect(speedFromSlider(500)).toBe(1)
    expect(speedFromSlider(1000)).toBe(100)
    for (const x of [0.01, 0.1, 1, 10, 100]) expect(speedFromSlider(sliderFromSpeed(x))).toBeCloseTo(x, 5)
  })

  it('[ and ] step through the speeds and stop at the ends', () => {
    expect(nextSpeed(1, 1)).toBe(2)
    expect(nextSpeed(1, -1)).toBe(0.5)
    expect(nextSpeed(0.3, 1)).toBe(0.5)
    expect(nextSpeed(100, 1)).toBe(100)
    expect(nextSpeed(0.01, -1)).toBe(0.01)
    expect(speedLabel(0.1)).toBe('0.1')
    expect(speedLabel(20)).toBe('20')
    expect(speedLabel(1.5)).toBe('1.5')
  })
})
