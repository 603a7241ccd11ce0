// A captured HTTP request as a shell command that sends it again with curl: the same
// method, request target (--request-target, --path-as-is), version, header lines as they
// were on the wire (their case, order and exact bytes, read from the capture by range),
// and the body byte for byte through printf (a builtin, so no argument limit; octal
// escapes carry any byte, NUL too). curl's own headers the request did not have are
// suppressed. What curl cannot do is said in a comment above the command: it always sends
// Host first, and it frames a chunked body its own way.
//
// A server tcpscope verified through a CA file (`--upstream-ca`) gets `--cacert` with the path
// the capture records, when that names a regular file where the export is made; a comment
// above the command says so, or why it was left out (a capture may come from anyone).
//
// An HTTP/2 request goes out as HTTP/2 (--http2 over TLS, --http2-prior-knowledge in
// cleartext, h2c): its URL made of `:authority` and `:path` (the scheme is the one curl must
// speak to the target), `--connect-to` the server it went to, the method from `:method`, and
// its regular headers as decoded (HPACK has no header lines to copy), pseudo-headers left out:
// curl makes those from the URL and the method.
//
// Exported `as: 'delivered'`, the request is the one the target got after tcpscope's rules
// (delivered.ts): a rewrite's request, read from its rule record, so the command sends what
// the server saw; the comment above it names the rule. A request a rule answered never
// reached the target: the command is the client's, and its comment says so. A request that
// came to the forward proxy as absolute-form HTTP is sent as the origin got it, without the
// proxy's credentials (as-origin-got.ts).

import { stat } from 'node:fs/promises'
import { missingExchange } from '../decode/missing-exchange'
import type { ConnectionSummary } from '../../shared/capture-types'
import { parseEndpoint } from '../../shared/endpoint'
import { UserError } from '../../shared/errors'
import { formatBytes } from '../../shared/human-readable'
import { targetScheme } from '../../shared/http-scheme'
import { isH2, pseudoHeader, regularHeaders } from '../../shared/h2-request'
import type { HttpMessage } from '../../shared/protocol-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { Decoding } from '../decode/decoding'
import { parseHead } from '../protocols/http1/head-parser'
import { absoluteFormOrigin, asOriginGets } from '../proxy/forward/as-origin-got'
import type { Destination as Origin } from '../proxy/forward/http-proxy-request'
import { requestAsDelivered, ruleActs, type DeliveredMessage, type ExportAs } from './delivered'

/** The command goes on a clipboard and into a shell: a body beyond this is refused, not pasted. */
export const MAX_CURL_BODY = 4 * 1024 * 1024

/** Headers curl adds on its own unless told not to (lower case). */
const CURL_DEFAULTS = ['host', 'user-agent', 'accept']
/** Added when it sends a body. */
const CURL_BODY_DEFAULTS = ['content-type', 'content-length', 'expect']

const PRINTABLE = (b: number): boolean => b >= 0x20 && b <= 0x7e

/** A shell word for these bytes: single-quoted when plain ASCII, else $'...' with \xHH escapes. */
export function shellWord(bytes: Uint8Array | string): string {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes
  if (b.every(PRINTABLE)) return `'${Buffer.from(b).toString('latin1').replace(/'/g, `'\\''`)}'`
  let out = "$'"
  for (const c of b) {
    if (c === 0x27 || c === 0x5c) out += '\\' + String.fromCharCode(c)
    else out += PRINTABLE(c) ? String.fromCharCode(c) : '\\x' + c.toString(16).padStart(2, '0')
  }
  return out + "'"
}

/** A printf format that prints exactly these bytes (octal escapes: POSIX printf, any shell). */
export function printfFormat(bytes: Uint8Array): string {
  let out = "'"
  for (const c of bytes) {
    out += PRINTABLE(c) && c !== 0x27 && c !== 0x5c && c !== 0x25 ? String.fromCharCode(c) : '\\' + c.toString(8).padStart(3, '0')
  }
  return out + "'"
}

const stripCrlf = (b: Buffer): Buffer => {
  let end = b.length
  while (end > 0 && (b[end - 1] === 0x0a || b[end - 1] === 0x0d)) end--
  return b.subarray(0, end)
}

interface Destination {
  url: string
  unixSocket?: string
  /** `--resolve NAME:PORT:ADDRESS`: the URL names the server by its TLS name, and this is where it was. */
  resolve?: string
}

const bracketed = (host: string): string => (host.includes(':') ? `[${host}]` : host)

/**
 * Where curl should connect: the server the request went to (the connection's target), as
 * a URL and maybe a socket path. curl talks to the target, so TLS toward the target (the
 * `server` leg) decides `https`; over TLS the URL names the server as tcpscope did (SNI),
 * so curl sends that name and checks the certificate against it.
 */
function destination(conn: ConnectionSummary): Destination {
  const scheme = targetScheme(conn.tls)
  const name = conn.tls?.server?.sni
  const remote = conn.upstream?.remote
  if (remote !== undefined && 'address' in remote) {
    if (scheme === 'https' && name !== undefined && name !== remote.address) {
      return { url: `https://${bracketed(name)}:${remote.port}/`, resolve: `${name}:${remote.port}:${bracketed(remote.address)}` }
    }
    return { url: `${scheme}://${bracketed(remote.address)}:${remote.port}/` }
  }
  try {
    const e = parseEndpoint(conn.target)
    if (e.kind === 'unix') return { url: `${scheme}://${name ?? 'localhost'}/`, unixSocket: e.path }
    return { url: `${scheme}://${bracketed(name ?? e.host)}:${e.port}/` }
  } catch {
    return { url: `${scheme}://${name ?? 'localhost'}/`, unixSocket: conn.target }
  }
}

