// The client-to-origin stage (forward-stage.ts) of a tunnel that came as absolute-form HTTP
// (`GET http://host/path` to the proxy). Each request's head is rewritten as the origin must
// see it (RFC 9112 3.2.2): the request line in origin-form, Host set to the target's
// authority, and the proxy's own headers (Proxy-Authorization: the proxy's credentials;
// Proxy-Connection) left out. Bodies pass untouched, framed by the protocol decoder's
// MessageReader, so a head is found wherever it falls in the stream.
//
// A keep-alive client may name another origin in a later request on the same connection
// (curl does when given several URLs). That request is never sent to this origin: the
// stage stops before it and ends the origin's side (FIN), the origin answers what it already
// got and closes, and the client sees the connection close with its request unanswered.
// Clients retry such a request on a new connection (RFC 9112 9.3.1; curl, browsers), and
// that one becomes a tunnel of its own, to its own origin, so each capture connection
// holds one origin's traffic. (Answering it ourselves would mean interleaving an answer
// with the origin's responses still in flight.) The capture records the client's bytes as
// it sent them (before this stage), so that last request shows there, unanswered.
//
// After a request that asks to switch protocols (Upgrade, e.g. a WebSocket), the rest of
// the stream is no longer HTTP: it passes untouched.

import type { ForwardStage, StagePort } from '../forward-stage'
import type { HttpMessage } from '../../../shared/protocol-types'
import { requestFraming, type Framing } from '../../protocols/http1/body-framing'
import { headerValues } from '../../protocols/http1/head-parser'
import { MessageReader } from '../../protocols/http1/message-reader'
import { absoluteTarget, authorityText, parseAuthority, type Destination } from './http-proxy-request'

/** Headers that are the proxy's, not the origin's. */
const PROXY_HEADERS = new Set(['proxy-authorization', 'proxy-connection'])

interface HeadEdit {
  /** The head's stream range [from, to). */
  from: number
  to: number
  msg: HttpMessage
  path: string
}

export class AbsoluteFormStage implements ForwardStage {
  private readonly reader: MessageReader
  private readonly authority: string
  /** Stream offset just past the last byte received. */
  private received = 0
  /** Stream offset up to which output has been sent (or dropped); `held` holds what follows. */
  private emitted = 0
  private held: Buffer[] = []
  private edits: HeadEdit[] = []
  /** A head was read and its message is not whole yet: what comes is its body. */
  private inMessage = false
  /** Where the last whole message ends: bytes up to here are safe to send. */
  private safe = 0
  /** Where a request for another origin starts: nothing from here is sent. */
  private cutAt: number | undefined
  private upgraded = false
  private problem: string | undefined

  constructor(private readonly origin: Destination) {
    this.authority = authorityText(origin)
    this.reader = new MessageReader('client', 'request', {
      head: (msg) => this.onHead(msg),
      progress: () => {},
      complete: (msg) => {
        this.inMessage = false
        this.safe = msg.body.range.offset + msg.body.range.length
        // What follows an upgrade request is not read as HTTP.
        if (this.upgraded) this.reader.detach()
      },
      // The last problem is the one that stopped the reader (earlier ones are lines it skipped).
      problem: (p) => (this.problem = p.message),
      finished: () => {}
    })
  }

  private onHead(msg: HttpMessage): Framing {
    const where = this.originOf(msg)
    if (typeof where === 'string') return { problem: where }
    if (where.host.toLowerCase() !== this.origin.host.toLowerCase() || where.port !== this.origin.port) {
      this.cutAt = msg.headRange.offset
      return { problem: 'another origin' }
    }
    const framing = requestFraming(msg.headers)
    if ('problem' in framing) return framing
    this.edits.push({ from: msg.headRange.offset, to: msg.headRange.offset + msg.headRange.length, msg, path: where.path })
    this.inMessage = true
    if (headerValues(msg.headers, 'upgrade').length > 0) this.upgraded = true
    return framing
  }

