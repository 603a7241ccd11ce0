// One WebSocket frame as its header (RFC 6455 section 5.2) describes it: the opcode's name,
// the header's size (2 to 14 bytes, known from its second byte), the payload length, and the
// unmasking of the payload, which may arrive in any number of pieces.

import type { WsOpcode } from '../../../shared/protocol-types'

export const OPCODES: Partial<Record<number, WsOpcode>> = { 0: 'continuation', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' }
export const MAX_CONTROL_PAYLOAD = 125
/** 2 bytes, 8 of extended length, 4 of mask. */
export const MAX_HEADER = 14

export interface FrameHeader {
  start: number
  fin: boolean
  opcode: number
  masked: boolean
  mask: Uint8Array
  headerLength: number
  length: number
  /** Payload bytes read so far. */
  done: number
}

/** The whole header's size, from its second byte. */
export function headerLength(b1: number): number {
  const len7 = b1 & 0x7f
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0)
}

/**
 * The payload length a whole header `h` gives, and where its mask (if any) begins; undefined
 * for a length of 2^53 or more, which is no exact number here (and no capture holds that much).
 */
export function readPayloadLength(h: Uint8Array): { length: number; maskAt: number } | undefined {
  const len7 = h[1] & 0x7f
  if (len7 === 126) return { length: (h[2] << 8) | h[3], maskAt: 4 }
  if (len7 !== 127) return { length: len7, maskAt: 2 }
  const high = readUint32(h, 2)
  if (high >= 0x200000) return undefined
  return { length: high * 2 ** 32 + readUint32(h, 6), maskAt: 10 }
}

function readUint32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0
}

/** chunk[from, from + out.length) unmasked into `out` (a copy: the caller's buffer is not ours to keep); `frame.done` is where `chunk` starts in the payload. */
export function unmaskInto(out: Uint8Array, chunk: Uint8Array, from: number, frame: FrameHeader): void {
  out.set(chunk.subarray(from, from + out.length))
  if (!frame.masked) return
  const mask = frame.mask
  const base = frame.done + from
  for (let j = 0; j < out.length; j++) out[j] ^= mask[(base + j) & 3]
}
