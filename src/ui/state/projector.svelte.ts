/**
 * Projector mode: larger type and nodes, high contrast, no side panel, and the presenter's keys (next step,
 * blank screen). The side panel comes back as it was when the mode ends.
 */
export class Projector {
  on = $state(false)
  /** The screen is blanked (presenter key B); only meaningful in projector mode. */
  blank = $state(false)
  #panelBefore = true

  /** Switches the mode; returns whether the side panel is open afterwards. */
  toggle(panelOpen: boolean): boolean {
    this.on = !this.on
    this.blank = false
    if (this.on) {
      this.#panelBefore = panelOpen
      return false
    }
    return this.#panelBefore
  }
}
