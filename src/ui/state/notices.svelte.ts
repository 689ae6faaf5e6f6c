/**
 * What the page tells the user beside the cluster: banner sentences, the action in progress, a share link that could
 * not be copied. Every action runs through `act`, so a failure becomes a sentence, never an exception in the console.
 */
import { strings } from '../strings.ts'

export interface Banner {
  id: number
  kind: 'error' | 'info'
  text: string
  action?: 'takeOver' | 'reload'
}

export class Notices {
  banners = $state.raw<Banner[]>([])
  /** The action in progress (a membership change, a fast-forward), shown on the graph; others wait for it. */
  busy = $state<string | null>(null)
  /** A share link the clipboard refused, shown for copying by hand. */
  shareText = $state<string | null>(null)

  /** Why actions are refused now (a scenario plays), or null: `act` then only says so. */
  guard: () => string | null = () => null

  #seq = 0
  readonly #settled: () => void

  /** `settled` runs after every action, failed or not (the screen publishes and redraws). */
  constructor(settled: () => void) {
    this.#settled = settled
  }

  addBanner(kind: Banner['kind'], text: string, action?: Banner['action']): void {
    if (this.banners.some((b) => b.text === text)) return
    this.banners = [...this.banners, { id: ++this.#seq, kind, text, action }].slice(-4)
  }

  dismissBanner(id: number): void {
    this.banners = this.banners.filter((b) => b.id !== id)
  }

  fail(what: string, e: unknown): void {
    this.addBanner('error', strings.actions.failed(what, e instanceof Error ? e.message : String(e)))
  }

  /** Run an action; its failure becomes a banner sentence. */
  async act(what: string, f: () => Promise<unknown>): Promise<void> {
    const refused = this.guard()
    if (refused !== null) {
      this.addBanner('error', refused)
      return
    }
    try {
      await f()
    } catch (e) {
      this.fail(what, e)
    } finally {
      this.#settled()
    }
  }
}
