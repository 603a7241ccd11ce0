// Where the byte views mark what a rule changed, as delivered: the delivered map's spans
// (in delivered order, none overlapping) looked up by offset, and what each says, in the
// UI's language, for its title and the status line.

import type { DeliveredSpan } from '../../../../shared/delivered-stream-types'

/** The span of some size that holds delivered byte `o`, by index; -1 when no rule changed it. */
export function spanAt(spans: readonly DeliveredSpan[], o: number): number {
  let lo = 0
  let hi = spans.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (spans[mid].at <= o) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found >= 0 && o < spans[found].at + spans[found].size ? found : -1
}

type Translate = (key: string, named?: Record<string, unknown>) => string

/** `Rule "make admin" (rewrite): what the receiver got instead of 120 bytes sent`, in the UI's words. */
export function spanWords(t: Translate, s: DeliveredSpan): string {
  const named = { label: s.label, action: s.action, sent: s.sentSize }
  if (s.by === 'break') return t(s.unknown ? 'bytes.delivered.editedUnknown' : 'bytes.delivered.edited', named)
  if (s.unknown) return t('bytes.delivered.unknown', named)
  if (s.answer) return t('bytes.delivered.answer', named)
  return t('bytes.delivered.replaced', named)
}

/** The marks' class: what a rule put there, or bytes whose delivered form the capture does not have. */
export const spanClass = (s: DeliveredSpan | undefined): string => (s === undefined ? '' : s.unknown ? 'dlv-unknown' : 'dlv-changed')
