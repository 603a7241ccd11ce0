// What a traffic rule did to an HTTP exchange, read from its connection's `rule` records: the
// exchange whose request (or response) starts where a record says the message it acted on
// starts. A response's rewrite is recorded without that place; it is found from the data
// before the record (the response's last bytes) and the size the record gives.

import type { CaptureEvent } from '../../../../shared/capture-types'
import type { HttpExchange } from '../../../../shared/protocol-types'
import type { RuleEventInfo } from '../../../../shared/rules/rule-types'

export type RuleMarkKind = 'mocked' | 'rewritten' | 'forwarded'

export interface ExchangeRuleMark {
  kind: RuleMarkKind
  /** The rule's label (its name, or its matcher in words). */
  label: string
  /** The `rule` record, and where the message it acted on starts in its direction. */
  event: CaptureEvent
  sentAt?: SentAt
  /** A mock's status, read from the answer it delivered. */
  status?: number
}

export interface SentAt {
  offset: number
  size: number
}

export const ruleInfoOf = (e: CaptureEvent): RuleEventInfo | undefined => (e.kind === 'rule' && e.info ? (e.info as unknown as RuleEventInfo) : undefined)

/**
 * Where the message the rule record `events[i]` acted on starts in its direction, and its
 * size: as recorded, or (not recorded) the end of that direction's data before the record,
 * less the size.
 */
export function actedAt(events: readonly CaptureEvent[], i: number): SentAt | undefined {
  const e = events[i]
  const info = e && ruleInfoOf(e)
  if (!info || info.size === undefined) return undefined
  if (info.offset !== undefined) return { offset: info.offset, size: info.size }
  for (let k = i - 1; k >= 0; k--) {
    const d = events[k]
    if (d.kind !== 'data' || d.dir !== e.dir) continue
    const end = (d.offset ?? 0) + (d.length ?? 0)
    return end >= info.size ? { offset: end - info.size, size: info.size } : undefined
  }
  return undefined
}

/** The bytes a record kept of what was delivered (base64), or undefined. */
export function deliveredBytes(info: RuleEventInfo): Uint8Array | undefined {
  if (info.delivered === undefined) return undefined
  try {
    return Uint8Array.from(atob(info.delivered), (c) => c.charCodeAt(0))
  } catch {
    return undefined
  }
}

/** The status of the HTTP/1 answer a record delivered (`HTTP/1.1 200 OK`). */
export function deliveredStatus(info: RuleEventInfo): number | undefined {
  if (info.delivered === undefined) return undefined
  let head = ''
  try {
    head = atob(info.delivered.slice(0, 64))
  } catch {
    return undefined
  }
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})\b/.exec(head)
  return m ? Number(m[1]) : undefined
}

const KIND_OF: Partial<Record<RuleEventInfo['action'], RuleMarkKind>> = { respond: 'mocked', forward: 'forwarded', rewrite: 'rewritten' }
/** One record of these wins over another on the same exchange: a mock says most. */
const RANK: Record<RuleMarkKind, number> = { mocked: 3, forwarded: 2, rewritten: 1 }

/** Each exchange a rule answered, forwarded or rewrote, by its index; `events` from the connection's first. */
export function exchangeRuleMarks(events: readonly CaptureEvent[], exchanges: ReadonlyArray<Pick<HttpExchange, 'index' | 'request' | 'response'>>): Map<number, ExchangeRuleMark> {
  const marks = new Map<number, ExchangeRuleMark>()
  const requests = new Map<number, number>()
  const responses = new Map<number, number>()
  for (const x of exchanges) {
    if (x.request) requests.set(x.request.headRange.offset, x.index)
    if (x.response) responses.set(x.response.headRange.offset, x.index)
  }
  events.forEach((e, i) => {
    const info = ruleInfoOf(e)
    const kind = info && KIND_OF[info.action]
    if (!info || !kind) return
    const at = actedAt(events, i)
    if (!at) return
    const index = (e.dir === 'server' ? responses : requests).get(at.offset)
    if (index === undefined) return
    const had = marks.get(index)
    if (had && RANK[had.kind] >= RANK[kind]) return
    const status = kind === 'mocked' ? deliveredStatus(info) : undefined
    marks.set(index, { kind, label: info.label, event: e, sentAt: at, ...(status !== undefined ? { status } : {}) })
  })
  return marks
}
