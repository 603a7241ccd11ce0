// What `tcpscope show` says of an exchange in text and in JSON alike: its protocol as the
// exchange list names it (exchangeProtocol), its URL (request-url.ts, as HAR writes it), and
// what a body's or payload's reading left out, as one phrase; and what a rule, the script or
// a breakpoint changed of what the receivers got, in the engine's own words (http.changes,
// msg.changes: http.delivered's and msg.delivered's facts without the content, from the
// readers the HAR export as delivered and the UI's views share).

import type { ConnectionSummary } from '../../shared/capture-types'
import { contentTypeOf } from '../../shared/body-type'
import { tlsTerminated } from '../../shared/http-scheme'
import { formatBytes } from '../../shared/human-readable'
import { exchangeProtocol, type ExchangeProtocol, type HttpExchange } from '../../shared/protocol-types'
import { requestUrl } from '../../shared/request-url'
import type { DeliveredFacts, DeliveredMessageFacts, DeliveredView } from '../../shared/delivered-types'
import type { RuleEventInfo } from '../../shared/rules/rule-types'
import type { ContentFacts } from './show-bodies'

/** The connection facts show needs. */
export type ShownConnection = Pick<ConnectionSummary, 'id' | 'client' | 'target' | 'tls' | 'via' | 'kind' | 'changed'>

/** A rule, the script or a breakpoint changed what some receiver on it got: only then is each exchange or message asked what it delivered. */
export const receiversChanged = (conn: ShownConnection): boolean => conn.changed?.rule === true || conn.changed?.breakpoint === true

/** What an exchange's `changed` says: the engine's notes (which rule changed what, one each), and which side got something else. */
export interface ExchangeChange {
  notes: string[]
  /** The target got a request other than the one shown. */
  request?: true
  /** The client got a response other than the one shown (or one the target never sent). */
  response?: true
  /** The client got no response. */
  noResponse?: true
}

/** An exchange's change, from its delivered view; undefined when nothing acted on it. */
export function exchangeChange(d: DeliveredView | DeliveredFacts): ExchangeChange | undefined {
  if (d.notes.length === 0) return undefined
  return { notes: d.notes, ...(d.request !== undefined ? { request: true } : {}), ...(d.response !== undefined ? { response: true } : {}), ...(d.noResponse === true ? { noResponse: true } : {}) }
}

/** Who a record names: `rule "tag requests"`, `the script`, `breakpoint b1`. */
function actorOf(info: Pick<RuleEventInfo, 'rule' | 'label' | 'by'>): string {
  if (info.by === 'break') return `breakpoint ${info.rule}`
  return info.rule === 'script' ? 'the script' : info.rule === '' ? 'tcpscope' : `rule "${info.label}"`
}

/** What became of a raw connection's message: `rewritten`, `answered` (a rule answered its sender instead), `dropped` (its receiver got none). */
export interface MessageChange {
  changed: 'rewritten' | 'answered' | 'dropped'
  rule: { rule: string; label: string; action: string }
  /** `changed by the script`, `dropped by rule "no pings"`. */
  words: string
}

/** A message's change, from its delivered view; undefined when nothing changed what its receiver got (a delay, an error). */
export function messageChange(d: DeliveredMessageFacts): MessageChange | undefined {
  const changed = d.none === true ? 'dropped' : d.got?.answer === true ? 'answered' : d.got !== undefined || d.notKept !== undefined ? 'rewritten' : undefined
  if (changed === undefined) return undefined
  // As delivered-stream.ts messageFate reads them: the first record that ended it stands, else the last that replaced it.
  const acting = d.acts.filter((a) => a.action !== 'delay' && a.action !== 'error')
  const by = (changed === 'rewritten' ? acting[acting.length - 1] : acting[0]) ?? d.acts[d.acts.length - 1]
  return { changed, rule: { rule: by.rule, label: by.label, action: by.action }, words: `${changed === 'rewritten' ? 'changed' : changed} by ${actorOf(by)}` }
}

/** The request's Content-Type, else the response's; undefined when neither sent one. */
function contentType(ex: HttpExchange): string | undefined {
  for (const m of [ex.request, ex.response]) {
    const t = m === undefined ? '' : contentTypeOf(m.headers)
    if (t !== '') return t
  }
  return undefined
}

export function protocolOf(conn: ShownConnection, ex: HttpExchange): ExchangeProtocol {
  return exchangeProtocol({ stream: ex.stream, scheme: tlsTerminated(conn.tls) ? 'https' : undefined, contentType: contentType(ex) })
}

export const urlOf = (conn: ShownConnection, ex: HttpExchange): string | undefined => (ex.request === undefined ? undefined : requestUrl(ex.request, conn))

/** Exchanges and messages are numbered from 1 in what show prints, as `--exchange` and `replay --exchange` take them. */
export const shownNumber = (index: number): number => index + 1

/** Why the content shown is not all of it, in a phrase; undefined when it is all there. */
export function contentGap(f: ContentFacts, what: 'body' | 'payload'): string | undefined {
  if (f.limited) {
    const of = f.total === undefined ? `; the ${what} is longer` : ` of ${formatBytes(f.total)}`
    return `cut at --body-limit: the first ${formatBytes(f.shown)}${of}`
  }
  if (f.note !== undefined) return f.note
  if (f.problem !== undefined) return `${f.problem.message} (at content byte ${f.problem.offset}); what came before it is here`
  if (!f.end) return `the ${what} is not complete in the capture: ${formatBytes(f.shown)} of it is here`
  return undefined
}
