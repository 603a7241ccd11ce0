// How serve shows a chunk of traffic: a header that says which connection, which way and
// how many bytes (`#3 <- 12 B`), then the bytes as text in the chosen encoding or as an
// xxd-style dump; whole unless --max-bytes cuts it. As JSON, the bytes travel as hex.

import type { Direction } from '../shared/capture-types'
import type { EngineEvent } from '../shared/events'
import { formatTimestamp } from '../shared/human-readable'
import { hexDump, toHex } from '../shared/hexdump'
import type { TextEncoding } from '../shared/payload/payload-spec'
import { eventJson } from './event-lines'
import { createStreamDecoder, type DecodeEncoding, type StreamDecoder } from '../core/payload/decode-text'

export type DataEvent = Extract<EngineEvent, { type: 'conn-data' }>

/** How received bytes are shown: base64 is only a way to write what is sent. */
export const shownEncoding = (encoding: TextEncoding | undefined): DecodeEncoding =>
  encoding === undefined || encoding === 'base64' ? 'utf8' : encoding

/**
 * Control characters as `\xHH`, so bytes from the network cannot drive the terminal
 * (clear it, move the cursor); tabs and line ends stay, a CR only before an LF.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)/g, (c) => (c === '\r' ? '\\r' : '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')))
}

export interface ChunkViewOptions {
  /** Who the arrows stand for: in serve, `client` bytes came in (`<-`), `server` bytes went out (`->`). */
  arrows: Record<Direction, string>
  hex: boolean
  encoding: DecodeEncoding
  /** Show at most this many bytes of each chunk. */
  maxBytes?: number
}

export class ChunkView {
  /** One decoder per connection and direction, so a character split across chunks comes out whole. */
  private readonly decoders = new Map<string, StreamDecoder>()

  constructor(private readonly opts: ChunkViewOptions) {}

  /** How much of the chunk to read and show. */
  shownLength(e: DataEvent): number {
    return Math.min(e.length, this.opts.maxBytes ?? Infinity)
  }

  /** The header and the body, lines ending in `\n`; `bytes` are the chunk's first bytes. */
  text(e: DataEvent, bytes: Buffer, time: number): string {
    const cut = bytes.length < e.length ? ` (first ${bytes.length} shown)` : ''
    const header = `${formatTimestamp(time, false)} #${e.connId} ${this.opts.arrows[e.dir]} ${e.length} B${cut}\n`
    const body = this.opts.hex ? hexDump(bytes, e.offset).join('\n') : terminalSafe(this.decode(e, bytes, cut !== ''))
    return body === '' ? header : header + body + (body.endsWith('\n') ? '' : '\n')
  }

  /** The event as JSON, its (shown) bytes as `hex`. */
  json(e: DataEvent, bytes: Buffer): string {
    return eventJson({ ...e, hex: toHex(bytes) })
  }

  /** A closed connection's decoders go. */
  forget(connId: number): void {
    for (const dir of ['client', 'server']) this.decoders.delete(`${connId}:${dir}`)
  }

  private decode(e: DataEvent, bytes: Buffer, cut: boolean): string {
    const key = `${e.connId}:${e.dir}`
    let d = this.decoders.get(key)
    if (d === undefined) this.decoders.set(key, (d = createStreamDecoder(this.opts.encoding)))
    if (!cut) return d.write(bytes)
    // The bytes after the cut are never shown, so the next chunk starts afresh.
    this.decoders.delete(key)
    return d.write(bytes) + d.end()
  }
}
