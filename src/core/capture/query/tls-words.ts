// The connection list's filter words about TLS and tunnels: `tls:yes|no`, `sni:TEXT` and
// `via:connect|socks5|http`. The index answers them from a connection's `tls` records and
// its open record; `tls:` and `sni:` also ask decoding when it is given, since a connection
// passed through untouched may have no record of its TLS but the hello its client sent.

import { UserError } from '../../../shared/errors'
import { VIAS } from '../../../shared/tls-types'
import type { RowFields } from '../read/index-view'

export const TLS_WORDS = ['tls', 'sni'] as const
export type TlsWord = (typeof TLS_WORDS)[number]

type RowTest = (f: RowFields, row: number) => boolean
/** What decoding answers of a connection (ProtocolFacts.wordTest). */
type DecodedTest = (key: TlsWord, value: string) => (connId: number) => boolean

export const isTlsWord = (key: string): key is TlsWord => (TLS_WORDS as readonly string[]).includes(key)

/** Whether the names the connection's `tls` records hold (the client's SNI, the one sent upstream) hold `text` (lower case). */
const sniHolds =
  (text: string): RowTest =>
  (f, row) => {
    const tls = f.tls(row)
    if (tls === undefined) return false
    return (tls.sni?.toLowerCase().includes(text) ?? false) || (tls.server?.sni?.toLowerCase().includes(text) ?? false)
  }

export function tlsTerm(key: TlsWord, value: string, decoded?: DecodedTest): RowTest {
  const v = value.toLowerCase()
  if (key === 'sni') {
    if (v === '') throw new UserError('filter sni: wants a server name (or part of one), e.g. sni:example.com')
    const recorded = sniHolds(v)
    const hello = decoded?.('sni', v)
    return hello ? (f, row) => recorded(f, row) || hello(f.id(row)) : recorded
  }
  if (v !== 'yes' && v !== 'no') throw new UserError(`filter tls:${value}: use tls:yes (the connection carried TLS) or tls:no`)
  const hello = decoded?.('tls', 'yes')
  const isTls: RowTest = hello ? (f, row) => f.tls(row) !== undefined || hello(f.id(row)) : (f, row) => f.tls(row) !== undefined
  return v === 'yes' ? isTls : (f, row) => !isTls(f, row)
}

export function viaTerm(value: string): RowTest {
  const via = VIAS.find((name) => name.toLowerCase() === value.toLowerCase())
  if (!via) throw new UserError(`filter via:${value}: use via:connect, via:socks5 or via:http (how a forward proxy's client asked for its destination)`)
  return (f, row) => f.via(row) === via
}
