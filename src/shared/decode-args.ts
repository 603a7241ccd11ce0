// The argument schemas of the commands on what a capture's bytes were decoded as
// (contract.ts lists the commands): HTTP exchanges and bodies, WebSocket messages and
// payloads, and the capture-wide exchange list.

import { EXCHANGE_SORT_KEYS } from './protocol-types'
import { bool, int, obj, oneOf, optional, str } from './schema'
import { captureId, connId } from './arg-ids'
import { MAX_DECODED_PAGE, MAX_PAGE, MAX_READ } from './limits'

/** A page of one connection's decoded traffic. */
const pageFields = {
  capture: captureId,
  connId,
  from: optional(int({ min: 0 })),
  limit: optional(int({ min: 1, max: MAX_DECODED_PAGE }))
}

export const decodedPageArgs = obj(pageFields)

/** http.exchanges: a page of a connection's exchanges in full. */
export const exchangesArgs = obj({
  ...pageFields,
  /** The caller reads these exchanges' bodies next (tcpscope show): their small bodies are read together now, for http.body. */
  bodiesAhead: optional(bool())
})

export const bodyArgs = obj({
  capture: captureId,
  connId,
  /** The exchange's index on the connection (ExchangePage). */
  exchange: int({ min: 0 }),
  part: oneOf(['request', 'response'] as const),
  /** Undo the content coding (gzip, deflate, br, ...); default true. False: the content as framed (chunks joined). */
  decode: optional(bool()),
  offset: int({ min: 0 }),
  length: int({ min: 0, max: MAX_READ })
})

export const h2FramesArgs = obj({
  capture: captureId,
  connId,
  from: optional(int({ min: 0 })),
  limit: optional(int({ min: 1, max: MAX_DECODED_PAGE })),
  /** Only this stream's frames (0: the connection's own). */
  stream: optional(int({ min: 0, max: 0x7fffffff }))
})

export const wsPayloadArgs = obj({
  capture: captureId,
  connId,
  /** The message's index on the connection (WsMessagePage). */
  message: int({ min: 0 }),
  offset: int({ min: 0 }),
  length: int({ min: 0, max: MAX_READ })
})

export const exchangePageArgs = obj({
  capture: captureId,
  offset: int({ min: 0 }),
  limit: int({ min: 0, max: MAX_PAGE }),
  /**
   * Words that must all match: `method:GET`, `host:example.com`, `path:/api`, `status:404`
   * (or `4xx`, `200-299`), `type:json` (content type), `conn:12`; a leading `-` negates one;
   * a bare word matches the host and path.
   */
  filter: optional(str({ max: 1024 })),
  sort: optional(oneOf(EXCHANGE_SORT_KEYS)),
  descending: optional(bool())
})

/** An exchange as its receivers got it (http.delivered). */
export const deliveredArgs = obj({
  capture: captureId,
  connId,
  /** The exchange's index on the connection (ExchangePage). */
  exchange: int({ min: 0 })
})
