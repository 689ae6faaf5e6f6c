/**
 * Colours. Message kinds use the Okabe-Ito palette and terms Paul Tol's "light" palette: both are designed to stay
 * distinguishable with the common colour-vision deficiencies, and every colour is paired with a glyph, a shape or
 * a number on screen, so nothing is told by colour alone.
 */
import type { MsgKind } from './state/messages.ts'
import type { Role } from '../raft/types.ts'

export type ThemeName = 'light' | 'dark'

/** Paul Tol's "light" scheme: pale enough for dark text on top in both themes. Terms cycle through it. */
const TERM_COLOURS = ['#77AADD', '#EE8866', '#EEDD88', '#FFAABB', '#99DDFF', '#44BB99', '#BBCC33', '#AAAA00', '#DDDDDD']

/** The fill of a term: cycles, so the term number is always written next to it. */
export function termColour(term: number): string {
  return TERM_COLOURS[((term % TERM_COLOURS.length) + TERM_COLOURS.length) % TERM_COLOURS.length]
}

/** Okabe-Ito. Glyphs (see graph/overlay.ts) tell the kinds apart without colour. */
export const MSG_COLOURS: Record<MsgKind, string> = {
  append: '#0072B2',
  heartbeat: '#56B4E9',
  vote: '#CC79A7',
  prevote: '#E69F00',
  snapshot: '#009E73',
  timeout: '#F0E442',
}

export interface Palette {
  bg: string
  surface: string
  fg: string
  muted: string
  edge: string
  accent: string
  danger: string
  warn: string
  ok: string
  role: Record<Role, { fill: string; text: string; border: string }>
  crashed: string
  crown: string
}

export const PALETTES: Record<ThemeName, Palette> = {
  light: {
    bg: '#f7f7f4',
    surface: '#ffffff',
    fg: '#1d1f24',
    muted: '#5d6470',
    edge: '#b9bec7',
    accent: '#6a3d9a',
    danger: '#c0392b',
    warn: '#b86e00',
    ok: '#1b7a4b',
    role: {
      follower: { fill: '#eef0f3', text: '#1d1f24', border: '#4a505b' },
      precandidate: { fill: '#fbe3b4', text: '#1d1f24', border: '#8a5a00' },
      candidate: { fill: '#E69F00', text: '#1d1f24', border: '#6b4700' },
      leader: { fill: '#0072B2', text: '#ffffff', border: '#00324f' },
    },
    crashed: '#9aa0a8',
    crown: '#E69F00',
  },
  dark: {
    bg: '#15171c',
    surface: '#1f232a',
    fg: '#eceef2',
    muted: '#a3aab6',
    edge: '#4a515e',
    accent: '#c3a6ff',
    danger: '#ff7b6b',
    warn: '#ffb547',
    ok: '#5fd39a',
    role: {
      follower: { fill: '#2e343e', text: '#eceef2', border: '#aab1bd' },
      precandidate: { fill: '#5a4420', text: '#fff3dc', border: '#f0c36b' },
      candidate: { fill: '#E69F00', text: '#1d1f24', border: '#ffe0a0' },
      leader: { fill: '#3d9be0', text: '#0b1520', border: '#d6ecff' },
    },
    crashed: '#5d636d',
    crown: '#F0E442',
  },
}

/** Projector mode: the same palette with muted text and edges pulled toward the foreground, for washed-out projectors. */
export function highContrast(p: Palette): Palette {
  const dark = p.bg < '#808080'
  return {
    ...p,
    bg: dark ? '#000000' : '#ffffff',
    surface: dark ? '#000000' : '#ffffff',
    fg: dark ? '#ffffff' : '#000000',
    muted: dark ? '#d7dbe2' : '#2b2f36',
    edge: dark ? '#8a93a1' : '#5d6470',
  }
}
