// How an exchange went over the wire, as the exchange lists' protocol cell says it: `h2 · 5`
// (the protocol, then its HTTP/2 stream, as Wireshark's stream filter names it), `gRPC · 3`,
// `HTTP/1.1`; and, for an HTTP/2 exchange cut short, what ended it. The protocol is the
// contract's one rule (exchangeProtocol); the words come through `say` (vue-i18n's t).

import { exchangeProtocol, type ExchangeProtocol, type H2StreamEnd, type HttpExchange } from '../../../../shared/protocol-types'
import type { TlsSummary } from '../../../../shared/tls-types'
import { tlsTerminated } from '../../../../shared/http-scheme'

export type Say = (key: string, named?: Record<string, unknown>) => string

/** The protocol cell: the protocol's short name and, for HTTP/2, its stream; `version` says HTTP/1.0 where it is known. */
export function protocolCell(p: ExchangeProtocol, stream: number | undefined, say: Say, version?: string): string {
  const name = p === 'http1' && version?.startsWith('HTTP/1.') ? version : say(`exchanges.protocol.${p}`)
  return stream === undefined ? name : say('exchanges.onStream', { protocol: name, stream })
}

/** The content type that tells gRPC: the request's, else the response's. */
const contentTypeOf = (x: HttpExchange): string | undefined =>
  [x.request, x.response].flatMap((m) => m?.headers ?? []).find((h) => h.name.toLowerCase() === 'content-type')?.value

/** An exchange of a connection (the HTTP tab's), whose TLS says h2 from h2c as it does for the capture's exchange list. */
export function httpExchangeProtocol(x: HttpExchange, tls: TlsSummary | undefined): ExchangeProtocol {
  return exchangeProtocol({ stream: x.stream, scheme: tlsTerminated(tls) ? 'https' : undefined, contentType: contentTypeOf(x) })
}

/** `reset by client: CANCEL (RST_STREAM)`, `ended by server: NO_ERROR (GOAWAY)`. */
export const endedWords = (e: H2StreamEnd, say: Say): string => say(`httpView.ended.${e.kind}`, { by: say(`httpView.by.${e.by}`), name: e.name })

/** The same in a status cell's room: `RST CANCEL`, `GOAWAY NO_ERROR`. */
export const endedShort = (e: H2StreamEnd, say: Say): string => say(`httpView.endedShort.${e.kind}`, { name: e.name })
