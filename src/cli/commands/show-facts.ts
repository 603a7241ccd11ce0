// What `tcpscope show` says of an exchange in text and in JSON alike: its protocol as the
// exchange list names it (exchangeProtocol), its URL (request-url.ts, as HAR writes it), and
// what a body's or payload's reading left out, as one phrase.

import type { ConnectionSummary } from '../../shared/capture-types'
import { contentTypeOf } from '../../shared/body-type'
import { tlsTerminated } from '../../shared/http-scheme'
import { formatBytes } from '../../shared/human-readable'
import { exchangeProtocol, type ExchangeProtocol, type HttpExchange } from '../../shared/protocol-types'
import { requestUrl } from '../../shared/request-url'
import type { ContentFacts } from './show-bodies'

/** The connection facts show needs. */
export type ShownConnection = Pick<ConnectionSummary, 'id' | 'client' | 'target' | 'tls' | 'via' | 'kind'>

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
