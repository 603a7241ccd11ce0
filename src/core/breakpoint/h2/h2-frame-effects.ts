// What each frame passing through an HTTP/2 connection under breakpoints changes of the
// connection's state, on the side it comes from and the side it goes to (h2-side.ts): DATA
// spends the receiver's window and END_STREAM closes the stream, RST_STREAM closes it on
// both sides, SETTINGS set the other side's HPACK table size, initial window and largest
// frame, WINDOW_UPDATE opens windows and pays back what edits sent beyond the sender's count.

import { F_ACK, F_END_STREAM, FRAME_HEADER, T_DATA, T_RST_STREAM, T_SETTINGS, T_WINDOW_UPDATE } from '../../protocols/http2/frame-reader'
import { settingsOf } from '../../protocols/http2/frame-info'
import type { HpackDecoder } from '../../protocols/http2/hpack/hpack-decoder'
import type { FramePart } from './h2-frame-feed'
import type { FlowWindow } from './h2-flow'
import { windowUpdate } from './h2-frames'

/** One direction's connection state as its frames change it. */
export interface SideState {
  readonly hpack: HpackDecoder
  /** What the receiver allows: its SETTINGS_MAX_FRAME_SIZE and flow-control window. */
  maxFrame: number
  readonly window: FlowWindow
  /** Connection window to take off the WINDOW_UPDATEs going back to this direction's sender. */
  debt: number
}

const u31 = (b: Uint8Array, at: number): number => ((b[at] & 0x7f) << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]

/**
 * What a frame passing on from `from`'s sender to its receiver says: settings, windows, the
 * stream's end; the frame to send (a WINDOW_UPDATE may shrink, or go, to pay `to`'s debt).
 */
export function frameEffects(from: SideState, to: SideState, p: FramePart, payload?: Uint8Array): Buffer | undefined {
  const body = payload ?? p.frame.subarray(FRAME_HEADER)
  switch (p.type) {
    case T_DATA:
      from.window.sent(p.stream, p.flowLength ?? 0)
      if ((p.flags & F_END_STREAM) !== 0) from.window.close(p.stream)
      break
    case T_RST_STREAM:
      from.window.close(p.stream)
      to.window.close(p.stream)
      break
    case T_SETTINGS:
      if ((p.flags & F_ACK) !== 0) break
      for (const { id, value } of settingsOf(body)) {
        if (id === 1) to.hpack.setMaxTableSize(value)
        else if (id === 4) to.window.initial = value
        else if (id === 5) to.maxFrame = value
      }
      break
    case T_WINDOW_UPDATE: {
      if (body.length < 4) break
      let increment = u31(body, 0)
      to.window.update(p.stream, increment)
      if (p.stream !== 0 || to.debt === 0) break
      const owed = Math.min(to.debt, increment)
      to.debt -= owed
      increment -= owed
      return increment > 0 ? windowUpdate(0, increment) : undefined
    }
  }
  return p.frame
}
