// Breakpoints: rules on a proxy that hold what one side sends before it is forwarded, so a
// person can look at it, edit it, let it go, drop it or close the connection. A raw rule
// holds a chunk (what one read gave); an HTTP rule holds a whole request or response.
// Directions use the toxics' words (fault-types.ts): upstream is what the client sends,
// downstream what the target sends.

import type { Direction } from './direction'
import { TOXIC_STREAMS, type ToxicStream } from './fault-types'
import { bool, bytes, int, obj, oneOf, optional, str, type Infer } from './schema'
import { MAX_TIMER_MS } from './limits'
import { payloadSpec } from './payload/payload-spec'
import { connId } from './arg-ids'
import { formatBytes } from './human-readable'
import type { MessageField } from './message-types'

/**
 * What a rule matches:
 * - `chunk`: every chunk;
 * - `text`: chunks holding `pattern` as text (in `encoding`, default utf-8);
 * - `hex`: chunks holding the bytes `pattern` spells in hex (`50 41 53 53`, `0x5041`);
 * - `regex`: chunks matching `pattern` (linear-time, as the find bar's);
 * - `http-request` / `http-response`: whole HTTP/1.x messages, and HTTP/2 ones (a stream's
 *   request or response: its headers and DATA up to END_STREAM), optionally only those whose
 *   method, path, host (HTTP/2: `:authority`) or status match;
 * - `message`: whole messages of a raw connection, cut as its Messages list cuts it (its
 *   proxy's `--frame`, else the protocol its first bytes or port say), optionally only those
 *   the message filter words in `pattern` pick (`cmd:SET`, `fn:6`, `dir:client text:foo`).
 * Any rule may also name connections with the list's filter words (`filter`).
 */
export const BREAK_MATCHES = ['chunk', 'text', 'hex', 'regex', 'http-request', 'http-response', 'message'] as const
export type BreakMatch = (typeof BREAK_MATCHES)[number]

/** The way a rule holds when it names none: an HTTP rule its message's way, any other both. */
export function defaultBreakStream(match: BreakMatch): ToxicStream {
  if (match === 'http-request') return 'upstream'
  if (match === 'http-response') return 'downstream'
  return 'both'
}

/** How long a rule holds what it caught before forwarding it unchanged, when nobody says. */
export const DEFAULT_BREAK_TIMEOUT_MS = 60_000
/**
 * The largest HTTP message a rule holds whole; a larger one is forwarded as it comes, and
 * the capture says so (a raw rule's chunks are at most one read, 64 KiB).
 */
export const MAX_HELD_MESSAGE = 16 * 1024 * 1024
/** What a `too-big` break event says: the limit, never the size seen when it was crossed (that depends on how the bytes came). */
export function tooBigMessage(summary: string): string {
  return `not held: ${summary} is over the ${formatBytes(MAX_HELD_MESSAGE)} hold limit, let through as it came`
}
/** Edited bytes up to this size are kept in the capture's `break` record (larger: their size and SHA-256). */
export const MAX_RECORDED_EDIT = 1024 * 1024

export const breakRuleSpec = obj({
  /** Default `both` (an HTTP request rule: `upstream`; a response rule: `downstream`). */
  stream: optional(oneOf(TOXIC_STREAMS)),
  match: oneOf(BREAK_MATCHES),
  /** text, hex and regex: what to look for; message: the message filter words (none: every message). */
  pattern: optional(str({ nonEmpty: true, max: 4096 })),
  /** text: the pattern's encoding (a text encoding's name, default utf-8). */
  encoding: optional(str({ nonEmpty: true, max: 32 })),
  /** http-request: the method, exactly (case-insensitive). */
  method: optional(str({ nonEmpty: true, max: 32 })),
  /** http-request: text the path (with its query) contains. */
  path: optional(str({ nonEmpty: true, max: 4096 })),
  /** http-request: text the Host header contains. */
  host: optional(str({ nonEmpty: true, max: 1024 })),
  /** http-response: `200`, or a class `4xx`. */
  status: optional(str({ nonEmpty: true, max: 3 })),
  /** Only connections these filter words pick (`port:6379 sni:api conn:12`), as the list's filter. */
  filter: optional(str({ max: 1024 })),
  /** Forward unchanged after this long (default 60 s); 0: hold until someone decides. */
  timeoutMs: optional(int({ min: 0, max: MAX_TIMER_MS })),
  /** Default true; a disabled rule stays listed and holds nothing. */
  enabled: optional(bool())
})
export type BreakRuleSpec = Infer<typeof breakRuleSpec>

