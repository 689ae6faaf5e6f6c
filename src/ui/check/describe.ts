/** Breakpoints and their hits in words (the panel's list and the sentence when one hits). */
import { strings } from '../strings.ts'
import type { BreakHit, BreakSpec } from './breakpoints.ts'

/** "any node becomes leader", "n2 becomes candidate", "index 5 commits". */
export function describeBreakpoint(b: BreakSpec): string {
  const t = strings.safety.describe
  return b.kind === 'commit' ? t.commit(b.index) : t.role(strings.roles[b.role], b.node)
}

/** The sentence of a hit: which breakpoint, what happened, at what virtual time. */
export function hitSentence(spec: BreakSpec | null, h: BreakHit): string {
  const t = strings.safety
  const what = describeBreakpoint(spec ?? (h.kind === 'commit' ? { kind: 'commit', index: h.index } : { kind: 'role', role: h.role, node: null }))
  const detail = h.kind === 'commit' ? t.hitCommit(h.node, h.commit) : t.hitRole(h.node, strings.roles[h.role], h.term)
  return t.hit(what, detail, (h.at / 1000).toFixed(3))
}
