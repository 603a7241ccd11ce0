// The response to a replayed HTTP/2 request, as node:http2 hands it over (its header block
// decoded, its DATA, its trailers), made into the decoder's HttpMessage shape so the one
// comparison (response-comparison.ts) reads it as it reads a recorded one. As for HTTP/1
// (http-replay-response.ts), the body is hashed as it arrives and only its first `keep`
// bytes are kept, so a huge answer costs no memory; the header block is bounded by the
// session's limits (h2-session.ts).

import { createHash, type Hash } from 'node:crypto'
import { H2_VERSION } from '../../shared/h2-request'
import type { ByteRange, HttpHeader, HttpMessage } from '../../shared/protocol-types'
import { HTTP_REPLAY_PREVIEW, type HttpReplayResponse } from '../../shared/replay-types'
import { regularHeaders } from '../../shared/h2-request'

/** A replayed message has no place in a capture: its ranges are empty. */
const NOWHERE: ByteRange = { dir: 'server', offset: 0, length: 0 }

const headerList = (raw: readonly string[]): HttpHeader[] => {
  const out: HttpHeader[] = []
  for (let i = 0; i + 1 < raw.length; i += 2) out.push({ name: raw[i], value: raw[i + 1], range: NOWHERE })
  return out
}

export class H2ResponseReader {
  private headers: HttpHeader[] | undefined
  private trailers: HttpHeader[] | undefined
  private status: number | undefined
  private size = 0
  private readonly kept: Buffer[] = []
  private keptBytes = 0
  private readonly hash: Hash = createHash('sha256')
  private readonly startedAt = Date.now()
  private endedAt: number | undefined
  /** The stream ended with END_STREAM: the response is whole. */
  ended = false
  /** The most of the content kept (for the comparison), at least a result's preview. */
  private readonly keep: number

  constructor(keep = HTTP_REPLAY_PREVIEW) {
    this.keep = Math.max(keep, HTTP_REPLAY_PREVIEW)
  }

  /** The final response's header block (node:http2's raw headers: name, value, ...). */
  response(raw: readonly string[]): void {
    this.headers = headerList(raw)
    this.status = Number(this.headers.find((h) => h.name === ':status')?.value)
  }

  data(chunk: Buffer): void {
    this.size += chunk.length
    this.hash.update(chunk)
    if (this.keptBytes >= this.keep) return
    const part = chunk.subarray(0, this.keep - this.keptBytes)
    this.kept.push(Buffer.from(part))
    this.keptBytes += part.length
  }

  trailing(raw: readonly string[]): void {
    this.trailers = headerList(raw)
  }

  end(): void {
    this.ended = true
    this.endedAt = Date.now()
  }

  get complete(): boolean {
    return this.ended && this.headers !== undefined
  }

  bodyHash(): string {
    return this.hash.copy().digest('hex')
  }

  /** The response as the decoder would give it: HTTP/2, its headers with :status first, its body's size and whether it is whole. */
  message(): HttpMessage | undefined {
    if (this.headers === undefined || !Number.isInteger(this.status)) return undefined
    const status = this.status!
    return {
      dir: 'server',
      startLine: `${H2_VERSION} ${status}`,
      startRange: NOWHERE,
      version: H2_VERSION,
      status,
      headers: this.headers,
      headRange: NOWHERE,
      body: { framing: this.size > 0 ? 'h2' : 'none', range: NOWHERE, size: this.size, ...(this.trailers ? { trailers: this.trailers } : {}), complete: this.ended },
      startedAt: this.startedAt,
      ...(this.endedAt !== undefined ? { endedAt: this.endedAt } : {})
    }
  }

  result(): HttpReplayResponse | undefined {
    const m = this.message()
    if (m === undefined) return undefined
    return {
      version: m.version,
      status: m.status!,
      reason: '',
      headers: regularHeaders(m.headers).map((h) => ({ name: h.name, value: h.value })),
      bodySize: this.size,
      body: this.content().bytes.subarray(0, HTTP_REPLAY_PREVIEW),
      complete: this.ended
    }
  }

  /** The content kept (content coding left on), and whether it is all of it. */
  content(): { bytes: Buffer; whole: boolean } {
    const bytes = Buffer.concat(this.kept)
    return { bytes, whole: this.ended && bytes.length === this.size }
  }
}