/**
 * Whether a path names a regular file here and now. A capture is someone else's file: the CA
 * path it records can be /dev/stdin, a FIFO or a device, and curl would hang reading it. stat
 * only looks (it follows a link, opens nothing), and never blocks the engine.
 */
async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

/** What the command needs of the connection's TLS, and what it says about it. */
async function tlsArgs(conn: ConnectionSummary, args: string[], notes: string[]): Promise<void> {
  const tls = conn.tls
  // tcpscope verified the server through the CA file it was told to trust: curl must be told too.
  // --cacert replaces curl's whole trust store, and the path comes from the capture: the
  // comment says where it came from, so a reader sees whose CA the command trusts. Its words
  // hold no shell syntax (the path is quoted): zsh, by default, runs a pasted `# ...` line as
  // a command, and a `;` in it would start another.
  const caFile = tls?.server?.caFile
  if (caFile !== undefined) {
    if (await isRegularFile(caFile)) {
      notes.push('# --cacert: the CA file the proxy verified this server with, given as --upstream-ca and recorded in the capture.')
      args.push('--cacert', shellWord(caFile))
    } else {
      notes.push(`# --cacert left out: the capture says the proxy verified this server with the CA file ${shellWord(caFile)}, given as --upstream-ca, and that is not a regular file here, so curl checks the server against its own CAs.`)
    }
  }
  if (tls?.server?.unverified !== undefined) {
    args.push('--insecure')
    notes.push(`# tcpscope did not verify this server's certificate (${tls.server.unverified.replace(/\s+/g, ' ')}); neither does this command.`)
  }
  if (tls?.client !== undefined && tls.server === undefined) notes.push('# The client reached tcpscope over TLS; the target speaks plain HTTP, and so does this command.')
}

/** Each header line as sent: from the capture, or from the bytes a rule delivered. */
async function headerLines(view: CaptureView, connId: number, req: HttpMessage, delivered: DeliveredMessage | undefined): Promise<Buffer[]> {
  const read = async (offset: number, length: number): Promise<Buffer> =>
    delivered ? Buffer.from(delivered.bytes.subarray(offset, offset + length)) : view.readBytes(connId, 'client', offset, length)
  return Promise.all(req.headers.map(async (h) => stripCrlf(await read(h.range.offset, h.range.length))))
}

const bodyTooBig = (size: number): UserError =>
  new UserError(`the request body is ${formatBytes(size)}; a curl command carries at most ${formatBytes(MAX_CURL_BODY)} (export HAR or the raw bytes instead)`)

/** What -H takes for one header line: `Name: value` as sent; an empty value needs curl's `Name;`. */
function headerArg(line: Buffer, name: string, value: string): Uint8Array {
  // A folded (obs-fold) line cannot be one argument; its joined value stands in.
  const folded = line.includes(0x0a)
  if (value === '') return Buffer.from(`${name};`, 'latin1')
  return folded ? Buffer.from(`${name}: ${value}`, 'latin1') : line
}

async function requestBody(view: CaptureView, decoding: Decoding, connId: number, exchange: number, req: HttpMessage): Promise<Buffer> {
  if (req.body.framing === 'none' || req.body.size === 0) return Buffer.alloc(0)
  if (req.body.size > MAX_CURL_BODY) throw bodyTooBig(req.body.size)
  const parts: Uint8Array[] = []
  for (let offset = 0; offset <= MAX_CURL_BODY; ) {
    const p = await decoding.body(view, { connId, exchange, part: 'request', decode: false, offset, length: MAX_CURL_BODY + 1 - offset })
    parts.push(p.bytes)
    offset += p.bytes.length
    if (p.end || p.bytes.length === 0) break
  }
  return Buffer.concat(parts)
}

