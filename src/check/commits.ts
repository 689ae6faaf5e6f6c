import type { Entry, NodeId } from '../raft/types.ts'

/**
 * The safety checker's global commit history (index -> term, kind, content, first node to apply it), kept small
 * because it grows with every committed entry for as long as the cluster runs:
 *
 * - terms as runs (the first index of each run of equal terms): one run per term that committed entries;
 * - the kind, whether it had data, and the first node to apply it (a code into a table of node ids) as runs too:
 *   a new run where one of them changes (a term's no-op, a configuration change, another first node);
 * - per index one 53-bit hash of its data, in a plain array of numbers (8 bytes an entry, plus the array's room
 *   to grow);
 * - the data itself only for the newest `keepText` entries (default 1,024), for comparing exactly and for naming
 *   them in a violation; older entries are compared by kind and hash, and named by hash.
 *
 * Nothing a check needs is dropped: every committed index keeps its term, kind and content hash, so a node that
 * re-applies or persists an old entry (a restart from an old disk, a new node catching up) is still compared with it.
 * Two different contents with the same 53-bit hash would go unnoticed beyond the newest entries: a chance of one in
 * 2^53 per differing entry.
 */
export class CommitHistory {
  /** Highest committed index (the history is dense from 1 to it). */
  #last = 0
  readonly #terms = new Runs()
  /** Per run: node code * 8 + (data undefined ? 4 : 0) + kind code. */
  readonly #meta = new Runs()
  /** Per index (at index - 1): hash of its data (0 without data). */
  readonly #hash: number[] = []
  readonly #nodes: NodeId[] = []
  readonly #nodeCode = new Map<NodeId, number>()
  /** Data of the newest `#keep` entries: index i at i % #keep. */
  readonly #text: (string | undefined)[]
  readonly #keep: number

  constructor(keepText = 1024) {
    this.#keep = Math.max(1, Math.floor(keepText))
    this.#text = new Array<string | undefined>(this.#keep)
  }

  /** Highest committed index; 0 when empty. */
  get last(): number {
    return this.#last
  }

  /** Term runs held (one per term with committed entries, in a correct run). */
  get runs(): number {
    return this.#terms.length
  }

  /** Runs of (kind, data or none, first node) held. */
  get metaRuns(): number {
    return this.#meta.length
  }

