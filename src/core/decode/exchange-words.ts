// The filter words about HTTP exchanges, shared by the exchange list (exchange.page) and the
// connection list (a connection passes when one of its exchanges does): `method:GET`,
// `host:example`, `path:/api`, `status:404|4xx|200-299`, `type:json`, and `proto:` for a
// connection's protocol. Each compiles to a test over the ExchangeTable's columns; a string
// column's answer is kept per string id, so 100,000 rows cost one test per distinct value (a
// path: per batch of exchanges that brought it, StringPool.add).

import { UserError } from '../../shared/errors'
import { MESSAGE_PROTOCOLS, type MessageProtocol } from '../../shared/message-types'
import type { Protocol } from '../../shared/protocol-types'
import type { ExchangeTable } from './exchange-table'

export type ExchangeTest = (t: ExchangeTable, row: number) => boolean

/** A test of one string column by its interned id, each id's answer computed once. */
function byString(column: 'method' | 'host' | 'path' | 'type', test: (s: string) => boolean): ExchangeTest {
  const known = new Map<number, boolean>()
  return (t, row) => {
    const id = t.ids(row)[column]
    let hit = known.get(id)
    if (hit === undefined) {
      const s = t.strings.values[id]
      hit = s !== undefined && test(s)
      known.set(id, hit)
    }
    return hit
  }
}

function statusTest(value: string): ExchangeTest {
  const v = value.toLowerCase()
  let lo: number
  let hi: number
  const range = /^(\d{3})-(\d{3})$/.exec(v)
  if (/^\d{3}$/.test(v)) lo = hi = Number(v)
  else if (/^[1-5]xx$/.test(v)) {
    lo = Number(v[0]) * 100
    hi = lo + 99
  } else if (range) [lo, hi] = [Number(range[1]), Number(range[2])]
  else throw new UserError(`filter status:${value}: use a status code, a class or a range, e.g. status:404, status:4xx or status:200-299`)
  return (t, row) => {
    const s = t.status(row)
    return s !== 0 && s >= lo && s <= hi
  }
}

/** The test of `key:value` for one exchange; a bad value is a one-line UserError. */
export function exchangeWord(key: string, value: string): ExchangeTest {
  const v = value.toLowerCase()
  if (v === '' && key !== 'status') throw new UserError(`filter ${key}: wants a value, e.g. ${key === 'method' ? 'method:GET' : key === 'host' ? 'host:example.com' : key === 'path' ? 'path:/api' : 'type:json'}`)
  switch (key) {
    case 'method':
      if (!/^[a-z!#$%&'*+.^_`|~0-9-]+$/i.test(value)) throw new UserError(`filter method:${value}: a method is a word such as GET or POST`)
      return byString('method', (s) => s.toLowerCase() === v)
    case 'host':
      return byString('host', (s) => s.includes(v))
    case 'path':
      return byString('path', (s) => s.toLowerCase().includes(v))
    case 'type':
      return byString('type', (s) => s.includes(v))
    case 'status':
      return statusTest(value)
    default:
      throw new UserError(`unknown filter word "${key}:"`)
  }
}

/**
 * A bare word: in the host or the path. A host and its port (`example.com:443`) finds the
 * requests that name that host without a port too (`Host: example.com`, as clients write a
 * default port), as the connection list finds it in the connection's target.
 */
export function hostOrPath(text: string): ExchangeTest {
  const named = /^(.+):(?:80|443)$/.exec(text)?.[1]
  const host = byString('host', (s) => s.includes(text) || (named !== undefined && s.endsWith(named) && !/:\d+$/.test(s)))
  const path = byString('path', (s) => s.toLowerCase().includes(text))
  return (t, row) => host(t, row) || path(t, row)
}

const PROTOS: Record<string, Protocol[]> = { http: ['http1'], http1: ['http1'], ws: ['websocket'], websocket: ['websocket'], tls: ['tls'], h2: ['http2'], http2: ['http2'], raw: ['raw'] }
const PROTO_HINT = `use http, ws, tls, h2, grpc, raw, or a raw connection's messages: ${MESSAGE_PROTOCOLS.join(', ')}`

/** `proto:grpc`: an exchange whose response is gRPC's or gRPC-Web's (application/grpc, +proto, +json, -web). */
const grpcExchange = byString('type', (s) => s.startsWith('application/grpc'))

/**
 * `proto:` over a connection's protocol (undefined: not decoded yet, which passes no word);
 * `grpc` is no protocol of a connection but of its exchanges, so it comes as an exchange test.
 */
export function protoWord(value: string): { connection: (p: Protocol | undefined, carries?: string) => boolean } | { exchange: ExchangeTest } {
  const v = value.toLowerCase()
  if (v === 'grpc') return { exchange: grpcExchange }
  // A raw connection carrying a protocol's messages (redis's RESP, PostgreSQL, ...).
  const message = MESSAGE_PROTOCOL_WORDS[v]
  if (message !== undefined) return { connection: (_p, carries) => carries === message }
  const wanted = PROTOS[v]
  if (!wanted) throw new UserError(`filter proto:${value}: ${PROTO_HINT}`)
  return { connection: (p) => p !== undefined && wanted.includes(p) }
}

/**
 * A word of the connection list that decoding answers, other than tls: and sni: (`proto:`,
 * the exchange words): a test of the connection, or of its exchanges (one passing is enough).
 * A bad value is a one-line UserError.
 */
export function decodedWord(key: string, value: string): ReturnType<typeof protoWord> {
  return key === 'proto' ? protoWord(value) : { exchange: exchangeWord(key, value) }
}

/** `proto:` words for the protocols of raw connections' messages, with the names people also use. */
const MESSAGE_PROTOCOL_WORDS: Record<string, MessageProtocol> = {
  ...Object.fromEntries(MESSAGE_PROTOCOLS.map((p) => [p, p])),
  redis: 'resp',
  postgresql: 'postgres',
  pg: 'postgres',
  mariadb: 'mysql'
}

/** `proto:` in the exchange list: HTTP/2 exchanges have a stream, HTTP/1 ones none; ws the ones upgraded to WebSocket. */
export function exchangeProto(value: string): ExchangeTest {
  switch (value.toLowerCase()) {
    case 'h2':
    case 'http2':
    case 'h2c':
      return (t, row) => t.stream(row) !== undefined
    case 'http':
    case 'http1':
      return (t, row) => t.stream(row) === undefined
    case 'ws':
    case 'websocket':
      return (t, row) => t.upgrade(row) === 'websocket'
    case 'grpc':
      return grpcExchange
    default:
      throw new UserError(`filter proto:${value}: in the exchange list, use http, h2, ws or grpc`)
  }
}
