/** The page's keyboard: which shortcut a key is, and what each shortcut does (shortcuts.ts names them). */
import type { Lab } from './lab.svelte.ts'
import { shortcutFor, type ShortcutId } from './shortcuts.ts'

/** The page's key handler. Returns true when it handled the key. */
export function onKey(lab: Lab, e: KeyboardEvent): boolean {
  const target = e.target as HTMLElement | null
  if (target && (target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName) || isTextInput(target))) {
    if (e.key === 'Escape') target.blur()
    return false
  }
  // A scenario's narration takes Space, Enter, → and PageDown (outside dialogs).
  if (!lab.helpOpen && !lab.newClusterOpen && !lab.choice && !lab.scenarios.menuOpen && lab.scenarios.onKey(e)) return true
  const s = shortcutFor(e)
  if (!s) return false
  if (s.id !== 'escape' && s.id !== 'help' && (lab.helpOpen || lab.newClusterOpen || lab.choice)) return false
  // The presenter's keys act only in projector mode (the arrow keys keep their ordinary use elsewhere).
  if ((s.id === 'next' || s.id === 'blank') && !lab.projector) return false
  if (lab.presenter.blank && s.id !== 'blank' && s.id !== 'escape') return true
  if (s.id === 'select') {
    lab.selectByNumber(Number(e.key))
    return true
  }
  runShortcut(lab, s.id)
  return true
}

export function runShortcut(lab: Lab, id: ShortcutId): void {
  switch (id) {
    case 'playPause':
      return lab.togglePlay()
    case 'step':
      return void lab.step()
    case 'slower':
      return lab.speedStep(-1)
    case 'faster':
      return lab.speedStep(1)
    case 'fastForward':
      return void lab.fastForward()
    case 'select':
      return
    case 'crash':
      return void lab.crashOrRestart()
    case 'pauseNode':
      return void lab.pauseOrResume()
    case 'timeout':
      return void lab.timeout()
    case 'wipe':
      return void lab.wipe()
    case 'transfer':
      return void lab.transferTo()
    case 'remove':
      return void lab.removeNode()
    case 'replace':
      return void lab.replaceNode()
    case 'isolate':
      return void lab.isolateOrReconnect()
    case 'heal':
      return void lab.heal()
    case 'addNode':
      return void lab.addNode()
    case 'load':
      return lab.toggleLoad()
    case 'share':
      return void lab.share()
    case 'newCluster':
      lab.newClusterOpen = true
      return
    case 'inspector':
    case 'client':
    case 'settings':
    case 'events':
    case 'metrics':
    case 'safety':
      return lab.setTab(id)
    case 'panel':
      return lab.togglePanel()
    case 'theme':
      return lab.toggleTheme()
    case 'language':
      return lab.toggleLanguage()
    case 'help':
      lab.helpOpen = !lab.helpOpen
      return
    case 'projector':
      return lab.toggleProjector()
    case 'next':
      // The step of a narration once scenarios narrate; until then, the next event.
      return void lab.step()
    case 'blank':
      lab.presenter.blank = !lab.presenter.blank
      return
    case 'escape':
      if (lab.presenter.blank) lab.presenter.blank = false
      else if (lab.fastForwardActive) lab.stopFastForward()
      else if (lab.helpOpen || lab.newClusterOpen || lab.shareText) {
        lab.helpOpen = false
        lab.newClusterOpen = false
        lab.shareText = null
      } else lab.clearSelection()
      return
  }
}

/** Fields where letters are typed: shortcuts stay out of them (checkboxes, sliders and buttons keep them). */
function isTextInput(el: HTMLElement): boolean {
  return el.tagName === 'INPUT' && !/^(checkbox|radio|range|button|submit|reset|color)$/.test((el as HTMLInputElement).type)
}
