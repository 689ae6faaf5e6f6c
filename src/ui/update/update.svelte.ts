/**
 * The service worker's side of the screen: whether a new version of the app is waiting. The worker is registered
 * in 'prompt' mode: a new version installs in the background and waits; only `reloadToUpdate()` (the prompt's
 * button) tells it to take over, and the page reloads with it. Nothing swaps the code under a running cluster.
 */

export const update = $state({
  /** A new version is installed and waiting for the user. */
  waiting: false,
})

let applyUpdate: (() => Promise<void>) | null = null

/** Register the service worker (production builds only; `npm run dev` has none). */
export async function registerServiceWorker(): Promise<void> {
  if (!import.meta.env.PROD || typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return
  // Loaded after the first paint: workbox-window is not part of the first-load JavaScript.
  const { registerSW } = await import('virtual:pwa-register')
  applyUpdate = registerSW({
    onNeedRefresh: () => (update.waiting = true),
    // No service worker (private mode, an http origin other than localhost): the app still works online.
    onRegisterError: (e: unknown) => console.warn('Raft Lab: service worker not registered:', e),
  })
}

/** Let the waiting version take over; the page reloads once it controls it. */
export function reloadToUpdate(): void {
  void applyUpdate?.()
}

/** Hide the prompt until the next page load (the new version still waits). */
export function later(): void {
  update.waiting = false
}
