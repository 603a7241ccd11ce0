// The argument schemas of the commands on a raw connection's messages (contract.ts lists
// the commands): a page of them, and the framing chosen for a connection or an owner.

import { bool, int, obj, optional, str } from './schema'
import { captureId, connId } from './arg-ids'
import { MESSAGE_MAX_PAGE } from './message-types'

/** A framing as `--frame` takes it (message-types.ts FRAME_GRAMMAR); checked by the engine, which says what is wrong. */
export const frameText = str({ max: 256 })

export const messagePageArgs = obj({
  capture: captureId,
  connId,
  from: optional(int({ min: 0 })),
  limit: optional(int({ min: 1, max: MESSAGE_MAX_PAGE })),
  /** Cut with this framing for this read only (`show --frame`), instead of the connection's own. */
  frame: optional(frameText),
  /** Words that must all match (MESSAGE_WORDS): `dir:client cmd:SET text:key -cmd:PING`. */
  filter: optional(str({ max: 1024 })),
  /** Each message's decoded field tree too (a person looking at it); default false: summaries only. */
  fields: optional(bool())
})

/** One message as its receiver got it (msg.delivered). */
export const messageDeliveredArgs = obj({
  capture: captureId,
  connId,
  /** Its index on the connection (MessagePage), from 0. */
  message: int({ min: 0 }),
  /** Cut with this framing, as msg.page was. */
  frame: optional(frameText)
})

/** A page of messages' changes (msg.changes): what rules did to each, without what they delivered. */
export const messageChangesArgs = obj({
  capture: captureId,
  connId,
  from: optional(int({ min: 0 })),
  limit: optional(int({ min: 1, max: MESSAGE_MAX_PAGE })),
  /** Cut with this framing, as msg.page was. */
  frame: optional(frameText)
})

export const frameSetArgs = obj({
  capture: captureId,
  /** The connection chosen ("Decode as…" on its row). */
  connId,
  /** The framing; empty: back to what the connection's owner or its bytes say. */
  frame: frameText,
  /** Also for every connection of the same proxy or session in this capture, present and future. */
  owner: optional(bool())
})
