/**
 * A node's shell: a NodeHost plus the disk it writes to. The same code serves the browser (an IndexedDB disk, every
 * write a promise, inside a Web Worker) and the simulator (a memory disk whose writes return at once, in-process):
 * `handle` runs synchronously as long as the disk does, so the simulator never waits on a promise.
 */
import type { Snapshot } from '../raft/types.ts'
import { NodeHost, type DiskWrite, type HostOptions, type Loaded } from './host.ts'
import { errorFields, isPromise } from './failure.ts'
import { mergeCompaction, mergeWrites } from './group.ts'
import type { HostInit, HostInput, HostOutput, Recovery, WindowOutput } from './protocol.ts'

/** What a shell needs of a disk; a write may complete at once (memory) or later (IndexedDB). */
export interface ShellDisk {
  readonly kind: 'durable' | 'volatile'
  persist(w: DiskWrite): void | Promise<void>
  compact(s: Snapshot): void | Promise<void>
  close(): void
}

type Step = void | Promise<void>

/**
 * Runs a generator that yields disk operations: synchronously until one of them is a promise. A disk operation
 * that fails is thrown into the generator at its `yield`.
 */
function run<T>(g: Generator<Step, T, void>, failed?: { err: unknown }): T | Promise<T> {
  for (;;) {
    const r = failed ? g.throw(failed.err) : g.next()
    failed = undefined
    if (r.done) return r.value
    if (isPromise(r.value)) return r.value.then(() => run(g), (err: unknown) => run(g, { err }))
  }
}


/** A group's write failed: `batch` is the first batch whose write it held. */
class GroupWriteError extends Error {
  readonly batch: number
  override readonly cause: unknown
  constructor(batch: number, cause: unknown) {
    super('group write failed')
    this.batch = batch
    this.cause = cause
  }
}

export class NodeShell {
  readonly host: NodeHost
  readonly recovery: Recovery
  readonly #disk: ShellDisk
  readonly #staged: boolean
  /** A write waiting for the loop's `durable` input (HostInit.staged). */
  #stagedWrite: DiskWrite | null = null
  /** Inside a window (group commit): the writes made so far, merged, not on the disk yet. */
  #group: { write: DiskWrite | null; from: number; batch: number } | null = null
  #closed = false

  private constructor(host: NodeHost, recovery: Recovery, disk: ShellDisk, staged: boolean) {
    this.host = host
    this.recovery = recovery
    this.#disk = disk
    this.#staged = staged
  }

  /**
   * Starts a node from what its disk holds and replays its committed entries. Returns the shell and its first
   * output (the recovered log, the replayed state).
   */
  static start(init: HostInit, loaded: Loaded, disk: ShellDisk, opts: HostOptions = {}): { shell: NodeShell; output: HostOutput } | Promise<{ shell: NodeShell; output: HostOutput }> {
    const { host, recovery } = NodeHost.boot(init, loaded, opts)
    const shell = new NodeShell(host, recovery, disk, !!init.staged)
    const out = shell.handle([])
    return isPromise(out) ? out.then((output) => ({ shell, output })) : { shell, output: out }
  }

