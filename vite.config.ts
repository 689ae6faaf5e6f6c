/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { VitePWA } from 'vite-plugin-pwa'

// GitHub Pages serves a project site under /<repo>/: set BASE_PATH (or pass --base) to match.
const base = process.env.BASE_PATH ?? '/'

export default defineConfig({
  base,
  plugins: [
    svelte(),
    // Offline after the first visit: a service worker precaches the app, the node worker and the lazy chunks
    // (cytoscape). Its scope and URLs follow `base`. 'prompt': a new version waits until the user clicks
    // "Reload to update" (src/ui/update/); it never takes over a running cluster by itself. Build only: `npm run
    // dev` has no service worker.
    VitePWA({
      registerType: 'prompt',
      injectRegister: false,
      manifest: {
        name: 'Raft Lab',
        short_name: 'Raft Lab',
        description: 'Watch and break a real Raft cluster in your browser.',
        theme_color: '#6a3d9a',
        background_color: '#f7f7f4',
        icons: [{ src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        // The web manifest is added by the plugin itself.
        globPatterns: ['**/*.{js,css,html,svg,png}'],
        // The lazy cytoscape chunk is about 430 KB: well under this, but say so rather than rely on the default.
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  worker: { format: 'es' },
  // manifest: the first-load budget test (tests/unit/build/first-load.test.ts) reads the entry's static imports.
  build: { target: 'es2022', sourcemap: false, manifest: true },
  preview: { port: 4173, strictPort: true },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'reports/unit.json' }]] : ['default'],
    // Two workers even on a 2-core machine (vitest would use one): the fuzz files then run side by side.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
})
