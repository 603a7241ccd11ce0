// A rule's `rule` record: which rule acted, what it did in one English line, where the
// message it acted on starts in the sender's stream, and what the receiver got instead
// (kept when small, as breakpoint edits are; else its size and SHA-256).

import { createHash } from 'node:crypto'
import { MAX_RECORDED_EDIT } from '../../shared/break-types'
import type { RuleEventInfo } from '../../shared/rules/rule-types'
import type { StagePort } from '../proxy/forward-stage'
import type { RuleEntry } from './rule-set'

export function recordRule(
  port: StagePort | undefined,
  entry: Pick<RuleEntry, 'id' | 'label'> | undefined,
  action: RuleEventInfo['action'],
  message: string,
  at: { offset?: number; size?: number; summary?: string } = {},
  delivered?: Uint8Array
): void {
  const info: RuleEventInfo = { rule: entry?.id ?? 'script', label: entry?.label ?? 'script', action, message, ...at }
  if (delivered !== undefined) {
    info.deliveredSize = delivered.length
    if (delivered.length <= MAX_RECORDED_EDIT) info.delivered = Buffer.from(delivered.buffer, delivered.byteOffset, delivered.byteLength).toString('base64')
    else info.deliveredSha256 = createHash('sha256').update(delivered).digest('hex')
  }
  port?.event('rule', info as unknown as Record<string, unknown>)
}
