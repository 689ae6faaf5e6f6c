/**
 * The machine's own limits, measured inside the page with inline Blob workers, so the cluster's numbers can be
 * read as a fraction of what this browser, disk and CPU allow at all. Each function here is serialized into the
 * page by `page.evaluate`: it must not refer to anything outside itself.
 */

/** Which limits to measure (all by default). */
export type LimitName = 'oneTx' | 'perTx' | 'getAll' | 'getAll5' | 'roundTrips' | 'fanOut' | 'parallelTx' | 'txRound'

export interface Limits {
  /** Records written per second, all in one readwrite transaction. */
  idbRecordsPerSecOneTx: number
  /** Readwrite transactions per second, one record each, one after another. */
  idbTxPerSec: number
  /** Milliseconds to open a database and `getAll` its 10,000 records (fresh connection). */
  getAllMs: number
  /** Milliseconds for five workers to do the same on five databases at once. */
  getAll5Ms: number
  /** postMessage round trips per second between the page and one worker (small structured messages). */
  roundTripsPerSec: number
  /**
   * By number of workers N: rounds per second of one small message to each of N workers at once, waiting for all
   * N answers (the least a scheduling window of N nodes costs, with nothing computed and nothing written).
   */
  fanOutPerSec: Record<number, number>
  /**
   * By number of workers N: one-record readwrite transactions per second, summed over N workers each writing its
   * own database back to back (the browser's IndexedDB backend serves them; a window writes one per node).
   */
  parallelTxPerSec: Record<number, number>
  /**
   * By number of workers N: rounds per second of one small message to each of N workers, each of which commits one
   * one-record readwrite transaction to its own database before it answers, waiting for all N answers. This is the
   * least a scheduling window costs when N of its nodes write: each writes one transaction (group commit), and the
   * window's messages wait for all of them. Unlike `parallelTxPerSec` (each worker writing back to back, which
   * measures the backend's throughput), this measures the latency of one round.
   */
  txRoundPerSec: Record<number, number>
}

/**
 * Runs in the page. `records`: how many records (10,000); `perTx`: how many one-record transactions. On a shared
 * machine a limit drifts with the neighbours' load, so the benchmark measures the matching one again right
 * before each measurement (`only`); the five read-back databases are kept between calls (`keep`).
 * Unmeasured limits are NaN.
 */
