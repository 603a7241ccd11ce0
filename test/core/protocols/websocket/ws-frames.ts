// Hand-made WebSocket frames (RFC 6455 section 5.2), for the decoder's edge cases: any
// opcode, RSV bits, mask and length form, valid or not.

import { constants, deflateRawSync } from 'node:zlib'
import type { Direction } from '../../../../src/shared/capture-types'
import type { DecodeProblem, WsMessage } from '../../../../src/shared/protocol-types'
import { WebSocketDecoder, type WsDecoderOptions } from '../../../../src/core/protocols/websocket/ws-decoder'

export const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const

export interface FrameOptions {
  fin?: boolean
  rsv?: number
  /** A masking key (a client's frames carry one). */
  mask?: number[]
  /** Force the 16- or 64-bit length form. */
  lengthBytes?: 2 | 8
}

export function frame(opcode: number, payload: Uint8Array | string, o: FrameOptions = {}): Uint8Array {
  const body = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload
  const n = body.length
  const lengthBytes = o.lengthBytes ?? (n < 126 ? 0 : n < 65536 ? 2 : 8)
  const head: number[] = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | opcode]
  const maskBit = o.mask ? 0x80 : 0
  if (lengthBytes === 0) head.push(maskBit | n)
  else if (lengthBytes === 2) head.push(maskBit | 126, n >> 8, n & 0xff)
  else head.push(maskBit | 127, 0, 0, 0, 0, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff)
  if (o.mask) head.push(...o.mask)
  const out = new Uint8Array(head.length + n)
  out.set(head)
  for (let i = 0; i < n; i++) out[head.length + i] = o.mask ? body[i] ^ o.mask[i & 3] : body[i]
  return out
}

export const join = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** A message compressed as permessage-deflate sends it: raw DEFLATE, sync-flushed, its 00 00 ff ff tail taken off. */
export function deflateMessage(text: string, dictionary?: Uint8Array): Uint8Array {
  const out = deflateRawSync(Buffer.from(text), { finishFlush: constants.Z_SYNC_FLUSH, dictionary })
  return new Uint8Array(out.subarray(0, out.length - 4))
}

export interface Fed {
  messages: WsMessage[]
  problems: DecodeProblem[]
  decoder: WebSocketDecoder
}

/** Feeds one direction's stream (from offset 0) in one push, ends it, and upserts the messages by index. */
export function feed(dir: Direction, bytes: Uint8Array, opts: Partial<WsDecoderOptions> = {}, end = true): Fed {
  const decoder = new WebSocketDecoder({ start: { client: 0, server: 0 }, ...opts })
  decoder.push(dir, bytes, 0, 1)
  if (end) decoder.end(dir, 2)
  const { messages, problems } = decoder.takeChanges()
  return { messages, problems, decoder }
}

export const text = (m: WsMessage): string => new TextDecoder().decode(m.preview)
