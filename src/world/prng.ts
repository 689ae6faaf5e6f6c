/**
 * A small, fast, seeded pseudo-random generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator),
 * with its 128-bit state expanded from the seed by splitmix32. Not cryptographic; it only has to be fast,
 * well mixed and reproducible on every JavaScript engine (all arithmetic is 32-bit integer arithmetic).
 */

/** The least a consumer of randomness needs (the network model and the Raft core take only this). */
export interface Random {
  /** A number in [0, 1). */
  next(): number
}

const TWO_POW_32 = 4294967296

/** One splitmix32 output for `state`; consecutive states give well-mixed, independent words. */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
  return (z ^ (z >>> 15)) >>> 0
}

/** FNV-1a over the UTF-16 code units of `s`, folded into `h`. */
function fnv1a(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * A seeded generator. The same seed gives the same sequence everywhere.
 *
 * `fork(label)` depends only on this generator's seed and the label, never on how many numbers were drawn,
 * so each part of the simulator can draw from its own stream: adding a draw in one place does not shift the
 * numbers seen anywhere else.
 */
export class Prng implements Random {
  /** The seed this generator was built from (an unsigned 53-bit integer or less). */
  readonly seed: number
  #a: number
  #b: number
  #c: number
  #d: number

  /** @param seed any integer in [0, 2^53); other numbers are truncated towards it. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`prng: seed must be a finite number, got ${seed}`)
    this.seed = Math.abs(Math.trunc(seed)) % 2 ** 53
    const lo = this.seed >>> 0
    const hi = Math.floor(this.seed / TWO_POW_32) >>> 0
    const s = lo ^ splitmix32(hi ^ 0x5bd1e995)
    this.#a = splitmix32(s)
    this.#b = splitmix32(s + 0x9e3779b9)
    this.#c = splitmix32(s + 0x3c6ef372)
    this.#d = splitmix32(hi + 0xdaa66d2b)
    // sfc32's first outputs are correlated with the raw state: discard them.
    for (let i = 0; i < 12; i++) this.uint32()
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  uint32(): number {
    const a = this.#a
    const b = this.#b
    const c = this.#c
    const t = (((a + b) | 0) + this.#d) | 0
    this.#d = (this.#d + 1) | 0
    this.#a = b ^ (b >>> 9)
    this.#b = (c + (c << 3)) | 0
    this.#c = (((c << 21) | (c >>> 11)) + t) | 0
    return t >>> 0
  }

  /** A number in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.uint32() / TWO_POW_32
  }

  /** An integer in [0, n). Requires 0 < n <= 2^32. */
  int(n: number): number {
    if (!(n > 0 && n <= TWO_POW_32)) throw new Error(`prng: int(n) needs 0 < n <= 2^32, got ${n}`)
    return Math.floor(this.next() * n)
  }

  /** An integer in [lo, hi], both inclusive. */
  between(lo: number, hi: number): number {
    if (hi < lo) throw new Error(`prng: between(${lo}, ${hi}) is empty`)
    return lo + this.int(hi - lo + 1)
  }

  /** True with probability `p` (p <= 0 is never, p >= 1 is always; neither draws a number). */
  chance(p: number): boolean {
    if (p <= 0) return false
    if (p >= 1) return true
    return this.next() < p
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(arr: readonly T[]): T {
    if (arr.length === 0) throw new Error('prng: pick from an empty array')
    return arr[this.int(arr.length)]
  }

  /** A shuffled copy of `arr` (Fisher-Yates). */
  shuffled<T>(arr: readonly T[]): T[] {
    const out = arr.slice()
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const x = out[i]
      out[i] = out[j]
      out[j] = x
    }
    return out
  }

  /**
   * An independent generator named `label`, derived from this generator's seed only. Forking the same label
   * twice gives the same stream; forks of forks are independent too.
   */
  fork(label: string): Prng {
    const h = fnv1a(0x811c9dc5 ^ (this.seed >>> 0), label)
    const hi = splitmix32(Math.floor(this.seed / TWO_POW_32) ^ h)
    // Keep the derived seed within 53 bits so that it round-trips through Number and the command line.
    return new Prng((hi & 0x1fffff) * TWO_POW_32 + splitmix32(h ^ (this.seed >>> 0)))
  }
}