export async function measureLimits(args: { records: number; perTx: number; roundTrips: number; only?: LimitName[]; keep?: boolean; workers?: number[] }): Promise<Limits> {
  const want = (x: LimitName) => !args.only || args.only.includes(x)
  // The worker: a few commands over IndexedDB and an echo, answering each with its own timing.
  const source = `
    const DATA = '{"v":1,"op":"set","key":"k1","value":"load1-7.12345","client":"load1-7#2","seq":1234}';
    function record(i) { return { value: { index: i, term: 3, kind: 'command', data: DATA }, sum: 123456789 }; }
    function req(r) { return new Promise((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); }); }
    function done(tx) { return new Promise((res, rej) => { tx.oncomplete = () => res(); tx.onabort = tx.onerror = () => rej(tx.error); }); }
    function open(name) {
      const r = indexedDB.open(name, 1);
      r.onupgradeneeded = () => r.result.createObjectStore('log');
      return req(r);
    }
    async function fill(name, n) {
      const db = await open(name);
      const tx = db.transaction('log', 'readwrite');
      const st = tx.objectStore('log');
      for (let i = 1; i <= n; i++) st.put(record(i), i);
      await done(tx);
      db.close();
    }
    onmessage = async (ev) => {
      const m = ev.data;
      try {
        if (m.cmd === 'echo') { postMessage(m); return; }
        if (m.cmd === 'oneTx') {
          const t0 = performance.now(); await fill(m.name, m.n); postMessage({ ms: performance.now() - t0 }); return;
        }
        if (m.cmd === 'perTx') {
          const db = await open(m.name);
          const t0 = performance.now();
          for (let i = 1; i <= m.n; i++) {
            const tx = db.transaction('log', 'readwrite');
            tx.objectStore('log').put(record(i), i);
            await done(tx);
          }
          const ms = performance.now() - t0;
          db.close();
          postMessage({ ms }); return;
        }
        if (m.cmd === 'keep') { self.kept = await open(m.name); self.next = 1; postMessage({ ok: true }); return; }
        if (m.cmd === 'tx1') {
          const tx = self.kept.transaction('log', 'readwrite');
          tx.objectStore('log').put(record(self.next), self.next++);
          await done(tx);
          postMessage({ ok: true }); return;
        }
        if (m.cmd === 'unkeep') { self.kept.close(); postMessage({ ok: true }); return; }
        if (m.cmd === 'fill') { await fill(m.name, m.n); postMessage({ ok: true }); return; }
        if (m.cmd === 'getAll') {
          const t0 = performance.now();
          const db = await open(m.name);
          const tx = db.transaction('log', 'readonly');
          const all = await req(tx.objectStore('log').getAll());
          const ms = performance.now() - t0;
          db.close();
          postMessage({ ms, n: all.length }); return;
        }
      } catch (e) { postMessage({ error: String(e) }); }
    };
  `
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }))
  const spawn = () => new Worker(url)
  const call = (w: Worker, msg: unknown) =>
    new Promise<{ ms: number; n?: number; error?: string }>((resolve, reject) => {
      w.onmessage = (ev) => (ev.data.error ? reject(new Error(ev.data.error)) : resolve(ev.data))
      w.postMessage(msg)
    })
  const drop = (name: string) =>
    new Promise<void>((resolve) => {
      const r = indexedDB.deleteDatabase(name)
      r.onsuccess = r.onerror = r.onblocked = () => resolve()
    })
  const scratch = ['bench-one', 'bench-per']
  const kept = [0, 1, 2, 3, 4].map((i) => `bench-get-${i}`)
  await Promise.all(scratch.map(drop))

  const w = spawn()
  const one = want('oneTx') ? await call(w, { cmd: 'oneTx', name: 'bench-one', n: args.records }) : { ms: NaN }
  const per = want('perTx') ? await call(w, { cmd: 'perTx', name: 'bench-per', n: args.perTx }) : { ms: NaN }

  // Five databases of `records` records, each read back by its own worker over a fresh connection.
  const ws = [0, 1, 2, 3, 4].map(() => spawn())
  let single = { ms: NaN }
  let getAll5Ms = NaN
  if (want('getAll') || want('getAll5')) {
    const first = await call(ws[0], { cmd: 'getAll', name: kept[0] })
    if (first.n !== args.records) {
      await Promise.all(kept.map(drop))
      await Promise.all(ws.map((x, i) => call(x, { cmd: 'fill', name: kept[i], n: args.records })))
    }
    if (want('getAll')) single = await call(ws[0], { cmd: 'getAll', name: kept[0] })
    if (want('getAll5')) {
      const t5 = performance.now()
      await Promise.all(ws.map((x, i) => call(x, { cmd: 'getAll', name: kept[i] })))
      getAll5Ms = performance.now() - t5
    }
  }

  // Round trips: one small message at a time, as the scheduler's steps are.
  const msg = { cmd: 'echo', batch: [{ type: 'tick' }, { type: 'message', msg: { type: 'MsgApp', from: 'n1', to: 'n2', term: 3, index: 10 } }] }
  let rtMs = NaN
  if (want('roundTrips')) {
    for (let i = 0; i < 200; i++) await call(w, msg)
    const tr = performance.now()
    for (let i = 0; i < args.roundTrips; i++) await call(w, msg)
    rtMs = performance.now() - tr
  }

  // Fan-out and parallel transactions, for each cluster size the benchmark runs.
  const fanOutPerSec: Record<number, number> = {}
  const parallelTxPerSec: Record<number, number> = {}
  const txRoundPerSec: Record<number, number> = {}
  const extra: Worker[] = []
  for (const n of args.workers ?? []) {
    const pool = Array.from({ length: n }, () => spawn())
    extra.push(...pool)
    if (want('fanOut')) {
      const rounds = Math.max(50, Math.round(args.roundTrips / n))
      for (let i = 0; i < 50; i++) await Promise.all(pool.map((x) => call(x, msg)))
      const t0 = performance.now()
      for (let i = 0; i < rounds; i++) await Promise.all(pool.map((x) => call(x, msg)))
      fanOutPerSec[n] = (rounds / (performance.now() - t0)) * 1000
    }
    if (want('parallelTx')) {
      const names = pool.map((_, i) => `bench-par-${n}-${i}`)
      await Promise.all(names.map(drop))
      const t0 = performance.now()
      await Promise.all(pool.map((x, i) => call(x, { cmd: 'perTx', name: names[i], n: args.perTx })))
      parallelTxPerSec[n] = ((n * args.perTx) / (performance.now() - t0)) * 1000
      await Promise.all(names.map(drop))
    }
    if (want('txRound')) {
      const names = pool.map((_, i) => `bench-round-${n}-${i}`)
      await Promise.all(names.map(drop))
      await Promise.all(pool.map((x, i) => call(x, { cmd: 'keep', name: names[i] })))
      const rounds = Math.max(30, Math.round(args.perTx / 2))
      for (let i = 0; i < 20; i++) await Promise.all(pool.map((x) => call(x, { cmd: 'tx1' })))
      const t0 = performance.now()
      for (let i = 0; i < rounds; i++) await Promise.all(pool.map((x) => call(x, { cmd: 'tx1' })))
      txRoundPerSec[n] = (rounds / (performance.now() - t0)) * 1000
      await Promise.all(pool.map((x) => call(x, { cmd: 'unkeep' })))
      await Promise.all(names.map(drop))
    }
  }

  for (const x of [w, ...ws, ...extra]) x.terminate()
  URL.revokeObjectURL(url)
  await Promise.all((args.keep ? scratch : [...scratch, ...kept]).map(drop))
  return {
    idbRecordsPerSecOneTx: (args.records / one.ms) * 1000,
    idbTxPerSec: (args.perTx / per.ms) * 1000,
    getAllMs: single.ms,
    getAll5Ms,
    roundTripsPerSec: (args.roundTrips / rtMs) * 1000,
    fanOutPerSec,
    parallelTxPerSec,
    txRoundPerSec,
  }
}
