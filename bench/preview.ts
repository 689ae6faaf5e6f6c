/**
 * What the browser benchmarks share: a Chromium to launch (CHROMIUM_PATH, else a `chromium` on the PATH, else
 * Playwright's own) and a `vite preview` server of the build with the GitHub Pages base.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'

export const BASE = '/raft-lab/'

export function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const p = join(dir, name)
      if (dir && existsSync(p)) return p
    }
  }
  return undefined
}

async function waitHttp(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms
  let last: unknown = null
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return
    } catch (e) {
      last = e
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`preview server did not start at ${url}: ${String((last as { cause?: unknown })?.cause ?? last)}`)
}

/**
 * Build (unless `build` is false), serve `dist/` (or `outDir`, an earlier build) on `port`, and return the app's URL
 * and a function that stops it.
 */
export async function preview(port: number, build = true, outDir?: string): Promise<{ root: string; stop: () => void }> {
  if (build) {
    const b = spawnSync('npx', ['vite', 'build', '--base', BASE], { stdio: 'inherit' })
    if (b.status !== 0) throw new Error('build failed')
  }
  const dir = outDir ? ['--outDir', outDir] : []
  const server: ChildProcess = spawn('npx', ['vite', 'preview', '--base', BASE, ...dir, '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  })
  server.stdout?.resume()
  // A server that cannot start (the port is taken) must not let the benchmark measure whatever else answers there.
  let exited: number | null = null
  server.on('exit', (code) => (exited = code ?? -1))
  const stop = () => {
    try {
      if (server.pid) process.kill(-server.pid)
    } catch {
      // already gone
    }
  }
  const root = `http://127.0.0.1:${port}${BASE}`
  try {
    await waitHttp(root, 30_000)
    await new Promise((r) => setTimeout(r, 500))
    if (exited !== null) throw new Error(`vite preview exited (${exited}): is port ${port} in use?`)
  } catch (e) {
    stop()
    throw e
  }
  return { root, stop }
}
