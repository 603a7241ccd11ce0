// A forward step's HTTP/2 request, sent to the step's destination instead of the target, on a
// connection of its own that the capture records (owner `rules`, as HTTP/1's forward:
// rule-forward.ts), and its whole answer handed back for the client's stream.
//
// How the destination is spoken to:
// - `https://`: TLS offering ALPN h2 and http/1.1. h2 agreed: HTTP/2. Otherwise the request
//   goes as HTTP/1.1 on that connection, unless it is a gRPC call (content-type
//   application/grpc*), which needs HTTP/2: then it fails, saying so.
// - `http://` (or `host:port`): h2c with prior knowledge, the request sent once the
//   destination's SETTINGS came (so a server that is not HTTP/2 never gets it). A destination
//   that answers the preface with anything else, closes, or sends no SETTINGS within the
//   connect timeout does not speak h2c: a gRPC call fails; another request goes as HTTP/1.1
//   on a connection of its own, and later ones of this client connection to that destination
//   go as HTTP/1.1 at once (`Http1Only`).
// HTTP/1.1 goes through rule-forward.ts (the request written from the stream's fields: Host
// from :authority; the answer's chunked framing undone), so both protocols' forwards frame
// HTTP/1 one way.
//
// node:http2 is the client, over a stream whose bytes the recording sees (replay's
// H2ReplaySession.over: given the socket itself, node:http2 would read and write its handle
// natively and the capture would see nothing). The answer is held whole, bounded by the hold
// limit, within ANSWER_TIMEOUT_MS; the caller's signal (the client's stream reset, its
// connection closed) cancels it.

