/**
 * A tiny static server for dist/ under a base path, for the service-worker update test: unlike `vite preview` it
 * never answers 304 from stale file stats, and it can serve a second version of sw.js on demand (a new release).
 * It listens on a free port chosen by the system, so it cannot collide with other preview servers.
 */
import { createServer, type Server } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'
import type { AddressInfo } from 'node:net'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
}

export interface StaticServer {
  /** The app's URL, ending with the base path. */
  url: string
  /** From now on sw.js differs by a comment: to the browser, a new version of the app. */
  release(): void
  close(): Promise<void>
}

export async function serveDist(dir: string, base: string): Promise<StaticServer> {
  let version = 1
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
      if (!path.startsWith(base)) {
        res.writeHead(404).end()
        return
      }
      let rel = normalize(path.slice(base.length))
      if (rel.startsWith('..')) {
        res.writeHead(403).end()
        return
      }
      if (rel === '.' || rel === '' || rel.endsWith('/')) rel = join(rel, 'index.html')
      try {
        let body = await readFile(join(dir, rel))
        if (rel === 'sw.js' && version > 1) body = Buffer.concat([body, Buffer.from(`\n// version ${version}\n`)])
        res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream', 'cache-control': 'no-cache' })
        res.end(body)
      } catch {
        res.writeHead(404).end()
      }
    })()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}${base}`,
    release: () => void version++,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
