import { describe, it, expect, vi, afterEach } from 'vitest'
import { MAX_PREWARM, WorkerPool, parseHint } from '../../../src/browser/prewarm.ts'

/** A stand-in for Worker: records its name and whether it was terminated. */
class FakeWorker {
  terminated = false
  readonly name: string
  constructor(name: string) {
    this.name = name
  }
  terminate(): void {
    this.terminated = true
  }
}

function memoryStorage(init: Record<string, string> = {}): Pick<Storage, 'getItem' | 'setItem'> & { data: Record<string, string> } {
  const data = { ...init }
  return { data, getItem: (k) => data[k] ?? null, setItem: (k, v) => void (data[k] = v) }
}

function pool(storage: ReturnType<typeof memoryStorage> | null) {
  const spawned: FakeWorker[] = []
  const p = new WorkerPool((id) => {
    const w = new FakeWorker(id)
    spawned.push(w)
    return w as unknown as Worker
  }, { storage })
  return { p, spawned }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('WorkerPool', () => {
  it("spawns the cluster's last nodes and hands each its own worker", () => {
    const { p, spawned } = pool(memoryStorage({ 'raftlab/bench/nodes': JSON.stringify(['n1', 'n2', 'n3', 'n4', 'n5']) }))
    p.warm('bench')
    expect(spawned.map((w) => w.name)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5'])
    expect((p.claim('n4') as unknown as FakeWorker).name).toBe('n4')
    expect((p.claim('n1') as unknown as FakeWorker).name).toBe('n1')
    expect(p.spares).toBe(3)
    p.releaseSpares()
    expect(spawned.filter((w) => w.terminated).map((w) => w.name)).toEqual(['n2', 'n3', 'n5'])
    expect(p.claim('n2')).toBeNull()
  })

  it('spawns the default three without a hint, and gives a spare to a node of another name', () => {
    const { p, spawned } = pool(memoryStorage())
    p.warm('fresh')
    expect(spawned.map((w) => w.name)).toEqual(['n1', 'n2', 'n3'])
    expect(p.claim('n9')).not.toBeNull()
    expect(p.spares).toBe(2)
    p.releaseSpares()
  })

  it('remembers the nodes for the next start, per cluster, and ignores a malformed hint', () => {
    const storage = memoryStorage({ 'raftlab/b/nodes': '{"not":"a list"}' })
    const first = pool(storage)
    first.p.warm('b')
    expect(first.spawned.map((w) => w.name)).toEqual(['n1', 'n2', 'n3'])
    first.p.releaseSpares()
    first.p.remember('a', ['n1', 'n2', 'n7'])
    const second = pool(storage)
    second.p.warm('a')
    expect(second.spawned.map((w) => w.name)).toEqual(['n1', 'n2', 'n7'])
    second.p.releaseSpares()
    expect(parseHint(JSON.stringify(Array.from({ length: 20 }, (_, i) => `n${i + 1}`)))).toHaveLength(MAX_PREWARM)
    expect(parseHint('["n1","<script>"]')).toBeNull()
    expect(parseHint(null)).toBeNull()
  })

  it('terminates the workers nobody claims after a while (a lesson, another tab holding the cluster)', () => {
    vi.useFakeTimers()
    const { p, spawned } = pool(null)
    p.warm('x', 1000)
    expect(spawned).toHaveLength(3)
    vi.advanceTimersByTime(999)
    expect(spawned.some((w) => w.terminated)).toBe(false)
    vi.advanceTimersByTime(1)
    expect(spawned.every((w) => w.terminated)).toBe(true)
    expect(p.spares).toBe(0)
  })

  it('spawns nothing more when workers cannot be made, and storage that throws is no hint', () => {
    const throwing = { getItem: () => { throw new Error('denied') }, setItem: () => { throw new Error('denied') } }
    let calls = 0
    const p = new WorkerPool(() => {
      calls++
      throw new Error('no workers')
    }, { storage: throwing })
    p.warm('x')
    expect(calls).toBe(1)
    expect(p.claim('n1')).toBeNull()
    expect(() => p.remember('x', ['n1'])).not.toThrow()
  })
})