  /** How many entries keep their data (the newest ones). */
  get textKept(): number {
    return Math.min(this.#last, this.#keep)
  }

  /** Term of committed entry `index`; 0 for index 0; undefined beyond the history. */
  term(index: number): number | undefined {
    if (index === 0) return 0
    if (!(index >= 1 && index <= this.#last)) return undefined
    return this.#terms.at(index)
  }

  /** Calls `f(from, to, term)` for each run of equal terms over indexes `from..last`, in order, until it returns false. */
  forEachRun(from: number, f: (from: number, to: number, term: number) => boolean): void {
    if (from > this.#last) return
    this.#terms.forEach(Math.max(1, from), this.#last, f)
  }

  /** Append committed entry `last + 1`, first applied by `node`. */
  push(e: Entry, node: NodeId): void {
    const index = this.#last + 1
    let code = this.#nodeCode.get(node)
    if (code === undefined) {
      code = this.#nodes.length
      this.#nodes.push(node)
      this.#nodeCode.set(node, code)
    }
    this.#terms.push(index, e.term)
    this.#meta.push(index, code * 8 + (e.data === undefined ? 4 : 0) + KIND_CODE[e.kind])
    this.#hash.push(e.data === undefined ? 0 : hash53(e.data))
    this.#text[index % this.#keep] = e.data
    this.#last = index
  }

  /** The node that first applied `index` (1 <= index <= last). */
  node(index: number): NodeId {
    return this.#nodes[Math.floor(this.#meta.at(index) / 8)]
  }

  kind(index: number): Entry['kind'] {
    return KINDS[this.#meta.at(index) % 4]
  }

  /** The data of `index` while it is among the newest kept; undefined otherwise (or when it had none). */
  data(index: number): string | undefined {
    return this.#hasText(index) ? this.#text[index % this.#keep] : undefined
  }

  #hasText(index: number): boolean {
    return index >= 1 && index <= this.#last && index > this.#last - this.#keep
  }

  /** True when committed entry `index` has this kind and data (exactly while its data is kept, else by hash). */
  same(index: number, kind: Entry['kind'], data: string | undefined): boolean {
    const m = this.#meta.at(index)
    if (m % 4 !== KIND_CODE[kind] || (m & 4) !== (data === undefined ? 4 : 0)) return false
    if (data === undefined) return true
    if (this.#hasText(index)) return this.#text[index % this.#keep] === data
    return this.#hash[index - 1] === hash53(data)
  }

  /** Committed entry `index` for a sentence: its kind and data, or its data's hash once the data is no longer kept. */
  describe(index: number): string {
    const kind = this.kind(index)
    if (kind !== 'command') return kind
    if (this.#hasText(index)) return describe(kind, this.#text[index % this.#keep])
    return (this.#meta.at(index) & 4) !== 0 ? describe(kind, undefined) : `a command with hash ${this.#hash[index - 1].toString(16)} (its text is no longer kept)`
  }
}

/** A value per index 1, 2, ..., stored as runs of equal values (the first index of each run and its value). */
class Runs {
  readonly #start: number[] = []
  readonly #value: number[] = []
  /** Run found by the last lookup (lookups mostly stay near the end or move forward). */
  #hint = 0

  get length(): number {
    return this.#start.length
  }

  /** Index `index` (the next one) has `value`. */
  push(index: number, value: number): void {
    const n = this.#value.length
    if (n === 0 || this.#value[n - 1] !== value) {
      this.#start.push(index)
      this.#value.push(value)
    }
  }

  /** The value at `index` (1 <= index <= the last pushed). */
  at(index: number): number {
    return this.#value[this.#run(index)]
  }

  #run(index: number): number {
    const starts = this.#start
    const k = this.#hint
    if (starts[k] <= index && (k + 1 === starts.length || starts[k + 1] > index)) return k
    if (k + 1 < starts.length && starts[k + 1] <= index && (k + 2 === starts.length || starts[k + 2] > index)) return (this.#hint = k + 1)
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (starts[mid] <= index) lo = mid
      else hi = mid - 1
    }
    return (this.#hint = lo)
  }

  /** Calls `f(from, to, value)` for each run over `from..last`, in order, until it returns false. */
  forEach(from: number, last: number, f: (from: number, to: number, value: number) => boolean): void {
    const starts = this.#start
    for (let k = this.#run(from); k < starts.length; k++) {
      const to = k + 1 < starts.length ? starts[k + 1] - 1 : last
      if (!f(Math.max(from, starts[k]), to, this.#value[k])) return
    }
  }
}

const KINDS: Entry['kind'][] = ['command', 'noop', 'config']
const KIND_CODE: Record<Entry['kind'], number> = { command: 0, noop: 1, config: 2 }

/** A 53-bit hash of a string (two 32-bit multiply-xorshift lanes over its UTF-16 code units, then mixed). */
export function hash53(s: string): number {
  let a = 0xdeadbeef ^ s.length
  let b = 0x41c6ce57 ^ s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    a = Math.imul(a ^ c, 0x9e3779b1)
    b = Math.imul(b ^ c, 0x5f356495)
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b) ^ Math.imul(b ^ (b >>> 13), 0xc2b2ae35)
  b = Math.imul(b ^ (b >>> 16), 0x85ebca6b) ^ Math.imul(a ^ (a >>> 13), 0xc2b2ae35)
  return (b >>> 11) * 0x100000000 + (a >>> 0)
}

/** An entry's kind and data for a sentence (a command's data shortened to 60 characters). */
export function describe(kind: Entry['kind'], data: string | undefined): string {
  if (kind !== 'command') return kind
  const d = data ?? ''
  return JSON.stringify(d.length > 60 ? `${d.slice(0, 60)}...` : d)
}
