// The response to a replayed request, read with the project's own HTTP/1 decoder: the
// request sent is fed to it too, so it frames the answer as the request asks (HEAD, 1xx).
// The body is hashed as it arrives and only its first `keep` bytes kept (for the comparison;
// results carry a preview), so a huge answer costs no memory; the head is held until the
// decoder has read it, and heads are bounded there.

import { createHash, type Hash } from 'node:crypto'
import { HTTP_REPLAY_PREVIEW, type HttpReplayResponse } from '../../shared/replay-types'
import type { HttpExchange, HttpMessage } from '../../shared/protocol-types'
import { Http1Decoder } from '../protocols/http1/http1-decoder'
import { MAX_HEAD_BYTES } from '../protocols/http1/message-reader'

interface Piece {
  offset: number
  bytes: Buffer
}

export class ResponseReader {
  private readonly decoder = new Http1Decoder()
  private exchange: HttpExchange | undefined
  private clientAt = 0
  private serverAt = 0
  /** Server bytes not hashed yet (the head, until the decoder has read it). */
  private pieces: Piece[] = []
  private hashedTo = 0
  private readonly hash: Hash = createHash('sha256')
  /** The body's first bytes on the wire (chunk framing included). */
  private preview: Buffer[] = []
  private previewBytes = 0
  ended = false

  /** The most of the content kept (for the comparison), at least a result's preview. */
  private readonly keep: number

  constructor(keep = HTTP_REPLAY_PREVIEW) {
    this.keep = Math.max(keep, HTTP_REPLAY_PREVIEW)
  }

  sent(bytes: Buffer): void {
    this.decoder.push('client', bytes, this.clientAt, Date.now())
    this.clientAt += bytes.length
    this.take()
  }

  received(bytes: Buffer): void {
    this.pieces.push({ offset: this.serverAt, bytes })
    this.decoder.push('server', bytes, this.serverAt, Date.now())
    this.serverAt += bytes.length
    this.take()
  }

  /** The server's FIN: a body delimited by close is complete now. */
  serverEnded(): void {
    if (this.ended) return
    this.ended = true
    this.decoder.end('server', Date.now())
    this.take()
  }

  /** The final response has arrived whole. */
  get complete(): boolean {
    const r = this.exchange?.response
    return r !== undefined && r.body.complete
  }

  get response(): HttpMessage | undefined {
    return this.exchange?.response
  }

  /** SHA-256 of the body as it came on the wire. */
  bodyHash(): string {
    return this.hash.copy().digest('hex')
  }

  result(): HttpReplayResponse | undefined {
    const r = this.exchange?.response
    if (r === undefined || r.status === undefined) return undefined
    return {
      version: r.version,
      status: r.status,
      reason: r.reason ?? '',
      headers: r.headers.map((h) => ({ name: h.name, value: h.value })),
      bodySize: r.body.size,
      body: this.contentPreview(r, HTTP_REPLAY_PREVIEW),
      complete: r.body.complete
    }
  }

  /** The content kept (chunk framing removed, content coding left on), and whether it is all of it. */
  content(): { bytes: Buffer; whole: boolean } {
    const r = this.exchange?.response
    if (r === undefined || r.body.framing === 'none') return { bytes: Buffer.alloc(0), whole: r !== undefined }
    const bytes = this.contentPreview(r, this.keep)
    return { bytes, whole: r.body.complete && bytes.length === r.body.size }
  }

  private take(): void {
    for (const ex of this.decoder.takeChanges().exchanges) if (ex.index === 0) this.exchange = ex
    const r = this.exchange?.response
    if (r === undefined) {
      // No head yet past this is no head the decoder will read: keep no more of it.
      if (this.serverAt > MAX_HEAD_BYTES * 4) this.pieces = []
      return
    }
    const start = r.body.range.offset
    const end = start + r.body.range.length
    // Chunk framing takes room too: twice the content is kept of a chunked body's wire.
    const wireKeep = r.body.framing === 'chunked' ? this.keep * 2 : this.keep
    if (this.hashedTo < start) this.hashedTo = start
    const keep: Piece[] = []
    for (const p of this.pieces) {
      const from = Math.max(this.hashedTo, p.offset)
      const to = Math.min(end, p.offset + p.bytes.length)
      if (to > from) {
        const part = p.bytes.subarray(from - p.offset, to - p.offset)
        this.hash.update(part)
        if (this.previewBytes < wireKeep) {
          this.preview.push(Buffer.from(part.subarray(0, wireKeep - this.previewBytes)))
          this.previewBytes += Math.min(part.length, wireKeep - this.previewBytes)
        }
        this.hashedTo = to
      }
      if (p.offset + p.bytes.length > this.hashedTo) keep.push(p)
    }
    this.pieces = keep
  }

  /** The first `limit` bytes of content: for a chunked body, its chunks' data from the kept wire bytes. */
  private contentPreview(r: HttpMessage, limit: number): Buffer {
    const wire = Buffer.concat(this.preview)
    if (r.body.framing !== 'chunked') return wire.subarray(0, limit)
    const start = r.body.range.offset
    const out: Buffer[] = []
    let n = 0
    for (const c of r.body.chunks ?? []) {
      const from = c.offset - start
      if (from >= wire.length || n >= limit) break
      const part = wire.subarray(from, Math.min(from + c.length, wire.length, from + limit - n))
      out.push(part)
      n += part.length
    }
    return Buffer.concat(out)
  }
}