import type { ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2'
import { nodeHttp2 } from '../../lazy-builtins'
import type { TLSSocket } from 'node:tls'
import { MAX_HELD_MESSAGE } from '../../../shared/break-types'
import { formatBytes } from '../../../shared/human-readable'
import { isChunked, parseResponse, withFittedLength, type EditableRequest } from '../../../shared/http-request-edit'
import { h2ErrorName } from '../../../shared/protocol-types'
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../../shared/limits'
import type { LiveCapture } from '../../capture/write/live-capture'
import { dechunk } from '../../http/body/dechunk'
import { H2ReplaySession } from '../../replay/h2-session'
import { ReplayLink } from '../../replay/raw-replay'
import { serialize } from '../http-edit'
import { ANSWER_TIMEOUT_MS, answerOver, forwardRequest, forwardTarget } from '../rule-forward'
import { fieldValue, h2Headers, isGrpc, type Answer, type Field } from './h2-message'

/** A request as the forward sends it: its fields (pseudo-headers first), whole body and trailers. */
export interface H2Forwarded {
  fields: Field[]
  body: Buffer
  trailers: Field[]
}

/** The destination's answer for the client's stream, and the protocol it was had in. */
export interface H2ForwardReply {
  answer: Answer
  protocol: 'h2' | 'http/1.1'
}

/** Destinations (`to`) found to speak no h2c, per client connection: bounded, the newest kept. */
export class Http1Only {
  private readonly set = new Set<string>()
  has(to: string): boolean {
    return this.set.has(to)
  }
  add(to: string): void {
    this.set.add(to)
    if (this.set.size > 64) this.set.delete(this.set.values().next().value!)
  }
}

/** The destination does not speak HTTP/2: the request may go as HTTP/1.1. */
class NotH2 extends Error {}

export async function forwardH2(capture: LiveCapture | undefined, to: string, req: H2Forwarded, signal: AbortSignal, http1: Http1Only): Promise<H2ForwardReply> {
  const grpc = isGrpc(req.fields)
  if (!grpc && http1.has(to)) return viaHttp1(capture, to, req, signal)
  const { target, rec, tls } = await forwardTarget(capture, to, ['h2', 'http/1.1'])
  const socket = await target.connect({ ...(rec !== undefined ? { record: rec } : {}), signal })
  if (tls && (socket as TLSSocket).alpnProtocol !== 'h2') {
    const alpn = (socket as TLSSocket).alpnProtocol
    const why = `${target.where} did not agree to HTTP/2 in its TLS handshake (ALPN ${typeof alpn === 'string' ? alpn : 'none'})`
    if (grpc) {
      socket.once('close', () => rec?.close('closed'))
      socket.destroy()
      throw new Error(`${why}, and a gRPC call needs it`)
    }
    return http1Answer(await answerOver(socket, rec, http1Request(req), methodOf(req), signal), methodOf(req))
  }
  const link = new ReplayLink(socket, rec, undefined, signal, ANSWER_TIMEOUT_MS)
  const h2 = H2ReplaySession.over(socket, link, rec, target.where, `${tls ? 'https' : 'http'}://${target.where}`)
  try {
    await settingsFrom(h2, signal)
    return { answer: await exchange(h2, req, tls ? 'https' : 'http', signal), protocol: 'h2' }
  } catch (err) {
    if (!(err instanceof NotH2) || tls) throw err
    if (grpc) throw new Error(`${target.where} does not speak HTTP/2 (h2c) and a gRPC call needs it: ${err.message}`)
    http1.add(to)
  } finally {
    await h2.close(signal.aborted ? 'stopped' : 'closed')
  }
  return viaHttp1(capture, to, req, signal)
}

/** Resolves once the destination's SETTINGS came; a NotH2 when it closed, failed or kept silent first. */
function settingsFrom(h2: H2ReplaySession, signal: AbortSignal): Promise<void> {
  const session = h2.session
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new NotH2(`no HTTP/2 SETTINGS within ${DEFAULT_CONNECT_TIMEOUT_MS / 1000} s`)), DEFAULT_CONNECT_TIMEOUT_MS)
    const onAbort = (): void => done(new Error('cancelled'))
    const onError = (err: Error): void => done(new NotH2(err.message))
    const onClose = (): void => done(new NotH2('it closed the connection after the HTTP/2 preface'))
    const done = (err?: Error): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      session.off('remoteSettings', onSettings)
      session.off('error', onError)
      session.off('close', onClose)
      if (err === undefined) resolve()
      else reject(err)
    }
    const onSettings = (): void => done()
    session.once('remoteSettings', onSettings)
    session.once('error', onError)
    session.once('close', onClose)
    signal.addEventListener('abort', onAbort, { once: true })
    if (signal.aborted) onAbort()
  })
}

/** One stream: the request sent whole, the answer read whole (bounded), within the answer timeout. */
function exchange(h2: H2ReplaySession, req: H2Forwarded, scheme: 'http' | 'https', signal: AbortSignal): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    let stream: ClientHttp2Stream | undefined
    const timer = setTimeout(() => done(new Error(`no whole answer within ${ANSWER_TIMEOUT_MS / 1000} s`)), ANSWER_TIMEOUT_MS)
    const onAbort = (): void => done(new Error('cancelled'))
    let settled = false
    const done = (result: Answer | Error): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      if (result instanceof Error) {
        if (stream !== undefined && !stream.closed) stream.close(nodeHttp2().constants.NGHTTP2_CANCEL)
        reject(result)
      } else resolve(result)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      stream = h2.session.request(outgoing(req.fields, scheme), { endStream: req.body.length === 0 && req.trailers.length === 0, waitForTrailers: req.trailers.length > 0 })
    } catch (err) {
      return done(new Error(`the request cannot be sent as HTTP/2: ${(err as Error).message}`))
    }
    if (req.trailers.length > 0) stream.once('wantTrailers', () => stream!.sendTrailers(outgoing(req.trailers, scheme)))
    let head: IncomingHttpHeaders | undefined
    let trailers: Field[] = []
    const parts: Buffer[] = []
    let size = 0
    let ended = false
    stream.on('response', (h) => (head = h))
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_HELD_MESSAGE) return done(new Error(`its answer is over the ${formatBytes(MAX_HELD_MESSAGE)} hold limit`))
      parts.push(chunk)
    })
    stream.on('trailers', (t: IncomingHttpHeaders) => (trailers = fieldsOf(t)))
    stream.on('end', () => (ended = true))
    stream.on('error', (err: Error) => done(err))
    stream.on('close', () => {
      const code = stream!.rstCode
      if (head === undefined || !ended) return done(new Error(code !== undefined && code !== nodeHttp2().constants.NGHTTP2_NO_ERROR ? `it reset the stream (${h2ErrorName(code)})` : 'the connection ended before a whole answer'))
      const status = String(head[':status'] ?? '')
      const grpcStatus = fieldValue(trailers, 'grpc-status') ?? (head['grpc-status'] as string | undefined)
      done({ fields: [{ name: ':status', value: status }, ...fieldsOf(head)], body: Buffer.concat(parts), status: grpcStatus !== undefined ? `${status} (grpc-status ${grpcStatus})` : status, ...(trailers.length > 0 ? { trailers } : {}) })
    })
    if (req.body.length > 0 || req.trailers.length > 0) stream.end(req.body)
  })
}

