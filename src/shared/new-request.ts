// A request composed from scratch (replay.send, the Replay tab's "New request"): its URL read
// into where it goes and what its head names, and every part checked in one place, so the
// composer says what is wrong while the person types and the engine refuses the same thing
// in the same one line. Pure TypeScript: the URL parser is the WHATWG one both sides have.

/** Methods the composer offers first; any token is accepted. */
export const COMMON_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const

/** Methods whose request says how long its (maybe empty) body is, as curl and browsers send them. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])

/** RFC 9110 5.6.2: a method and a header name are tokens. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const TOKEN_WORDS = "letters, digits and !#$%&'*+-.^_`|~ only"

/** HTTP/1's connection headers, which HTTP/2 forbids (RFC 9113 8.2.2); TE only as "trailers". */
const H1_ONLY = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'])

/** Where a composed request goes and what its head names, from its URL. */
export interface RequestUrl {
  scheme: 'http' | 'https'
  /** The host to connect to: a name, or an IP (IPv6 without brackets). */
  host: string
  port: number
  /** Host and :authority: the URL's host, with its port unless it is the scheme's default. */
  authority: string
  /** The request target: path and query (a fragment is never sent). */
  path: string
}

const shown = (text: string): string => JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text)

/** The URL read, or the one line saying why it cannot be sent to. */
export function parseRequestUrl(text: string): RequestUrl | { error: string } {
  const url = text.trim()
  if (url === '') return { error: 'the URL is empty: give http://HOST[:PORT]/PATH or https://…' }
  // `localhost:8080/x` parses as the scheme "localhost": said as the missing scheme it is.
  if (!url.includes('://')) return { error: `${shown(url)} does not start with http:// or https://: add one in front` }
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return { error: `${shown(url)} is not a URL: give http://HOST[:PORT]/PATH or https://…` }
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { error: `the URL's scheme is ${u.protocol.slice(0, -1)}: a request goes to http:// or https://` }
  if (u.username !== '' || u.password !== '') return { error: 'the URL holds a user name or password: send them in an Authorization header instead' }
  const scheme = u.protocol === 'https:' ? 'https' : 'http'
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname
  return { scheme, host, port: u.port === '' ? (scheme === 'https' ? 443 : 80) : Number(u.port), authority: u.host, path: `${u.pathname}${u.search}` }
}

export function methodProblem(method: string): string | undefined {
  if (method === '') return 'the method is empty: GET, POST, or another token'
  if (!TOKEN.test(method)) return `method ${shown(method)} is not a token (${TOKEN_WORDS}, no spaces)`
  return undefined
}

/** Header `n` (from 1) as a person wrote it, checked: a token name, a one-line Latin-1 value; over HTTP/2, none of HTTP/1's connection headers. */
export function headerProblem(n: number, name: string, value: string, http2 = false): string | undefined {
  if (name === '') return `header ${n} has no name`
  if (name.startsWith(':')) return `header ${n} (${shown(name)}) is a pseudo-header: the method and the URL make them`
  if (!TOKEN.test(name)) return `header ${n} name ${shown(name)} is not a token (${TOKEN_WORDS}, no spaces or colons)`
  if (/[\r\n\0]/.test(value)) return `header ${n} (${name}) holds a CR, LF or NUL: a header's value is one line`
  // A head is bytes: a character past U+00FF has no one byte to be, and HTTP says none of them should be sent raw.
  const wide = [...value].find((c) => c.codePointAt(0)! > 0xff)
  if (wide !== undefined) return `header ${n} (${name}) holds ${shown(wide)} (U+${wide.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}), beyond Latin-1: percent-encode it`
  const lower = name.toLowerCase()
  if (http2 && (H1_ONLY.has(lower) || (lower === 'te' && value.trim().toLowerCase() !== 'trailers'))) {
    return `header ${n} (${name}) belongs to HTTP/1's connection and HTTP/2 does not send it: remove it, or send over HTTP/1.1`
  }
  return undefined
}

export interface NewRequestParts {
  url: string
  method: string
  headers: ReadonlyArray<readonly [string, string]>
  http2?: boolean
}

/** The first thing wrong with a composed request, in one line; undefined when it can be sent. */
export function newRequestProblem(r: NewRequestParts): string | undefined {
  const url = parseRequestUrl(r.url)
  if ('error' in url) return url.error
  const method = methodProblem(r.method)
  if (method !== undefined) return method
  for (const [i, [name, value]] of r.headers.entries()) {
    const problem = headerProblem(i + 1, name, value, r.http2)
    if (problem !== undefined) return problem
  }
  return undefined
}

/** The request sends a Content-Length: it has a body, or its method is one that carries one (an empty POST says 0). */
export const saysLength = (method: string, bodyLength: number): boolean => bodyLength > 0 || BODY_METHODS.has(method.toUpperCase())
