// The two ids most commands take: which capture, and which connection in it.

import { int, str } from './schema'
import { MAX_CONN_ID } from './limits'

/** Which capture a read command reads: `live`, or the id `capture.open` gave a file. */
export const captureId = str({ nonEmpty: true, max: 64 })
export const connId = int({ min: 1, max: MAX_CONN_ID })
