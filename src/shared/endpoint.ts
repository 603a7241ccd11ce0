// Endpoints as people type them ("8080", "127.0.0.1:8080", "[::1]:80", "/tmp/x.sock"),
// parsed once here so the CLI and the UI accept exactly the same forms.

export type Endpoint =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'unix'; path: string }

import { ERROR_CODES, UserError } from './errors'

export class EndpointError extends UserError {
  constructor(message: string) {
    super(message, ERROR_CODES.EINVAL)
  }
}

const PORT_RE = /^\d{1,5}$/

function parsePort(text: string, input: string): number {
  if (!PORT_RE.test(text) || Number(text) > 65535) {
    throw new EndpointError(`bad port in "${input}": use a number from 0 to 65535`)
  }
  return Number(text)
}

function looksLikePath(input: string): boolean {
  return input.startsWith('/') || input.startsWith('./') || input.startsWith('../') || input.startsWith('\\\\')
}

/**
 * Parses `[HOST:]PORT`, `[IPv6]:PORT` or a Unix socket path.
 * `defaultHost` applies when only a port is given (listening); without it a host is required.
 */
export function parseEndpoint(input: string, defaultHost?: string): Endpoint {
  const text = input.trim()
  if (text === '') throw new EndpointError('empty address: give HOST:PORT or a socket path')
  if (looksLikePath(text)) return { kind: 'unix', path: text }
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close < 0 || text[close + 1] !== ':') {
      throw new EndpointError(`bad address "${input}": write IPv6 as [ADDR]:PORT`)
    }
    return { kind: 'tcp', host: text.slice(1, close), port: parsePort(text.slice(close + 2), input) }
  }
  const colon = text.lastIndexOf(':')
  if (colon < 0) {
    if (defaultHost === undefined) {
      throw new EndpointError(`bad address "${input}": give HOST:PORT (e.g. 127.0.0.1:6379) or a socket path`)
    }
    return { kind: 'tcp', host: defaultHost, port: parsePort(text, input) }
  }
  if (text.indexOf(':') !== colon) {
    throw new EndpointError(`bad address "${input}": write IPv6 as [ADDR]:PORT`)
  }
  const host = text.slice(0, colon)
  if (host === '') throw new EndpointError(`bad address "${input}": the host is missing before ":"`)
  return { kind: 'tcp', host, port: parsePort(text.slice(colon + 1), input) }
}

/** Where to connect: as parseEndpoint, but port 0 means "any free port" only when listening. */
export function parseConnectEndpoint(input: string): Endpoint {
  const ep = parseEndpoint(input)
  if (ep.kind === 'tcp' && ep.port === 0) throw new EndpointError(`bad port in "${input}": connect to a port from 1 to 65535 (0 only means "any" when listening)`)
  return ep
}

export function formatEndpoint(e: Endpoint): string {
  if (e.kind === 'unix') return e.path
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`
}

/** The port of a target as typed (`HOST:PORT`, `[::1]:6379`); undefined for a socket path or a typo. */
export function targetPort(target: string): number | undefined {
  const m = /:(\d{1,5})$/.exec(target)
  const port = m ? Number(m[1]) : NaN
  return port > 0 && port < 65536 ? port : undefined
}
