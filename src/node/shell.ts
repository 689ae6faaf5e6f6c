/**
 * A node's shell: a NodeHost plus the disk it writes to. The same code serves the browser (an IndexedDB disk, every
 * write a promise, inside a Web Worker) and the simulator (a memory disk whose writes return at once, in-process):
 * `handle` runs synchronously as long as the disk does, so the simulator never waits on a promise.
 */
import type { Snapshot } from '../raft/types.ts'
import { NodeHost, type DiskWrite, type HostOptions, type Loaded } from './host.ts'
import { isPromise } from './failure.ts'
import type { HostInit, HostInput, HostOutput, Recovery } from './protocol.ts'

/** What a shell needs of a disk; a write may complete at once (memory) or later (IndexedDB). */
export interface ShellDisk {
  readonly kind: 'durable' | 'volatile'
  persist(w: DiskWrite): void | Promise<void>
  compact(s: Snapshot): void | Promise<void>
  close(): void
}

type Step = void | Promise<void>

/** Runs a generator that yields disk operations: synchronously until one of them is a promise. */
function run<T>(g: Generator<Step, T, void>): T | Promise<T> {
  for (;;) {
    const r = g.next()
    if (r.done) return r.value
    if (isPromise(r.value)) return r.value.then(() => run(g))
  }
}

export class NodeShell {
  readonly host: NodeHost
  readonly recovery: Recovery
  readonly #disk: ShellDisk
  readonly #staged: boolean
  /** A write waiting for the loop's `durable` input (HostInit.staged). */
  #stagedWrite: DiskWrite | null = null
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

  *#steps(inputs: HostInput[]): Generator<Step, HostOutput, void> {
    const host = this.host
    for (const i of inputs) {
      if (i.type === 'durable') {
        const w = this.#stagedWrite
        if (w === null) continue
        this.#stagedWrite = null
        yield this.#disk.persist(w)
        host.done()
        yield* this.#drain()
      } else host.input(i)
    }
    yield* this.#drain()
    const out = host.take()
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
        yield this.#disk.compact(io.snapshot)
        host.done()
      } else if (this.#staged) {
        this.#stagedWrite = io.write
        return
      } else {
        yield this.#disk.persist(io.write)
        host.done()
      }
    }
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
