/**
 * How the user has arranged the screen: the side panel and its tab, the theme, the language, projector mode, reduced
 * motion, and which dialog is open. None of it touches the cluster.
 */
import { strings } from '../strings.ts'
import { currentLocale, switchLocale } from '../locale.ts'
import type { ThemeName } from '../theme.ts'
import type { Notices } from './notices.svelte.ts'
import { Projector } from './projector.svelte.ts'

export type Tab = 'inspector' | 'client' | 'settings' | 'events' | 'metrics' | 'safety'

const THEME_KEY = 'raftlab.theme'

export class Preferences {
  tab = $state<Tab>('inspector')
  panelOpen = $state(true)
  theme = $state<ThemeName>('light')
  reducedMotion = $state(false)
  helpOpen = $state(false)
  newClusterOpen = $state(false)
  readonly presenter = new Projector()

  readonly #wake: (dirty?: boolean) => void
  readonly #notices: Notices

  /** `wake` asks for a frame (the graph and timelines read these when they draw). */
  constructor(wake: (dirty?: boolean) => void, notices: Notices) {
    this.#wake = wake
    this.#notices = notices
  }

  /** Follow the system's reduced-motion setting and apply the stored theme; returns the cleanup. */
  attach(): () => void {
    const mq = matchMedia('(prefers-reduced-motion: reduce)')
    this.reducedMotion = mq.matches
    const onMq = () => {
      this.reducedMotion = mq.matches
      this.#wake(true)
    }
    mq.addEventListener('change', onMq)
    this.#initTheme()
    return () => mq.removeEventListener('change', onMq)
  }

  setTab(t: Tab): void {
    this.tab = t
    this.panelOpen = true
    this.#wake(true)
  }

  togglePanel(): void {
    this.panelOpen = !this.panelOpen
    this.#wake(true)
  }

  /** Projector mode is on (larger, high contrast; the graph and timelines read it when they draw). */
  get projector(): boolean {
    return this.presenter.on
  }

  toggleProjector(): void {
    this.panelOpen = this.presenter.toggle(this.panelOpen)
    document.documentElement.toggleAttribute('data-projector', this.presenter.on)
    this.#wake(true)
  }

  #initTheme(): void {
    let t: string | null = null
    try {
      t = localStorage.getItem(THEME_KEY)
    } catch {
      t = null
    }
    this.applyTheme(t === 'dark' || t === 'light' ? t : matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light')
  }

  applyTheme(t: ThemeName): void {
    this.theme = t
    document.documentElement.dataset.theme = t
    this.#wake(true)
  }

  toggleTheme(): void {
    const t: ThemeName = this.theme === 'dark' ? 'light' : 'dark'
    this.applyTheme(t)
    try {
      localStorage.setItem(THEME_KEY, t)
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }

  /** The language switch: English ⇄ Chinese, live (the screen redraws; the cluster is untouched). */
  toggleLanguage(): void {
    switchLocale(currentLocale() === 'zh' ? 'en' : 'zh').catch((e: unknown) =>
      this.#notices.addBanner('error', strings.lang.loadFailed(e instanceof Error ? e.message : String(e))),
    )
  }
}