/** The spec that makes `rule` again (a saved setup): what it matches, not what it did. */
export const breakSpecOf = ({ stream, match, pattern, encoding, method, path, host, status, filter, timeoutMs, enabled }: BreakRule): BreakRuleSpec =>
  Object.fromEntries(Object.entries({ stream, match, pattern, encoding, method, path, host, status, filter, timeoutMs, enabled }).filter(([, v]) => v !== undefined)) as BreakRuleSpec

/** A rule as it is now on a proxy, with what it did so far. */
export interface BreakRule {
  /** `b1`, `b2`, ... per proxy. */
  id: string
  stream: ToxicStream
  match: BreakMatch
  pattern?: string
  encoding?: string
  method?: string
  path?: string
  host?: string
  status?: string
  filter?: string
  timeoutMs: number
  enabled: boolean
  /** Messages (or chunks) it held so far, how many are held now, and how each held one ended. */
  hits: number
  heldNow: number
  forwarded: number
  edited: number
  dropped: number
}

/** What a held message is: a chunk of a raw rule, a whole HTTP message, or a whole message of a raw connection's framing. */
export type HeldKind = 'chunk' | 'http-request' | 'http-response' | 'message'

/** One message held by a breakpoint, as the Held queue lists it. */
export interface HeldMessage {
  /** Unique in the engine, counting up. */
  id: number
  proxyId: string
  ruleId: string
  connId: number
  /** Who sent it (client: on its way to the target). */
  dir: Direction
  kind: HeldKind
  /** Its bytes (held.read gives them). */
  size: number
  /** The first bytes, at most HELD_PREVIEW_BYTES. */
  preview: Uint8Array
  /** `GET /api/items`, `200 OK`: an HTTP message's first line, cut short; a framed message's summary (`SET k v`). */
  summary?: string
  /** A framed message: the framing or protocol that cut it (`resp`, `length`), and its decoded fields. */
  protocol?: string
  fields?: MessageField[]
  /**
   * An HTTP/2 message's stream. Its bytes (held.read, and an edit) are then its header fields
   * one a line (`name: value`, pseudo-headers first), a blank line, and its body.
   */
  stream?: number
  /** Wall-clock ms it was held at, and when its rule forwards it unchanged (none: never). */
  heldAt: number
  expiresAt?: number
  /** The connection closed or was reset while this was held: nothing more can be sent on it. */
  connClosed?: boolean
}

export const HELD_PREVIEW_BYTES = 64

/** How a held message ended, as its `break` record and the command's result say. */
export type BreakAction = 'held' | 'forwarded' | 'edited' | 'dropped' | 'timeout' | 'closed' | 'too-big' | 'refused'

/**
 * The `break` record's payload (its `dir` is the held bytes' sender): what a breakpoint did, in
 * the words the conversation view and `export --format jsonl` show. The original bytes stay in
 * the stream at `offset`; edited ones are kept here.
 */
export interface BreakEventInfo {
  rule: string
  held: number
  action: BreakAction
  /**
   * `held 1.2 KiB (GET /items)`, `edited: 12 B → 15 B after 4.2 s`, `dropped after 1.0 s`, `timed out after 60 s: forwarded unchanged`:
   * the English of `action` with the fields below, which a front end words in its own language.
   */
  message: string
  /** Where the held bytes start in their direction's stream, and how many. */
  offset: number
  size: number
  heldMs?: number
  /** held, too-big: an HTTP message's first line (`GET /items`), as the Held queue shows it. */
  summary?: string
  /** dropped by closing the connection: how it was closed. */
  closedWith?: 'fin' | 'rst'
  /** An HTTP/2 message's stream (dropped: the stream reset with CANCEL on both sides). */
  stream?: number
  /** refused: the edited body's size, and the receiver's flow-control window it is over (the edit is not sent; the message stays held). */
  bodySize?: number
  window?: number
  /** edited (HTTP/2): header fields the edit removed or changed that the original added to the receiver's HPACK table, sent anyway so the table stays right. */
  kept?: string[]
  /** edited: the bytes sent instead, base64, when at most MAX_RECORDED_EDIT; else their size and SHA-256 only. */
  sent?: string
  sentSize?: number
  sentSha256?: string
}

