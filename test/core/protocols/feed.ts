// Feeds a conversation to a decoder the way the engine does (capture order, stream offsets,
// times) and collects what it found, upserting exchanges and messages by index as callers must.
import type { Direction } from '../../../src/shared/capture-types'
import type { DecodeProblem, HttpExchange, WsMessage } from '../../../src/shared/protocol-types'
import { createConnectionDecoder } from '../../../src/core/protocols/connection-decoder'
import type { ConnectionDecoder, DecoderOptions } from '../../../src/core/protocols/stream-decoder'

/** One piece of a conversation: bytes sent in `dir`, or `end` for its FIN. */
export type Piece = { dir: Direction; bytes: Uint8Array | string; time?: number } | { dir: Direction; end: true; time?: number }

export const bytes = (s: string | Uint8Array): Uint8Array => (typeof s === 'string' ? Uint8Array.from(s, (c) => c.charCodeAt(0)) : s)

export interface Decoded {
  decoder: ConnectionDecoder
  exchanges: HttpExchange[]
  messages: WsMessage[]
  problems: DecodeProblem[]
  /** Each direction's whole stream, to slice ranges with. */
  streams: Record<Direction, Uint8Array>
}

export class Collector {
  readonly exchanges = new Map<number, HttpExchange>()
  readonly messages = new Map<number, WsMessage>()
  readonly problems: DecodeProblem[] = []
  collect(decoder: ConnectionDecoder): void {
    const c = decoder.takeChanges()
    for (const e of c.exchanges) this.exchanges.set(e.index, e)
    for (const m of c.messages) this.messages.set(m.index, m)
    this.problems.push(...c.problems)
  }
  sortedExchanges(): HttpExchange[] {
    return [...this.exchanges.values()].sort((a, b) => a.index - b.index)
  }
}

/** Decodes `pieces` in order; with `skip`, leaves out the bytes the decoder says it does not need, as the engine's feeder does. */
export function decode(pieces: Piece[], opts: DecoderOptions & { skip?: boolean; takeEvery?: boolean } = {}): Decoded {
  const decoder = createConnectionDecoder(opts)
  const collector = new Collector()
  const offsets: Record<Direction, number> = { client: opts.start?.client ?? 0, server: opts.start?.server ?? 0 }
  const all: Record<Direction, Uint8Array[]> = { client: [], server: [] }
  let clock = 1000
  for (const p of pieces) {
    const time = p.time ?? clock++
    if ('end' in p) {
      decoder.end(p.dir, time)
    } else {
      let b = bytes(p.bytes)
      all[p.dir].push(b)
      let at = offsets[p.dir]
      offsets[p.dir] += b.length
      if (opts.skip) {
        const want = decoder.wantFrom(p.dir)
        if (want >= at + b.length) b = new Uint8Array(0)
        else if (want > at) {
          b = b.subarray(want - at)
          at = want
        }
      }
      if (b.length > 0) decoder.push(p.dir, b, at, time)
    }
    if (opts.takeEvery) collector.collect(decoder)
  }
  collector.collect(decoder)
  const join = (parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0))
    let at = 0
    for (const x of parts) {
      out.set(x, at)
      at += x.length
    }
    return out
  }
  return {
    decoder,
    exchanges: collector.sortedExchanges(),
    messages: [...collector.messages.values()].sort((a, b) => a.index - b.index),
    problems: collector.problems,
    streams: { client: join(all.client), server: join(all.server) }
  }
}

/** The Latin-1 text of a range of a stream. */
export function text(stream: Uint8Array, range: { offset: number; length: number }): string {
  return String.fromCharCode(...stream.subarray(range.offset, range.offset + range.length))
}
