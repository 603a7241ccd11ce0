// The export commands' argument schemas (contract.ts lists the commands): an export to a
// path or a download (capture.export), or read in pieces as it is made (capture.export.*).

import { EXPORT_FORMATS } from './protocol-types'
import { arr, bool, int, obj, oneOf, optional, str, type Infer } from './schema'
import { captureId, connId, hostPath } from './arg-ids'
import { direction } from './conn-args'
import { MAX_BODY_LIMIT, MAX_PAGE, MAX_READ } from './limits'

/**
 * Exports of one connection's recording (one --conn): one direction's bytes exactly as
 * captured (raw), an xxd-style hex dump of them (hex), or its events as JSON lines (jsonl).
 */
export const CONNECTION_EXPORT_FORMATS = ['raw', 'hex', 'jsonl'] as const

/** What an HAR or curl export shows: what each side sent, or what the receivers got after tcpscope's rules. */
export const EXPORT_AS = ['sent', 'delivered'] as const
export type ExportAs = (typeof EXPORT_AS)[number]

/** What an export is of, wherever it goes. */
const exportWhat = {
  capture: captureId,
  format: oneOf([...EXPORT_FORMATS, ...CONNECTION_EXPORT_FORMATS] as const),
  /** Only these connections (default: all; for curl, raw, hex and jsonl, exactly one). */
  connIds: optional(arr(connId, { max: MAX_PAGE })),
  /** curl: the exchange's index on the connection. */
  exchange: optional(int({ min: 0 })),
  /** raw and hex: whose bytes (client: what the client sent); jsonl: only that side's events. */
  direction: optional(direction),
  /** HAR: decoded bytes of one body written at most (default DEFAULT_BODY_LIMIT); a body past it is cut, and its entry says so. jsonl with messages: a message's payload bytes written at most. */
  bodyLimit: optional(int({ min: 1, max: MAX_BODY_LIMIT })),
  /** jsonl: one line per message of the connection (as msg.page cuts it, the shape `show --json` prints), not per event. */
  messages: optional(bool()),
  /**
   * HAR and curl: `sent` (default), each side's messages as its sender sent them; `delivered`,
   * as the receivers got them after tcpscope's traffic rules and script (read from the
   * capture's rule records: a rewritten request, a mock's answer, a rewritten response).
   */
  as: optional(oneOf(EXPORT_AS)),
  /** Names this export in `progress` events, so a front end can show how far it got. */
  progress: optional(str({ nonEmpty: true, max: 64 }))
}

export const exportArgs = obj({
  ...exportWhat,
  /** Write here on the engine's host; without it the result is kept as a download (capture.download.read). */
  path: optional(hostPath),
  /** Replaces what is at `path`: the token an EEXIST answer carried, as capture.save takes it. */
  confirm: optional(str({ nonEmpty: true, max: 64 }))
})
export type ExportArgs = Infer<typeof exportArgs>

/** An export read as it is made: nothing of it is kept on the engine's host. */
export const exportStreamArgs = obj(exportWhat)
const streamId = str({ nonEmpty: true, max: 64 })
export const exportReadArgs = obj({ stream: streamId, length: int({ min: 1, max: MAX_READ }) })
export const exportStreamRef = obj({ stream: streamId })

/** An export begun with capture.export.begin: read it with capture.export.read until that gives no bytes. */
export interface ExportStreamStart {
  stream: string
  /** A file name to offer (`capture.har`). */
  name: string
}