/** A person's one-click action on a proxied connection, as its `action` record says it. */
export type ConnActionKind = 'pause' | 'resume' | 'inject' | 'fin' | 'rst'

/** The `action` record's payload; its `dir` is the direction acted on (inject: whose direction the bytes join). */
export interface ActionEventInfo {
  action: ConnActionKind
  /**
   * `paused client → target`, `injected 12 B toward the target`, `FIN sent to the client`: the
   * English of `action` with the record's `dir` (the direction acted on: pause and resume stop
   * and start its sender; inject's bytes join it, so they go to the other side; a FIN or an RST
   * goes to the side that receives it) and `size`.
   */
  message: string
  /** inject: the bytes, base64 (at most MAX_INJECT bytes), and their size. */
  bytes?: string
  size?: number
  sha256?: string
}

/** Bytes of one inject kept in its `action` record; a larger inject records its size and SHA-256. */
export const MAX_INJECT = 1024 * 1024

const proxyId = str({ nonEmpty: true, max: 64 })
const ruleId = str({ nonEmpty: true, max: 16 })
const heldId = int({ min: 1 })

export const breakListArgs = obj({ proxyId })
export const breakAddArgs = obj({ proxyId, rule: breakRuleSpec })
/** Changes the fields given; the rest stay. */
export const breakUpdateArgs = obj({
  proxyId,
  id: ruleId,
  stream: optional(oneOf(TOXIC_STREAMS)),
  pattern: optional(str({ nonEmpty: true, max: 4096 })),
  encoding: optional(str({ nonEmpty: true, max: 32 })),
  method: optional(str({ max: 32 })),
  path: optional(str({ max: 4096 })),
  host: optional(str({ max: 1024 })),
  status: optional(str({ max: 3 })),
  filter: optional(str({ max: 1024 })),
  timeoutMs: optional(int({ min: 0, max: MAX_TIMER_MS })),
  enabled: optional(bool())
})
/** Removes a rule; what it holds is forwarded unchanged. */
export const breakRemoveArgs = obj({ proxyId, id: ruleId })

export const heldRef = obj({ heldId })
export const heldForwardArgs = obj({
  heldId,
  /** Send these bytes instead (an edit); absent: as they came. */
  bytes: optional(bytes({ max: MAX_HELD_MESSAGE * 2 })),
  /** HTTP: set Content-Length to the edited body's size (default true; a chunked body is left as it is); a framed message: set the lengths it declares (a length prefix, RESP's bulk lengths). */
  fixLength: optional(bool())
})
export const heldCloseArgs = obj({ heldId, how: oneOf(['fin', 'rst'] as const) })
/** Forwards every held message (of one proxy, of one of its rules), unchanged; `disable` also turns those rules off. */
export const heldForwardAllArgs = obj({ proxyId: optional(proxyId), ruleId: optional(ruleId), disable: optional(bool()) })

/** What became of a held message. */
export interface HeldOutcome {
  action: BreakAction
  /** Bytes sent on (0 for a drop or close). */
  sent: number
}

// One-click actions on a live proxied connection (not a session's: those are conn.send/end/reset).
const direction = oneOf(['client', 'server'] as const)
/** Stops (or resumes) reading what `dir` sends; the other direction keeps flowing. */
export const connPauseArgs = obj({ connId, dir: direction, paused: bool() })
/** Sends a payload (text, hex, ...: the composer's) to `to` as if the other side had sent it (recorded as an `action`, not as data). */
export const connInjectArgs = obj({ connId, to: direction, payload: payloadSpec })
/** Closes one side: a FIN after what was sent to it, or an RST now. */
export const connShutArgs = obj({ connId, side: direction, how: oneOf(['fin', 'rst'] as const) })

/** Each proxy's rules, keyed by proxy id (a snapshot's and a batch's). */
export type BreakRulesByProxy = Record<string, BreakRule[]>
