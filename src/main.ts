import { mount } from 'svelte'
import App from './ui/App.svelte'
import { ClusterRuntime } from './cluster/runtime.ts'
import { workerFactory } from './cluster/worker-host.ts'
import { clusterNameFromUrl, readLaunch, setupToSpec } from './ui/url.ts'
import { bootRuntime } from './ui/boot.ts'
import { LoadGenerator } from './cluster/workload.ts'
import UpdatePrompt from './ui/update/UpdatePrompt.svelte'
import { registerServiceWorker } from './ui/update/update.svelte.ts'

const target = document.getElementById('app')
if (!target) throw new Error('Raft Lab: #app element missing from index.html')

const runtime = new ClusterRuntime(clusterNameFromUrl(location.href), {
  factory: workerFactory(),
  locks: typeof navigator !== 'undefined' && 'locks' in navigator ? navigator.locks : null,
})

// Tests and curious students can reach the running cluster from the console.
;(globalThis as unknown as { __raftlab: unknown }).__raftlab = { runtime, LoadGenerator }

addEventListener('pagehide', () => {
  void runtime.close()
})

// A shared link carries a whole setup: it starts that cluster afresh, but if this browser holds a different one the
// user is asked first (nothing is deleted silently); otherwise the stored one is recovered.
const launch = readLaunch(location.href)
const app = mount(App, { target, props: { runtime, launch } })
// Open (recover or create) the cluster after the first render, so the banner can show every step.
void bootRuntime(runtime, launch.setup ? { fresh: setupToSpec(launch.setup, runtime.clusterName), ask: true } : {})

// Offline after the first visit; a new version waits for the user's "Reload to update" (src/ui/update/).
mount(UpdatePrompt, { target: document.body })
void registerServiceWorker()

export default app