/** The curl command for request `exchange` of connection `connId`: as the client sent it, or as the target got it. */
export async function curlCommand(view: CaptureView, decoding: Decoding, connId: number, exchange: number, as: ExportAs = 'sent'): Promise<string> {
  const conn = await view.connection(connId)
  if (conn === undefined) throw new UserError(`no connection #${connId} in this capture`)
  const page = await decoding.exchanges(view, connId, exchange, 1)
  const ex = page.exchanges[0]
  if (ex === undefined && page.total === 0) throw new UserError(`connection #${connId} carries no HTTP request (it reads as ${page.protocol === 'unknown' ? 'nothing yet' : page.protocol}); curl is for HTTP connections`)
  if (ex === undefined) throw missingExchange(connId, exchange, page.total)
  if (ex.request === undefined || ex.request.method === undefined) throw new UserError(`exchange ${exchange + 1} of connection #${connId} has no request`)
  const notes: string[] = []
  let req = ex.request
  let delivered: DeliveredMessage | undefined
  if (as === 'delivered') {
    const got = await requestAsDelivered(await ruleActs(view, connId), ex)
    if (got.request !== undefined) {
      req = got.request
      delivered = got.delivered.get(req)
    }
    notes.push(...got.notes.map((n) => `# ${n}.`))
    if (got.local) notes.push('# The target never got this request: this is the request as the client sent it.')
  }
  if (delivered === undefined && !isH2(req)) {
    const origin = absoluteFormOrigin(conn)
    if (origin !== undefined) delivered = await asOriginGot(view, connId, req, origin, notes)
    if (delivered !== undefined) req = delivered.message
  }
  let body: Buffer
  if (delivered?.content !== undefined) {
    if (delivered.content.length > MAX_CURL_BODY) throw bodyTooBig(delivered.content.length)
    body = Buffer.from(delivered.content)
  } else body = await requestBody(view, decoding, connId, exchange, req)
  if (isH2(req)) return h2Command(conn, req, body, notes)
  const lines = await headerLines(view, connId, req, delivered)
  const names = req.headers.map((h) => h.name.toLowerCase())
  const args: string[] = []
  const version = req.version.toUpperCase()
  args.push(version === 'HTTP/1.0' ? '--http1.0' : '--http1.1', '--path-as-is')
  const target = req.target ?? '/'
  args.push('--request-target', shellWord(target))
  const method = req.method ?? 'GET'
  if (method === 'HEAD') args.push('--head')
  else args.push('--request', shellWord(method))
  const dest = destination(conn)
  if (dest.unixSocket !== undefined) args.push('--unix-socket', shellWord(dest.unixSocket))
  if (dest.resolve !== undefined) args.push('--resolve', shellWord(dest.resolve))
  await tlsArgs(conn, args, notes)
  const hostAt = names.indexOf('host')
  if (hostAt > 0) notes.push(`# curl sends Host first; this request had it as header ${hostAt + 1} of ${names.length}.`)
  if (names.includes('transfer-encoding') && req.body.framing === 'chunked') notes.push('# curl cuts the body into chunks its own way (the content is the same; chunk sizes, extensions and trailers are not).')
  req.headers.forEach((h, i) => args.push('-H', shellWord(headerArg(lines[i], h.name, h.value))))
  suppressDefaults(args, names, body, CURL_DEFAULTS)
  return finish(args, notes, body, dest.url)
}

/**
 * A forward proxy's absolute-form request as the origin got it (as-origin-got.ts): the
 * command sends that, not the proxy's credentials; its body is the captured one.
 */
async function asOriginGot(view: CaptureView, connId: number, req: HttpMessage, origin: Origin, notes: string[]): Promise<DeliveredMessage> {
  const head = asOriginGets(await view.readBytes(connId, 'client', req.headRange.offset, req.headRange.length), origin, `this request (${req.target ?? ''})`)
  const parsed = parseHead(head.toString('latin1'), 0, 'client', 'request')
  if (typeof parsed === 'string') throw new UserError(`the request as the origin got it is not HTTP (${parsed})`)
  notes.push(`# The client asked tcpscope's forward proxy for ${req.target ?? ''}; this command sends the request as the origin got it (no proxy headers).`)
  return { message: { ...req, target: parsed.target, startLine: parsed.startLine, headers: parsed.headers }, bytes: head }
}