/** node:http2's headers of `fields`, :scheme the connection's; a name given twice is given both values. */
function outgoing(fields: readonly Field[], scheme: 'http' | 'https'): OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = {}
  for (const f of fields) {
    const value = f.name === ':scheme' ? scheme : f.value
    const had = out[f.name]
    out[f.name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value]
  }
  return out
}

/** The fields of node:http2's headers, pseudo-headers left out. */
function fieldsOf(h: IncomingHttpHeaders): Field[] {
  const out: Field[] = []
  for (const [name, v] of Object.entries(h)) {
    if (name.startsWith(':') || v === undefined) continue
    for (const value of Array.isArray(v) ? v : [v]) out.push({ name, value: String(value) })
  }
  return out
}

const methodOf = (req: H2Forwarded): string => fieldValue(req.fields, ':method') ?? 'GET'

/** The request as HTTP/1.1: :method and :path on the request line, Host from :authority, Content-Length fitted (its trailers are not sent). */
function http1Request(req: H2Forwarded): Buffer {
  const host = fieldValue(req.fields, ':authority') ?? fieldValue(req.fields, 'host')
  const headers = req.fields.filter((f) => !f.name.startsWith(':') && f.name !== 'host')
  const r: EditableRequest = { method: methodOf(req), target: fieldValue(req.fields, ':path') ?? '/', version: 'HTTP/1.1', headers: [...(host !== undefined ? [{ name: 'host', value: host }] : []), ...headers], eol: '\r\n', body: req.body }
  return serialize(withFittedLength(r))
}

async function viaHttp1(capture: LiveCapture | undefined, to: string, req: H2Forwarded, signal: AbortSignal): Promise<H2ForwardReply> {
  return http1Answer(await forwardRequest(capture, to, http1Request(req), methodOf(req), signal), methodOf(req))
}

/** An HTTP/1 answer as the stream's: its status, the headers HTTP/2 carries (Transfer-Encoding not), and its body unchunked. */
async function http1Answer(bytes: Buffer, method: string): Promise<H2ForwardReply> {
  const parsed = parseResponse(bytes)
  if ('error' in parsed) throw new Error(`its HTTP/1.1 answer cannot be read: ${parsed.error}`)
  const r = parsed.response
  let body = Buffer.from(r.body)
  if (isChunked(r)) {
    const parts: Uint8Array[] = []
    for await (const piece of dechunk(one(body))) parts.push(piece)
    body = Buffer.concat(parts)
  }
  const noBody = method === 'HEAD' || r.status === '204' || r.status === '304'
  return { answer: { fields: [{ name: ':status', value: r.status }, ...h2Headers(r.headers)], body: noBody ? Buffer.alloc(0) : body, status: r.status }, protocol: 'http/1.1' }
}

async function* one(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes
}
