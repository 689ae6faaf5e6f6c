import { mount } from 'svelte'
import LabApp from './ui/LabApp.svelte'
import { ClusterRuntime } from './browser/runtime.ts'
import type { PortFactory } from './browser/scheduler.ts'
import { clusterNameFromUrl, readLaunch, setupToSpec } from './ui/url.ts'
import { bootRuntime } from './ui/boot.ts'
import { exposeRuntime } from './ui/test-api.ts'
import UpdatePrompt from './ui/update/UpdatePrompt.svelte'
import { registerServiceWorker } from './ui/update/update.svelte.ts'
import { initialLocale, setLocale, storedLocale } from './ui/locale.ts'
import { WorkerPool, spawnNodeWorker } from './browser/prewarm.ts'
import { strings } from './ui/strings.ts'

/** localStorage, or null where it is disabled (reading it can throw). */
function localStore(): Storage | null {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null
  }
}

const target = document.getElementById('app')
if (!target) throw new Error('Raft Lab: #app element missing from index.html')

// Each node in its own Web Worker (src/browser/worker-host.ts, loaded with the cluster's code after the first paint).
// The workers themselves are spawned now, so their scripts load while the page starts (src/browser/prewarm.ts).
const clusterName = clusterNameFromUrl(location.href)
const pool = new WorkerPool(spawnNodeWorker, { storage: localStore() })
if (!readLaunch(location.href).scenario) pool.warm(clusterName)
let workers: PortFactory | null = null
const factory: PortFactory = async (init) => {
  workers ??= (await import('./browser/worker-host.ts')).workerFactory((id) => pool.claim(id) ?? spawnNodeWorker(id))
  return workers(init)
}

const runtime = new ClusterRuntime(clusterName, {
  factory,
  locks: typeof navigator !== 'undefined' && 'locks' in navigator ? navigator.locks : null,
})

// Tests (and curious students, from the console) reach the running cluster as `window.__raftlab`.
exposeRuntime(runtime)

addEventListener('pagehide', () => {
  // The nodes running now are the ones a reload recovers: their workers are spawned first next time.
  if (runtime.sched && !runtime.inLesson) pool.remember(runtime.clusterName, runtime.sched.nodeIds())
  void runtime.close()
})

// The page's language first (?lang=, the switch's remembered choice, the browser's languages): the link's error
// sentences and the first render are in it. Chinese is its own chunk; if it cannot load, the page stays in English
// and says so.
const lang = initialLocale(location.href, storedLocale(), navigator.languages ?? [navigator.language])
let langError: string | null = null
if (lang !== 'en') await setLocale(lang).catch((e: unknown) => (langError = strings.lang.loadFailed(e instanceof Error ? e.message : String(e))))

// A shared link carries a whole setup: it starts that cluster afresh, but if this browser holds a different one the
// user is asked first (nothing is deleted silently); otherwise the stored one is recovered.
const launch = readLaunch(location.href)
if (langError) launch.notice = langError
const app = mount(LabApp, { target, props: { runtime, launch } })
// Open (recover or create) the cluster after the first render, so the banner can show every step.
// A scenario's link plays the scenario first; the stored cluster is opened when it ends (src/ui/state/scenarios.svelte.ts, src/ui/scenario/lesson.svelte.ts).
if (!launch.scenario) {
  // The workers' side of the page loads with the cluster's code, not after it (the nodes wait for both).
  void import('./browser/worker-host.ts').catch(() => undefined)
  void bootRuntime(runtime, launch.setup ? { fresh: setupToSpec(launch.setup, runtime.clusterName), ask: true } : {}).then(() => {
    pool.releaseSpares()
    if (runtime.sched) pool.remember(runtime.clusterName, runtime.sched.nodeIds())
  })
}

// Offline after the first visit; a new version waits for the user's "Reload to update" (src/ui/update/).
mount(UpdatePrompt, { target: document.body })
void registerServiceWorker()

export default app