/** `Name:` for each header curl adds on its own that the request did not have: it takes curl's own away. */
function suppressDefaults(args: string[], names: readonly string[], body: Buffer, defaults: readonly string[]): void {
  for (const d of body.length > 0 ? [...defaults, ...CURL_BODY_DEFAULTS] : defaults) {
    if (names.includes(d)) continue
    args.push('-H', shellWord(`${d.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase())}:`))
  }
}

/** The command: the body piped in through printf, the URL last. */
function finish(args: string[], notes: string[], body: Buffer, url: string): string {
  if (body.length > 0) args.push('--data-binary', '@-')
  args.push(shellWord(url))
  const curl = ['curl', ...pairUp(args)].join(' \\\n  ')
  const command = body.length > 0 ? `printf ${printfFormat(body)} | ${curl}` : curl
  return [...notes, command].join('\n') + '\n'
}

/** Where the request went: the server's address (or the target as named), or a Unix socket. */
function serverOf(conn: ConnectionSummary): { host: string; port: number } | { path: string } {
  const remote = conn.upstream?.remote
  if (remote !== undefined && 'address' in remote) return { host: remote.address, port: remote.port }
  try {
    const e = parseEndpoint(conn.target)
    return e.kind === 'unix' ? { path: e.path } : { host: e.host, port: e.port }
  } catch {
    return { path: conn.target }
  }
}

/** `host` and `port` of an authority (`[v6]:port`, `name:port`, `name`). */
function splitAuthority(authority: string): { host: string; port?: string } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority)
  return m === null ? { host: authority } : { host: m[1], ...(m[2] ? { port: m[2] } : {}) }
}

/**
 * An HTTP/2 request's command: HTTP/2 to the target (TLS by its server leg, as for HTTP/1),
 * the URL from `:authority` and `:path`, sent to the recorded server with --connect-to so
 * the authority (and over TLS the name checked) stays the one the client used.
 */
/** The host (and port) of a URL made from recorded names; a name no URL takes (a hostile SNI) stays as it was. */
function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return url.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '')
  }
}

async function h2Command(conn: ConnectionSummary, req: HttpMessage, body: Buffer, notes: string[]): Promise<string> {
  const args: string[] = []
  const scheme = targetScheme(conn.tls)
  args.push(scheme === 'https' ? '--http2' : '--http2-prior-knowledge', '--path-as-is')
  const method = pseudoHeader(req.headers, ':method') ?? req.method ?? 'GET'
  const path = pseudoHeader(req.headers, ':path') ?? req.target ?? '/'
  const authority = pseudoHeader(req.headers, ':authority') ?? hostOf(destination(conn).url)
  const recordedScheme = pseudoHeader(req.headers, ':scheme')
  if (recordedScheme !== undefined && recordedScheme !== scheme) notes.push(`# The request said :scheme ${recordedScheme}; tcpscope reached the target in ${scheme === 'https' ? 'TLS' : 'cleartext'}, and so does this command (curl sends :scheme ${scheme}).`)
  // curl sends :path as --request-target says, byte for byte; the URL carries it too, for people.
  args.push('--request-target', shellWord(path))
  if (method === 'HEAD') args.push('--head')
  else args.push('--request', shellWord(method))
  const server = serverOf(conn)
  if ('path' in server) args.push('--unix-socket', shellWord(server.path))
  else {
    const { host, port } = splitAuthority(authority)
    const at = `${bracketed(server.host)}:${server.port}`
    if (`${host}:${port ?? ''}` !== at) args.push('--connect-to', shellWord(`${host}:${port ?? ''}:${at}`))
  }
  await tlsArgs(conn, args, notes)
  const headers = regularHeaders(req.headers)
  for (const h of headers) args.push('-H', shellWord(h.value === '' ? `${h.name};` : `${h.name}: ${h.value}`))
  // HTTP/2 has no Host line: :authority stands for it, from the URL.
  suppressDefaults(args, headers.map((h) => h.name.toLowerCase()), body, CURL_DEFAULTS.filter((d) => d !== 'host'))
  // A path a URL cannot carry as it is (a space, a fragment mark) is --request-target's alone.
  return finish(args, notes, body, `${scheme}://${authority}${/^\/[\x21-\x7e]*$/.test(path) && !path.includes('#') ? path : '/'}`)
}

/** Options with their values on one line each, for a readable command. */
function pairUp(args: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const takesValue = ['--request-target', '--request', '--unix-socket', '--resolve', '--connect-to', '--cacert', '-H', '--data-binary'].includes(args[i])
    out.push(takesValue ? `${args[i]} ${args[++i]}` : args[i])
  }
  return out
}
