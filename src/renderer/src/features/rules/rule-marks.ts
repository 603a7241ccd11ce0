// What a traffic rule did to an HTTP exchange, read from its connection's `rule` records: the
// exchange whose request (or response) starts where a record says the message it acted on
// starts. A response's rewrite is recorded without that place; it is found from the data
// before the record (the response's last bytes) and the size the record gives. A message a
// person edited at a breakpoint changed what its receiver got as a rewrite does: its `break`
// record (action `edited`) marks it `edited`, with the breakpoint's id as its label.

import type { BreakEventInfo } from '../../../../shared/break-types'
import type { CaptureEvent } from '../../../../shared/capture-types'
import type { HttpExchange, HttpMessage } from '../../../../shared/protocol-types'
import type { RuleEventInfo } from '../../../../shared/rules/rule-types'

export type RuleMarkKind = 'mocked' | 'rewritten' | 'forwarded' | 'edited'

export interface ExchangeRuleMark {
  kind: RuleMarkKind
  /** The rule's label (its name, or its matcher in words); an edit's breakpoint id. */
  label: string
  /** The `rule` record (an edit's `break` record), and where the message it acted on starts in its direction. */
  event: CaptureEvent
  sentAt?: SentAt
  /** A mock's status, read from the answer it delivered. */
  status?: number
  /** An edit's message as forwarded, its body (http.delivered): what the exchange opens as, so its row's size. */
  forwarded?: HttpMessage['body']
}

/** The body a person's edit at a breakpoint forwarded in place of `part`'s (its record is in its sender's direction): the exchange opens as forwarded, so its rows give its size. */
export function forwardedBody(mark: ExchangeRuleMark | undefined, part: 'request' | 'response'): HttpMessage['body'] | undefined {
  return mark?.kind === 'edited' && mark.event.dir === (part === 'request' ? 'client' : 'server') ? mark.forwarded : undefined
}

export interface SentAt {
  offset: number
  size: number
}

export const ruleInfoOf = (e: CaptureEvent): RuleEventInfo | undefined => (e.kind === 'rule' && e.info ? (e.info as unknown as RuleEventInfo) : undefined)

/** A breakpoint's edit: its `break` record's details, when the record is one. */
export const breakEditOf = (e: CaptureEvent): BreakEventInfo | undefined =>
  e.kind === 'break' && e.info?.action === 'edited' && typeof e.info.offset === 'number' && typeof e.info.size === 'number' ? (e.info as unknown as BreakEventInfo) : undefined

/** Whether an event changed what a receiver got: a rule's record, or a breakpoint's edit. */
export const changesDelivery = (e: CaptureEvent): boolean => e.kind === 'rule' || breakEditOf(e) !== undefined

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
/** One record of these wins over another on the same exchange: a mock says most, then a forward; a person's edit over a rule's rewrite. */
const RANK: Record<RuleMarkKind, number> = { mocked: 4, forwarded: 3, edited: 2, rewritten: 1 }

/** Each exchange a rule answered, forwarded or rewrote, or a person edited at a breakpoint, by its index; `events` from the connection's first. */
export function exchangeRuleMarks(events: readonly CaptureEvent[], exchanges: ReadonlyArray<Pick<HttpExchange, 'index' | 'request' | 'response'>>): Map<number, ExchangeRuleMark> {
  const marks = new Map<number, ExchangeRuleMark>()
  const requests = new Map<number, number>()
  const responses = new Map<number, number>()
  for (const x of exchanges) {
    if (x.request) requests.set(x.request.headRange.offset, x.index)
    if (x.response) responses.set(x.response.headRange.offset, x.index)
  }
  const mark = (index: number | undefined, m: ExchangeRuleMark): void => {
    if (index === undefined) return
    const had = marks.get(index)
    if (!had || RANK[had.kind] < RANK[m.kind]) marks.set(index, m)
  }
  events.forEach((e, i) => {
    const edit = breakEditOf(e)
    if (edit) return mark((e.dir === 'server' ? responses : requests).get(edit.offset), { kind: 'edited', label: edit.rule, event: e, sentAt: { offset: edit.offset, size: edit.size } })
    const info = ruleInfoOf(e)
    const kind = info && KIND_OF[info.action]
    if (!info || !kind) return
    const at = actedAt(events, i)
    if (!at) return
    const status = kind === 'mocked' ? deliveredStatus(info) : undefined
    mark((e.dir === 'server' ? responses : requests).get(at.offset), { kind, label: info.label, event: e, sentAt: at, ...(status !== undefined ? { status } : {}) })
  })
  return marks
}
