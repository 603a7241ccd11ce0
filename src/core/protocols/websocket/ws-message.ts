// One WebSocket message as the decoder builds it from its frames: the facts front ends see
// (WsMessage), the first WS_PREVIEW_BYTES of its payload, a compressed message's payload
// until its last frame (it is inflated whole), and the window a replay keeps of it
// (ws-kept-payload.ts). Only a preview and that window outlive the frames they came in.

import type { Direction } from '../../../shared/capture-types'
import { WS_PREVIEW_BYTES, type WsMessage } from '../../../shared/protocol-types'
import type { AppendBuffer } from './append-buffer'
import { readClosePayload } from './ws-close'
import { MAX_CONTROL_PAYLOAD, unmaskInto, type FrameHeader } from './ws-frame'
import { MAX_COMPRESSED_MESSAGE } from './ws-inflate'
import { keepInflated, keepUnmasked, settleKept, type Kept } from './ws-kept-payload'

export const EMPTY = new Uint8Array(0)

export interface Message {
  wire: WsMessage
  control: boolean
  preview: Uint8Array
  previewLength: number
  /** Stream offset of its first frame's payload. */
  payloadAt: number
  /** A compressed message's payload so far, to inflate at its last frame (absent: not inflated). */
  deflated?: AppendBuffer
  /** Why a compressed message's payload could not be had. */
  notInflated?: string
  kept?: Kept
}

/** Message `index`, whose first frame starts at stream offset `start`. */
export function newMessage(index: number, dir: Direction, opcode: WsMessage['opcode'], control: boolean, compressed: boolean, start: number, time: number): Message {
  const wire: WsMessage = {
    index,
    dir,
    opcode,
    frames: 1,
    range: { dir, offset: start, length: 1 },
    size: 0,
    compressed,
    masked: false,
    preview: EMPTY,
    complete: false,
    startedAt: time
  }
  return { wire, control, preview: EMPTY, previewLength: 0, payloadAt: start }
}

/** The message as front ends get it: a copy, its preview cut to what came. */
export const wireOf = (m: Message): WsMessage => ({ ...m.wire, range: { ...m.wire.range }, preview: m.preview.slice(0, m.previewLength) })

/**
 * Takes a piece of a frame's payload, masked as sent. A compressed message's payload is
 * held until its last frame, up to MAX_COMPRESSED_MESSAGE bytes: a piece that would pass
 * that lets go of it all (the message is not inflated, notInflated says why) and returns
 * how many bytes were held. Otherwise -1.
 */
export function takePayload(msg: Message, frame: FrameHeader, chunk: Uint8Array): number {
  const deflated = msg.deflated
  if (deflated) {
    if (deflated.length + chunk.length > MAX_COMPRESSED_MESSAGE) {
      msg.notInflated = `a compressed message over ${MAX_COMPRESSED_MESSAGE} bytes is not inflated`
      msg.deflated = undefined
      return deflated.length
    }
    unmaskInto(deflated.reserve(chunk.length), chunk, 0, frame)
    return -1
  }
  if (msg.wire.compressed) return -1
  const at = msg.wire.size
  const previewTo = Math.max(0, Math.min(chunk.length, WS_PREVIEW_BYTES - at))
  if (previewTo > 0) {
    if (msg.preview.length === 0) msg.preview = new Uint8Array(WS_PREVIEW_BYTES)
    unmaskInto(msg.preview.subarray(msg.previewLength, msg.previewLength + previewTo), chunk, 0, frame)
    msg.previewLength += previewTo
  }
  if (msg.kept) keepUnmasked(msg.kept, chunk, at, frame)
  msg.wire.size += chunk.length
  return -1
}

/** A compressed message's payload, inflated (`whole`: all of it, else what its frames gave before it was abandoned). */
export function takeInflated(msg: Message, output: Uint8Array, whole: boolean): void {
  fillPreview(msg, output.subarray(0, WS_PREVIEW_BYTES))
  msg.wire.size = output.length
  if (msg.kept) keepInflated(msg.kept, output, whole)
}

function fillPreview(msg: Message, bytes: Uint8Array): void {
  const room = WS_PREVIEW_BYTES - msg.previewLength
  if (room <= 0 || bytes.length === 0) return
  if (msg.preview.length === 0) msg.preview = new Uint8Array(WS_PREVIEW_BYTES)
  const n = Math.min(room, bytes.length)
  msg.preview.set(bytes.subarray(0, n), msg.previewLength)
  msg.previewLength += n
}

/** A close frame's code and reason, from its preview; the problem with its payload, if any (where: a stream offset). */
export function readClose(msg: Message, frame: FrameHeader): { at: number; message: string } | undefined {
  const close = readClosePayload(msg.preview.subarray(0, Math.min(msg.previewLength, MAX_CONTROL_PAYLOAD)))
  if (close.code !== undefined) msg.wire.closeCode = close.code
  if (close.reason !== undefined) msg.wire.closeReason = close.reason
  if (close.problem && frame.length <= MAX_CONTROL_PAYLOAD) return { at: frame.start + frame.headerLength + close.problem.at, message: close.problem.message }
  return undefined
}

/** Its last frame came at `time`. */
export function completeMessage(msg: Message, time: number): void {
  msg.wire.complete = true
  msg.wire.endedAt = time
  if (msg.kept) settleKept(msg.kept, msg.wire.size, msg.notInflated)
}
