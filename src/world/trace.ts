/**
 * A running 64-bit hash (two independent 32-bit lanes, FNV-1a style, one 32-bit word per step) over everything
 * that happens in a run. Two runs are the same run exactly when their hashes match, so a replay can be
 * verified with one string. Not cryptographic: it only has to make accidental equality unlikely.
 */
export class TraceHash {
  #a = 0x811c9dc5 | 0
  #b = 0x050c5d1f | 0
  /** Number of values mixed in so far. */
  count = 0

  /** Mixes in an integer (non-integers are mixed by their thousandths; values beyond 32 bits by both halves). */
  int(n: number): void {
    let v = Number.isInteger(n) ? n : Math.round(n * 1000)
    this.#word(v | 0)
    if (v > 0x7fffffff || v < -0x80000000) {
      v = Math.floor(v / 4294967296)
      this.#word(v | 0)
    }
    this.count++
  }

  /** Mixes in a string: its length, then its UTF-16 code units two at a time. */
  str(s: string): void {
    this.#word(s.length)
    for (let i = 0; i < s.length; i += 2) this.#word(s.charCodeAt(i) | (i + 1 < s.length ? s.charCodeAt(i + 1) << 16 : 0))
    this.count++
  }

  #word(w: number): void {
    // Each lane: FNV-1a's xor-multiply on a whole word, plus a shift so that high bits reach low ones.
    const a = Math.imul(this.#a ^ w, 0x01000193)
    this.#a = a ^ (a >>> 15)
    const b = Math.imul(this.#b ^ w ^ (a >>> 7), 0x2c1b3c6d)
    this.#b = b ^ (b >>> 13)
  }

  /** The hash so far as 16 hex digits. */
  hex(): string {
    return (this.#b >>> 0).toString(16).padStart(8, '0') + (this.#a >>> 0).toString(16).padStart(8, '0')
  }
}
