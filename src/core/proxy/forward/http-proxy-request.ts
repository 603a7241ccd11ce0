// What an HTTP client asks a forward proxy for: a CONNECT (authority-form, RFC 9112 3.2.3) or
// an absolute-form request (`GET http://host/path`, 3.2.2), read from the client's first bytes
// with the protocol decoder's own head parser, bounded (a request line of 8 KiB, a head of
// 16 KiB), and the proxy's own answers (200 to a CONNECT, 400, 407, 502, ...) as bytes.

import { formatEndpoint } from '../../../shared/endpoint'
import type { Via } from '../../../shared/tls-types'
import { LF, latin1 } from '../../protocols/http1/bytes'
import { findBlankLine, firstLineChecked, notAStart } from '../../protocols/http1/head-boundary'
import { headerValues, parseHead, type ParsedHead } from '../../protocols/http1/head-parser'
import { isIP } from 'node:net'

/** A request line longer than this is refused (414), as common servers do (nginx: 8 KiB). */
export const MAX_REQUEST_LINE = 8 * 1024
/** A whole head longer than this is refused (431). */
export const MAX_PROXY_HEAD = 16 * 1024

export interface Destination {
  /** A host name or an IP address (IPv6 without brackets). */
  host: string
  port: number
}

export interface ProxyRequest extends Destination {
  via: Extract<Via, 'CONNECT' | 'HTTP'>
  /** Proxy-Authorization values, for the proxy's credentials check. */
  proxyAuthorization: string[]
  /** The head's bytes (a CONNECT's head is the proxy's; an absolute-form one is the tunnel's first request). */
  headLength: number
  head: ParsedHead
}

export type ProxyRequestRead = { state: 'need-more' } | { state: 'bad'; status: number; reason: string } | { state: 'ok'; request: ProxyRequest }

const NEED_MORE = { state: 'need-more' } as const
const bad = (status: number, reason: string): ProxyRequestRead => ({ state: 'bad', status, reason })

/** What `buf` (all of a client's bytes so far) asks for. Never throws. */
export function readProxyRequest(buf: Uint8Array): ProxyRequestRead {
  const garbage = notAStart('request', buf, 0)
  if (garbage !== undefined) return bad(400, garbage)
  const lf = buf.indexOf(LF)
  if (lf < 0 || lf > MAX_REQUEST_LINE) {
    if (buf.length > MAX_REQUEST_LINE) return bad(414, `a request line longer than ${MAX_REQUEST_LINE} bytes`)
    return NEED_MORE
  }
  const line = firstLineChecked('request', buf, 0)
  if (typeof line === 'string') return bad(400, line)
  const end = findBlankLine(buf, 0, false)
  if (end < 0 || end > MAX_PROXY_HEAD) {
    if (buf.length > MAX_PROXY_HEAD || end > MAX_PROXY_HEAD) return bad(431, `a request head longer than ${MAX_PROXY_HEAD} bytes`)
    return NEED_MORE
  }
  const head = parseHead(latin1(buf, 0, end), 0, 'client', 'request')
  if (typeof head === 'string') return bad(400, head)
  // A proxy acts on this head, so it is read strictly: a line it cannot read refuses it.
  if (head.problems.length > 0) return bad(400, head.problems[0].message)
  if (head.version !== 'HTTP/1.1' && head.version !== 'HTTP/1.0') return bad(505, `${head.version} is not served (HTTP/1.0 and 1.1 are)`)
  const proxyAuthorization = headerValues(head.headers, 'proxy-authorization')
  if (head.method === 'CONNECT') {
    const dest = parseAuthority(head.target!, undefined)
    if (typeof dest === 'string') return bad(400, `CONNECT ${head.target!.slice(0, 80)}: ${dest}`)
    return { state: 'ok', request: { via: 'CONNECT', ...dest, proxyAuthorization, headLength: end, head } }
  }
  const target = absoluteTarget(head.target!)
  if (typeof target === 'string') return bad(400, target)
  return { state: 'ok', request: { via: 'HTTP', host: target.host, port: target.port, proxyAuthorization, headLength: end, head } }
}

/** A host name as a URL or CONNECT may carry it to a proxy: letters, digits, '-', '.', '_' (IDNs as punycode). */
const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,253}[A-Za-z0-9_.])?$/

/** `host:port` or `[v6]:port` (the port may be left out when `defaultPort` is given): the destination, or why not. */
export function parseAuthority(text: string, defaultPort: number | undefined): Destination | string {
  let host: string
  let rest: string
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close < 0) return 'an IPv6 address is written [ADDR]:PORT'
    host = text.slice(1, close)
    if (isIP(host) !== 6) return `"${host.slice(0, 60)}" is not an IPv6 address`
    rest = text.slice(close + 1)
  } else {
    const colon = text.lastIndexOf(':')
    host = colon < 0 ? text : text.slice(0, colon)
    rest = colon < 0 ? '' : text.slice(colon)
    if (!HOST_NAME.test(host)) return `"${host.slice(0, 60)}" is not a host name`
  }
  if (rest === '') {
    if (defaultPort === undefined) return 'the port is missing (HOST:PORT)'
    return { host, port: defaultPort }
  }
  if (!/^:\d{1,5}$/.test(rest)) return `bad port "${rest.slice(1, 20)}"`
  const port = Number(rest.slice(1))
  if (port < 1 || port > 65535) return `bad port ${port} (1 to 65535)`
  return { host, port }
}

export interface AbsoluteTarget extends Destination {
  /** The origin-form the origin server gets (`/path?query`). */
  path: string
}

/** `http://host[:port]/path?query` split as the origin must see it, or why it cannot be served. */
export function absoluteTarget(target: string): AbsoluteTarget | string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(target)
  if (scheme === null) {
    return `"${target.slice(0, 80)}" is not absolute-form: through a proxy, ask for http://HOST/PATH, or CONNECT HOST:PORT to tunnel`
  }
  if (scheme[1].toLowerCase() !== 'http') {
    return `${scheme[1].toLowerCase()}:// is not served as absolute-form: tunnel it with CONNECT HOST:PORT (as clients do for https)`
  }
  const from = scheme[0].length
  const stop = target.slice(from).search(/[/?#]/)
  const authority = stop < 0 ? target.slice(from) : target.slice(from, from + stop)
  const rest = stop < 0 ? '' : target.slice(from + stop)
  if (authority.includes('@')) return `user information in "${target.slice(0, 80)}" is not served (send credentials in headers)`
  if (rest.startsWith('#')) return `a fragment in the request target "${target.slice(0, 80)}"`
  const dest = parseAuthority(authority, 80)
  if (typeof dest === 'string') return `${target.slice(0, 80)}: ${dest}`
  return { ...dest, path: rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest }
}

/** `host:port` as a Host header or a capture target writes it. */
export function authorityText(d: Destination): string {
  return formatEndpoint({ kind: 'tcp', host: d.host, port: d.port })
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported'
}

/** The proxy's own answer: `message` as a one-line plain-text body, and the connection closes after it. */
export function proxyAnswer(status: number, message: string, headers: Record<string, string> = {}): Buffer {
  const body = Buffer.from(`tcpscope: ${message}\n`)
  const lines = [`HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`]
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  lines.push('Content-Type: text/plain; charset=utf-8', `Content-Length: ${body.length}`, 'Connection: close', 'Proxy-Connection: close', '', '')
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), body])
}

export const CONNECT_ESTABLISHED = Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n')