  /** Takes a batch of inputs in order, then runs the node until it is quiet (or waits for a staged write). */
  handle(inputs: HostInput[]): HostOutput | Promise<HostOutput> {
    if (this.#closed) throw new Error(`${this.host.id} is down`)
    return run(this.#steps(inputs))
  }

  *#steps(inputs: HostInput[], summary = true): Generator<Step, HostOutput, void> {
    const host = this.host
    for (const i of inputs) {
      if (i.type === 'durable') {
        const w = this.#stagedWrite
        if (w === null) continue
        this.#stagedWrite = null
        yield* this.#persist(w)
        host.done()
        yield* this.#drain()
      } else host.input(i)
    }
    yield* this.#drain()
    const out = host.take(summary)
    if (this.#stagedWrite !== null) out.diskPending = true
    return out
  }

  *#drain(): Generator<Step, void, void> {
    const host = this.host
    for (;;) {
      if (this.#stagedWrite !== null) return
      const io = host.next()
      if (io === null) return
      if (io.kind === 'compact') {
        yield* this.#compact(io.snapshot)
        host.done()
      } else if (this.#staged) {
        this.#stagedWrite = io.write
        return
      } else {
        yield* this.#persist(io.write)
        host.done()
      }
    }
  }

  /** A write: to the disk now, or (inside a window) into the group, merged with the window's earlier writes. */
  *#persist(w: DiskWrite): Generator<Step, void, void> {
    const g = this.#group
    if (g === null) {
      yield this.#disk.persist(w)
      return
    }
    yield* this.#hold(g.write && mergeWrites(g.write, w), w)
  }

  /**
   * A local compaction: to the disk now, or (inside a window) into the group's write, so that the window still
   * commits once. Like a merged write, it is on the disk before any of the window's messages leave.
   */
  *#compact(snap: Snapshot): Generator<Step, void, void> {
    const g = this.#group
    if (g === null) {
      yield this.#disk.compact(snap)
      return
    }
    yield* this.#hold(g.write && mergeCompaction(g.write, snap), { entries: [], snapshot: snap })
  }

  /**
   * Inside a window: the group's write becomes `merged` (the operation folded into it); when it could not be
   * merged, the group's write goes to the disk first and `alone` (the operation as a write) starts the group.
   */
  *#hold(merged: DiskWrite | null, alone: DiskWrite): Generator<Step, void, void> {
    const g = this.#group!
    if (merged !== null) {
      g.write = merged
      return
    }
    yield* this.#flush()
    g.write = alone
    g.from = g.batch
  }

  /** Writes the group's merged write (one transaction). A failure names the first batch whose write it held. */
  *#flush(): Generator<Step, void, void> {
    const g = this.#group
    if (g === null || g.write === null) return
    const w = g.write
    g.write = null
    try {
      yield this.#disk.persist(w)
    } catch (e) {
      throw new GroupWriteError(g.from, e)
    }
  }

  /**
   * Takes the batches of one scheduling window, in order, and answers each as `handle` would, with one difference
   * that nobody outside can see: the window's writes are merged and made durable once, at the end (group commit),
   * and the outputs (messages, replies) are returned only after that. The host acts on a write as durable when it
   * is merged: nothing it sends leaves this call before the write is on the disk. A batch whose host throws, or
   * whose write fails, ends the window: `failure.at` is that batch, the outputs before it stand.
   */
  handleWindow(batches: HostInput[][]): WindowOutput | Promise<WindowOutput> {
    if (this.#closed) throw new Error(`${this.host.id} is down`)
    return run(this.#window(batches))
  }

  *#window(batches: HostInput[][]): Generator<Step, WindowOutput, void> {
    const outputs: HostOutput[] = []
    const group = !this.#staged && batches.length > 1
    if (group) this.#group = { write: null, from: 0, batch: 0 }
    let failure: WindowOutput['failure']
    try {
      for (let k = 0; k < batches.length; k++) {
        if (this.#group) this.#group.batch = k
        try {
          // Only the window's last batch carries the node's summary: the page draws the latest one.
          outputs.push(yield* this.#steps(batches[k], k === batches.length - 1))
        } catch (e) {
          // A write that failed inside the group fails the batch that made it (and every later one).
          failure = e instanceof GroupWriteError ? { at: e.batch, ...errorFields(e.cause) } : { at: k, ...errorFields(e) }
          break
        }
      }
      // What the batches before a failure wrote was durable for them: it goes to the disk in any case.
      try {
        yield* this.#flush()
      } catch (e) {
        const g = e as GroupWriteError
        if (!failure || g.batch < failure.at) failure = { at: g.batch, ...errorFields(g.cause) }
      }
    } finally {
      this.#group = null
    }
    if (failure) {
      outputs.length = Math.min(outputs.length, failure.at)
      return { outputs, failure }
    }
    return { outputs }
  }

  /** Whether a write is staged, waiting for the loop's `durable` input. */
  get staging(): boolean {
    return this.#stagedWrite !== null
  }

  /** A crash: the disk is released and a staged write is lost. */
  close(): void {
    this.#closed = true
    this.#stagedWrite = null
    this.#disk.close()
  }
}
