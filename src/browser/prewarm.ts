/**
 * Node workers spawned before the page knows it needs them. A module worker takes a few hundred milliseconds to
 * fetch, parse and evaluate its script (five at once on a small machine, longer), and the page's own start (its
 * modules, the first render, the tab lock, the settings, the cluster's code) takes about as long: spawned when the
 * page's entry module runs, the workers are ready when the nodes start, so a reload waits for one of the two, not
 * for both. Only the script is loaded early: a worker touches no database until its node is started, after the tab
 * holds the cluster's lock.
 *
 * Which workers: the nodes this browser's cluster ran at its last start (a hint kept in localStorage), or the
 * default cluster's three when there is none. A worker is handed to the node of its name, or to any node when none
 * matches; the ones no node claims are terminated once the cluster runs (`releaseSpares`), or after a while if it
 * never does (a lesson's link, another tab holding the cluster).
 */
import type { NodeId } from '../raft/types.ts'

/** Starts a node worker named `name` (a node id). */
export type SpawnWorker = (name: NodeId) => Worker

export interface PrewarmOptions {
  /** Where the hint is kept; null when there is none (storage disabled). */
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null
}

/** The nodes started when no hint is kept (the default cluster's). */
const DEFAULT_NODES: NodeId[] = ['n1', 'n2', 'n3']
/** At most this many workers are spawned ahead, whatever the hint says. */
export const MAX_PREWARM = 9
const ID_RE = /^n\d{1,4}$/

function hintKey(cluster: string): string {
  return `raftlab/${cluster}/nodes`
}

/** The node ids in a stored hint, or null when it is missing or malformed. */
export function parseHint(text: string | null): NodeId[] | null {
  if (text === null) return null
  try {
    const v: unknown = JSON.parse(text)
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && ID_RE.test(x))) return null
    return [...new Set(v as string[])].slice(0, MAX_PREWARM)
  } catch {
    return null
  }
}

export class WorkerPool {
  readonly #spawn: SpawnWorker
  readonly #storage: PrewarmOptions['storage']
  readonly #spare = new Map<NodeId, Worker>()
  #timer: ReturnType<typeof setTimeout> | null = null

  constructor(spawn: SpawnWorker, opts: PrewarmOptions = {}) {
    this.#spawn = spawn
    this.#storage = opts.storage ?? null
  }

  /** Spawn a worker for each node `cluster` ran last time (or the default three). Never throws. */
  warm(cluster: string, spareMs = 20_000): void {
    let ids = DEFAULT_NODES
    try {
      ids = parseHint(this.#storage?.getItem(hintKey(cluster)) ?? null) ?? DEFAULT_NODES
    } catch {
      // No storage (private mode, disabled): the default.
    }
    for (const id of ids) {
      if (this.#spare.has(id)) continue
      try {
        this.#spare.set(id, this.#spawn(id))
      } catch {
        // No workers here: the nodes spawn their own when they start, and report why they cannot.
        break
      }
    }
    if (this.#spare.size > 0) this.#timer = setTimeout(() => this.releaseSpares(), spareMs)
  }

  /** A spawned worker for node `id` (the one named after it, else any), or null when none is left. */
  claim(id: NodeId): Worker | null {
    let w = this.#spare.get(id)
    let key = id
    if (!w) {
      const first = this.#spare.entries().next()
      if (first.done) return null
      ;[key, w] = first.value
    }
    this.#spare.delete(key)
    return w
  }

  /** How many spawned workers no node has claimed. */
  get spares(): number {
    return this.#spare.size
  }

  /** Terminate the workers no node claimed. */
  releaseSpares(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    for (const w of this.#spare.values()) w.terminate()
    this.#spare.clear()
  }

  /** Keep `nodes` as the hint for the next start of `cluster`. Never throws. */
  remember(cluster: string, nodes: readonly NodeId[]): void {
    try {
      this.#storage?.setItem(hintKey(cluster), JSON.stringify(nodes.slice(0, MAX_PREWARM)))
    } catch {
      // Storage full or disabled: the next start spawns the default.
    }
  }
}

/** A node's worker, as the page runs it (src/browser/node.worker.ts). */
export function spawnNodeWorker(id: NodeId): Worker {
  return new Worker(new URL('./node.worker.ts', import.meta.url), { type: 'module', name: `raft-${id}` })
}
