/**
 * How many lines a sentence wraps to at a given width, so that the event list (which renders only the rows in view)
 * can give each row the height of its whole sentence instead of cutting it.
 */

/** Lines of `text` wrapped greedily at spaces within `width` px, as measured by `measure` (a long word breaks). */
export function wrapLines(text: string, width: number, measure: (s: string) => number): number {
  const words = text.split(/\s+/).filter(Boolean)
  if (words.length === 0) return 1
  const space = measure(' ')
  let lines = 1
  let used = 0
  for (const w of words) {
    const ww = measure(w)
    if (used === 0) used = ww
    else if (used + space + ww <= width) used += space + ww
    else {
      lines++
      used = ww
    }
    // A word wider than the line breaks anywhere (overflow-wrap: anywhere).
    while (used > width) {
      lines++
      used -= width
    }
  }
  return lines
}

/** The row whose span [tops[i], tops[i+1]) holds `y` (clamped to the rows there are). */
export function rowAt(tops: ArrayLike<number>, y: number): number {
  let lo = 0
  let hi = tops.length - 2
  if (hi < 0) return 0
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (tops[mid] <= y) lo = mid
    else hi = mid - 1
  }
  return lo
}

let ctx: CanvasRenderingContext2D | null = null
const cache = new Map<string, number>()

/** Lines of `text` in `font` (a CSS font shorthand) at `width` px, measured on a canvas and cached. */
export function lineCount(text: string, width: number, font: string): number {
  const key = `${font}|${Math.round(width)}|${text}`
  let n = cache.get(key)
  if (n === undefined) {
    ctx ??= document.createElement('canvas').getContext('2d')
    if (!ctx) return 2
    ctx.font = font
    const c = ctx
    // Two pixels of slack: the browser's own line breaking rounds differently from measureText.
    n = wrapLines(text, width - 2, (s) => c.measureText(s).width)
    if (cache.size > 20000) cache.clear()
    cache.set(key, n)
  }
  return n
}
