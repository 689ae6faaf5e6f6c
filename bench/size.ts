/**
 * What a first visit downloads (not a test; `tests/e2e/first-load.spec.ts` is the gate): builds the app with the
 * GitHub Pages base into a temporary directory and prints every chunk of Vite's build manifest with its size and
 * gzipped size (gzip level 6, as the test measures), when it is loaded (before first paint: the entry and its static
 * imports, transitively; lazily: everything else), the total JavaScript before first paint against the 100 KB
 * gzipped budget, and whether cytoscape is a chunk of its own that only a dynamic import reaches. Ends with PASS or
 * FAIL lines and exits 0 either way.
 *
 *   npm run bench:size [-- --no-build]   (--no-build reads the existing dist/)
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const BUDGET = 100_000 // bytes of gzipped JavaScript before first paint (issue 10)

interface Chunk {
  file: string
  src?: string
  isEntry?: boolean
  isDynamicEntry?: boolean
  imports?: string[]
  dynamicImports?: string[]
  css?: string[]
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const build = !process.argv.includes('--no-build')
const dist = build ? mkdtempSync(join(tmpdir(), 'raftlab-size-')) : join(root, 'dist')

try {
  if (build) {
    const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js')
    const b = spawnSync(process.execPath, [vite, 'build', '--base', '/raft-lab/', '--outDir', dist, '--emptyOutDir', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
    if (b.status !== 0) throw new Error('vite build failed')
  }
  const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8')) as Record<string, Chunk>
  const entry = Object.keys(manifest).find((k) => manifest[k].isEntry)
  if (!entry) throw new Error('no entry chunk in the build manifest')
  const first = new Set<string>()
  const visit = (k: string) => {
    if (first.has(k)) return
    first.add(k)
    for (const i of manifest[k].imports ?? []) visit(i)
  }
  visit(entry)
  const size = (file: string) => {
    const b = readFileSync(join(dist, file))
    return { raw: b.length, gzip: gzipSync(b, { level: 6 }).length }
  }
  const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`
  const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length))
  const rows = Object.entries(manifest).map(([k, c]) => ({ key: k, file: c.file, when: first.has(k) ? 'before first paint' : c.isDynamicEntry ? 'lazy (dynamic import)' : 'lazy (imported by a lazy chunk)', ...size(c.file) }))
  const css = [...new Set([...first].flatMap((k) => manifest[k].css ?? []))].map((file) => ({ file, ...size(file) }))
  rows.sort((a, b) => Number(b.when === 'before first paint') - Number(a.when === 'before first paint') || b.gzip - a.gzip)
  console.log(pad('chunk', 46) + pad('when', 34) + pad('size', 12) + 'gzipped')
  for (const r of rows) console.log(pad(r.file, 46) + pad(r.when, 34) + pad(kb(r.raw), 12) + kb(r.gzip))
  for (const c of css) console.log(pad(c.file, 46) + pad('before first paint (CSS)', 34) + pad(kb(c.raw), 12) + kb(c.gzip))
  // Scripts outside the manifest: the node worker (one per node, when the cluster starts) and the service worker.
  const listed = new Set(rows.map((r) => r.file))
  const others = [
    ...readdirSync(join(dist, 'assets')).map((f) => `assets/${f}`),
    ...readdirSync(dist),
  ].filter((f) => f.endsWith('.js') && !listed.has(f))
  for (const f of others) {
    const z = size(f)
    console.log(pad(f, 46) + pad(f.startsWith('assets/') ? 'lazy (a web worker)' : 'background (service worker)', 34) + pad(kb(z.raw), 12) + kb(z.gzip))
  }

  const firstJs = rows.filter((r) => r.when === 'before first paint').reduce((s, r) => s + r.gzip, 0)
  const cy = Object.keys(manifest).filter((k) => /cytoscape/.test(k))
  const cyFirst = [...first].filter((k) => /cytoscape/.test(k))
  const cyLazy = cy.length === 1 && manifest[cy[0]].isDynamicEntry === true && cyFirst.length === 0
  const cySize = cy.length === 1 ? size(manifest[cy[0]].file) : null
  console.log('')
  console.log(`${firstJs <= BUDGET ? 'PASS' : 'FAIL'} JavaScript before first paint: ${kb(firstJs)} gzipped in ${first.size} chunks (budget ${kb(BUDGET)}; CSS ${kb(css.reduce((s, c) => s + c.gzip, 0))} more)`)
  console.log(
    `${cyLazy ? 'PASS' : 'FAIL'} cytoscape in its own lazily loaded chunk: ${cy.length === 1 ? `${manifest[cy[0]].file}, ${kb(cySize!.gzip)} gzipped, ${manifest[cy[0]].isDynamicEntry ? 'reached by a dynamic import' : 'not a dynamic entry'}` : `${cy.length} chunks match`}` +
      `${cyFirst.length ? `, but loaded before first paint by ${cyFirst.join(', ')}` : ''}`,
  )
  console.log(`BENCH ${JSON.stringify({ firstPaintGzip: firstJs, budget: BUDGET, cytoscapeLazy: cyLazy, chunks: rows.map(({ file, when, raw, gzip }) => ({ file, when, raw, gzip })), css })}`)
} finally {
  if (build) rmSync(dist, { recursive: true, force: true })
}
