// What many commands' arguments name: which capture, which connection in it, and a path on
// the engine's host.

import { int, str } from './schema'
import { MAX_CONN_ID } from './limits'

/** Which capture a read command reads: `live`, or the id `capture.open` gave a file. */
export const captureId = str({ nonEmpty: true, max: 64 })
export const connId = int({ min: 1, max: MAX_CONN_ID })
/** A file on the engine's host (opened, saved, exported to). */
export const hostPath = str({ nonEmpty: true, max: 4096 })
