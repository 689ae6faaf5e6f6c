import { chromium, defineConfig } from '@playwright/test'
import { findChromium, machine } from './scripts/browser.ts'

// Playwright cannot download its own browser on every machine: CHROMIUM_PATH, else a system Chromium when one is
// there, else Playwright's own (scripts/browser.ts, which `npm run test:e2e` runs first to set one up).
const found = findChromium(machine(() => chromium.executablePath()))
const systemChromium = found.ok ? found.executablePath : null
const base = '/raft-lab/'
// PW_PORT lets several checkouts run their browser tests side by side.
const port = Number(process.env.PW_PORT ?? 4173)

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 60_000,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'reports/e2e.json' }]] : 'list',
  use: {
    baseURL: `http://127.0.0.1:${port}${base}`,
    launchOptions: { chromiumSandbox: false, ...(systemChromium ? { executablePath: systemChromium } : {}) },
    trace: 'off',
    // The app follows the browser's language: the tests expect English unless they ask for another.
    locale: 'en-US',
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: `npx vite preview --base ${base} --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}${base}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
})
