// The argument schemas of the commands that read a capture's connections (contract.ts
// lists the commands): the connection list, a connection's bytes, events and turns, the
// timeline's activity, and finding a pattern in one direction.

import { SORT_KEYS } from './capture-types'
import { arr, bool, int, obj, oneOf, optional, str, type Infer } from './schema'
import { ENCODINGS } from './text-encodings'
import { captureId, connId } from './arg-ids'
import { MAX_PAGE, MAX_READ } from './limits'

export const direction = oneOf(['client', 'server'] as const)

export const pageArgs = obj({
  capture: captureId,
  offset: int({ min: 0 }),
  limit: int({ min: 0, max: MAX_PAGE }),
  /**
   * Words that must all match: `key:value` for port, state, kind, owner, id, client,
   * target, replay (`replay:12`: the replays of connection 12), changed (`changed:rule`: what the list marks as changed); `text:` for text in either direction's payload (UTF-8, case ignored); a leading
   * `-` negates one; a bare word matches the endpoints, the owner and, once decoded, the
   * words of the Info column every language shares (shared/info-words.ts: `GET /items → 200`).
   * E.g. `port:6379 state:reset -kind:client 10.0.0.5 text:"HTTP/1.1 500"`.
   */
  filter: optional(str({ max: 1024 })),
  sort: optional(oneOf(SORT_KEYS)),
  descending: optional(bool()),
  /**
   * Each row's `protocol`, as decoded so far (default true): this starts decoding the
   * capture in the background. False: the rows as recorded, decoding left alone (`ls`).
   */
  protocols: optional(bool()),
  /**
   * Each row's `upstream` addresses (default true). False leaves them out, for a list that
   * never shows them: they are about 40% of a page's bytes on the wire, and three of each
   * row's objects to parse and collect (the UI's connection list, scrolled through 100,000 rows).
   */
  upstream: optional(bool())
})

export const getArgs = obj({
  capture: captureId,
  ids: arr(connId, { max: MAX_PAGE }),
  /** As conn.page takes it: false gives the summaries as recorded, and starts no decoding. */
  protocols: optional(bool())
})

export const readBytesArgs = obj({
  capture: captureId,
  connId,
  dir: direction,
  offset: int({ min: 0 }),
  length: int({ min: 0, max: MAX_READ })
})

/** One direction's delivered stream (as its receiver got it, after tcpscope's rules): its size and where rules made it differ from the sent one. */
export const deliveredMapArgs = obj({
  capture: captureId,
  connId,
  dir: direction
})

/** Bytes of one direction's delivered stream, by offsets in that stream (conn.delivered says how long it is). */
export const deliveredReadArgs = readBytesArgs

export const readEventsArgs = obj({
  capture: captureId,
  connId,
  from: optional(int({ min: 0 })),
  limit: optional(int({ min: 1, max: MAX_PAGE }))
})

/** conn.activity answers for at most this many connections (a screenful of timeline rows, and then some). */
export const MAX_ACTIVITY_IDS = 500
export const MAX_ACTIVITY_BUCKETS = 2048

export const activityArgs = obj({
  capture: captureId,
  ids: arr(connId, { max: MAX_ACTIVITY_IDS }),
  /** The window, wall-clock ms since the epoch: [from, to). */
  from: int({ min: 0 }),
  to: int({ min: 1 }),
  buckets: int({ min: 1, max: MAX_ACTIVITY_BUCKETS })
})

export const turnsArgs = obj({
  capture: captureId,
  connId,
  from: optional(int({ min: 0 })),
  limit: optional(int({ min: 1, max: MAX_PAGE }))
})

export const locateArgs = obj({ capture: captureId, connId, dir: direction, offset: int({ min: 0 }) })

export const searchPattern = obj({
  /** `text`: in `encoding` (escapes allowed); `hex`: bytes; `regex`: over the bytes as Latin-1 text, or `encoding` text. */
  kind: oneOf(['text', 'hex', 'regex'] as const),
  value: str({ nonEmpty: true, max: 4096 }),
  encoding: optional(oneOf(ENCODINGS)),
  caseInsensitive: optional(bool())
})
export type SearchPattern = Infer<typeof searchPattern>

export const searchArgs = obj({
  capture: captureId,
  connId,
  dir: direction,
  pattern: searchPattern,
  /** Where to start: the first byte looked at going forward, or the byte after the last one going backward. */
  from: optional(int({ min: 0 })),
  backward: optional(bool())
})

export const matchesArgs = obj({ capture: captureId, connId, dir: direction, pattern: searchPattern })