  /** Where a request goes: its absolute-form target, or (origin-form) its Host header. */
  private originOf(msg: HttpMessage): (Destination & { path: string }) | string {
    const target = msg.target!
    if (msg.method === 'CONNECT') return { host: '', port: 0, path: '' }
    if (!target.startsWith('/')) return absoluteTarget(target)
    const host = headerValues(msg.headers, 'host')
    const dest = host.length === 1 ? parseAuthority(host[0], 80) : 'a request without one Host header'
    return typeof dest === 'string' ? dest : { ...dest, path: target }
  }

  data(chunk: Buffer, port: StagePort): void {
    if (this.upgraded && this.edits.length === 0 && this.held.length === 0) return void port.send(chunk)
    if (this.cutAt !== undefined) return
    const at = this.received
    this.received += chunk.length
    this.held.push(chunk)
    if (!this.upgraded) this.reader.push(chunk, at, 0)
    if (this.reader.stopped && this.cutAt === undefined) throw new Error(`cannot read the client's HTTP: ${this.problem ?? 'unreadable request'}`)
    const limit = this.cutAt ?? (this.inMessage || this.upgraded ? this.received : this.safe)
    this.flush(limit, port)
    if (this.cutAt !== undefined) {
      this.held = []
      port.end()
    }
  }

  /** Bytes not safe to send yet are held as views of the chunks that brought them (the reader copies what it queues). */
  holdsBytes(): boolean {
    return this.held.length > 0
  }

  fin(port: StagePort): void {
    // A head cut short by the FIN is not sent: the origin could do nothing with it.
    if (this.cutAt === undefined) port.end()
  }

  /** Sends everything up to `limit`, heads rewritten. */
  private flush(limit: number, port: StagePort): void {
    for (;;) {
      const edit = this.edits[0]
      const stop = edit !== undefined && edit.from < limit ? edit.from : limit
      for (const b of this.take(stop - this.emitted)) port.send(b)
      if (edit === undefined || edit.from >= limit) return
      this.edits.shift()
      port.send(this.rewrite(Buffer.concat(this.take(edit.to - edit.from)), edit))
    }
  }

  /** The next `n` held bytes (as views of what was held), removed from it. */
  private take(n: number): Buffer[] {
    const out: Buffer[] = []
    while (n > 0) {
      const b = this.held[0]
      if (b.length <= n) {
        out.push(b)
        this.held.shift()
        n -= b.length
        this.emitted += b.length
      } else {
        out.push(b.subarray(0, n))
        this.held[0] = b.subarray(n)
        this.emitted += n
        n = 0
      }
    }
    return out
  }

  /** The head as the origin gets it; header lines it keeps are copied byte for byte. */
  private rewrite(raw: Buffer, edit: HeadEdit): Buffer {
    const { msg, from } = edit
    const parts: Buffer[] = [Buffer.from(`${msg.method} ${edit.path} ${msg.version}\r\n`, 'latin1')]
    let at = msg.startRange.length
    let hostDone = false
    for (const h of msg.headers) {
      const start = h.range.offset - from
      const end = start + h.range.length
      // Bytes between header lines (a malformed line the parser skipped) go on as they came.
      if (start > at) parts.push(raw.subarray(at, start))
      at = end
      const name = h.name.toLowerCase()
      if (PROXY_HEADERS.has(name)) continue
      if (name === 'host') {
        if (hostDone) continue
        hostDone = true
        if (h.value.toLowerCase() !== this.authority.toLowerCase() && h.value.toLowerCase() !== this.hostOnly()) {
          parts.push(Buffer.from(`Host: ${this.hostValue()}\r\n`, 'latin1'))
          continue
        }
      }
      parts.push(raw.subarray(start, end))
    }
    if (!hostDone) parts.push(Buffer.from(`Host: ${this.hostValue()}\r\n`, 'latin1'))
    parts.push(raw.subarray(at))
    return Buffer.concat(parts)
  }

  /** The Host value: the port is left out when it is HTTP's own (80), as clients write it. */
  private hostValue(): string {
    return this.origin.port === 80 ? this.hostOnly() : this.authority
  }

  private hostOnly(): string {
    return this.origin.host.includes(':') ? `[${this.origin.host}]` : this.origin.host
  }
}
