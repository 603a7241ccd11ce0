// A held message's `break` record, as every breakpoint stage writes it: its rule, id, action,
// the English line, where the held bytes start and how many, how long it was held, and the
// bytes sent instead for an edit (kept when small, else their size and SHA-256).

import { createHash } from 'node:crypto'
import { MAX_RECORDED_EDIT, type BreakAction, type BreakEventInfo } from '../../shared/break-types'
import type { StagePort } from '../proxy/forward-stage'
import type { HeldItem } from './held-queue'

export type BreakMore = Pick<BreakEventInfo, 'summary' | 'closedWith' | 'stream' | 'window' | 'bodySize' | 'kept'>

export function recordBreak(port: StagePort | undefined, item: HeldItem, action: BreakAction, message: string, sent?: Buffer, more: BreakMore = {}): void {
  const info: BreakEventInfo = { rule: item.entry.rule.id, held: item.message.id, action, message, offset: item.offset, size: item.bytes.length, ...more }
  if (action !== 'held') info.heldMs = Date.now() - item.message.heldAt
  if (sent !== undefined) {
    info.sentSize = sent.length
    if (sent.length <= MAX_RECORDED_EDIT) info.sent = sent.toString('base64')
    else info.sentSha256 = createHash('sha256').update(sent).digest('hex')
  }
  port?.event('break', info as unknown as Record<string, unknown>)
}

export const heldFor = (item: HeldItem): string => `${((Date.now() - item.message.heldAt) / 1000).toFixed(1)} s`
