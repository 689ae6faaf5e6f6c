/**
 * Starting the page's cluster: open it (recovering every node from its database, or creating it) and start the
 * clock. Every failure ends up in the runtime's status, which the banner shows; the page never goes blank.
 *
 *   await bootRuntime(runtime)                     // recover the stored cluster or create the default one
 *   await bootRuntime(runtime, { fresh: spec })    // start `spec` afresh, wiping any stored one
 *
 * `?autoplay=0` in the URL opens the cluster paused (tests drive virtual time themselves).
 */
import type { ClusterRuntime } from '../browser/runtime.ts'
import type { ClusterSpec } from '../browser/scheduler.ts'
import { strings } from './strings.ts'

export interface BootOptions {
  /** Start this cluster afresh instead of recovering the stored one. */
  fresh?: ClusterSpec
  /** Start the clock once open; default: true unless the URL says `autoplay=0`. */
  autoplay?: boolean
  /**
   * With `fresh`: if this browser holds a different cluster, recover it (paused) and let the user choose instead
   * of wiping it (see ClusterRuntime.open).
   */
  ask?: boolean
}

/** `?autoplay=0` (or `false`, `no`, `off`) opens the cluster paused. */
export function autoplayFromUrl(href: string): boolean {
  try {
    const v = new URL(href).searchParams.get('autoplay')
    return v === null || !/^(0|false|no|off)$/i.test(v)
  } catch {
    return true
  }
}

function defaultAutoplay(): boolean {
  return typeof location === 'undefined' ? true : autoplayFromUrl(location.href)
}

function text(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

// One boot per runtime: the page and the UI may both ask for it.
const booted = new WeakMap<ClusterRuntime, Promise<boolean>>()

/**
 * Open the runtime and, unless told otherwise, play. Resolves true when the cluster runs in this tab, false when
 * another tab holds it (the status then says so and offers to take over) or when opening failed (the status
 * holds the error). Never rejects. Calling it again for the same runtime returns the first call's promise.
 */
export function bootRuntime(runtime: ClusterRuntime, opts: BootOptions = {}): Promise<boolean> {
  let p = booted.get(runtime)
  if (!p) {
    p = start(runtime, () => runtime.open(opts.fresh, false, opts.ask), opts.autoplay)
    booted.set(runtime, p)
  }
  return p
}

/** "Take over here": move the cluster from another tab to this one, and play. Never rejects. */
export function takeOverHere(runtime: ClusterRuntime, opts: BootOptions = {}): Promise<boolean> {
  return start(runtime, () => runtime.takeOver(opts.fresh, opts.ask), opts.autoplay)
}

async function start(runtime: ClusterRuntime, open: () => Promise<boolean>, autoplay = defaultAutoplay()): Promise<boolean> {
  try {
    if (!(await open())) return false
    // While the user chooses between a link's cluster and the stored one, the stored one stays paused.
    if (autoplay && !runtime.status.choice) runtime.driver?.play()
    return true
  } catch (e) {
    runtime.reportError(strings.runtime.couldNotStart(text(e)))
    return false
  }
}
