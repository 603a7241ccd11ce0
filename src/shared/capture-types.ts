// What a capture holds, as front ends see it: connections, their events and byte counts.
// The on-disk encoding of these lives in src/core/capture; see docs/capture-format.md.

import type { Direction } from './direction'
import type { PeerAddress } from './peer-address'
import type { ProtocolSummary } from './protocol-types'
import type { TlsSummary, Via } from './tls-types'

// Direction is a capture's word first: its users find it here.
export { DIRECTIONS, type Direction } from './direction'

export type ConnectionKind = 'proxy' | 'server' | 'client'

/** A socket address as Node reports it, or a Unix socket path. */
export type { PeerAddress } from './peer-address'

export interface ErrorInfo {
  code: string
  message: string
}

/** How a connection ended; `open` while it has not. */
export type ConnectionEnd =
  | 'open'
  | 'closed' // both sides finished normally (FIN both ways, or a local close)
  | 'client-reset' // the client sent RST (or vanished mid-write)
  | 'server-reset' // the server sent RST (or vanished mid-write)
  | 'connect-failed' // the upstream connect was refused, unreachable or timed out
  | 'error' // another socket error ended it
  | 'stopped' // tcpscope closed it (proxy stopped with its connections)
  | 'tcpscope-reset' // tcpscope reset it on purpose: a rule, a breakpoint, a toxic or a person's action (ConnectionSummary.changed.reset says which, and to whom)
  | 'cut' // the capture file ends before the connection did (its writer stopped: a crash, a kill)
  | 'saved-open' // still open when the capture was saved (or closed) whole: complete up to that moment

export interface ConnectionSummary {
  id: number
  kind: ConnectionKind
  /** The proxy or session that owns the connection. */
  ownerId: string
  client?: PeerAddress
  /** Where the connection goes, as typed (`HOST:PORT` or a path). */
  target: string
  upstream?: { local?: PeerAddress; remote?: PeerAddress }
  openedAt: number
  closedAt?: number
  bytes: Record<Direction, number>
  /**
   * Bytes of each direction that are in the capture file, where fewer than `bytes`: the
   * capture stopped on a write error, and the rest was forwarded but not recorded.
   */
  recorded?: Record<Direction, number>
  /**
   * Bytes of each direction forwarded but not kept (gap records; `--when-disk-is-slow
   * drop`), when any were: the stream holds holes of this many bytes in all.
   */
  notKept?: Record<Direction, number>
  /**
   * A proxy's connection: bytes tcpscope gave the client in the target's place, not in
   * `bytes.server`: a traffic rule's or the script's answer to a request, or tcpscope's own
   * answer for a target that was down (`rule` records: answeredBytes). What the client
   * received is `bytes.server` plus these; absent for the many connections with none (and
   * for a server session, whose answers are its server bytes).
   */
  answered?: number
  fin: Record<Direction, boolean>
  end: ConnectionEnd
  error?: ErrorInfo
  /** What its bytes were decoded as so far (absent until the engine has looked). */
  protocol?: ProtocolSummary
  /** A replay's connection: what it replayed. */
  replayOf?: ReplaySource
  /** Its TLS, from its `tls` records (absent: no leg was TLS, or none was seen yet). */
  tls?: TlsSummary
  /** A forward proxy's tunnel: how the client asked for its destination (`target`). */
  via?: Via
  /**
   * What a receiver got was not what was sent, and who changed it: a person edited a held
   * message at a breakpoint (a `break` record, action `edited`), a traffic rule or the
   * script mocked, rewrote or forwarded one (a `rule` record: ruleChangedDelivery), or
   * tcpscope reset the connection (end `tcpscope-reset`: an RST nobody sent). Absent for the
   * many connections nothing changed; the list marks the others.
   */
  changed?: ChangedBy
}

/** Who changed what a connection's receivers got (ConnectionSummary.changed). */
export interface ChangedBy {
  breakpoint?: true
  rule?: true
  /** tcpscope reset the connection (its end is `tcpscope-reset`): what made it, and to whom. */
  reset?: TcpscopeReset
}

/**
 * What made tcpscope reset a connection on purpose: a traffic rule or the script (a reset
 * step, ctx.reset(), a failed onConnect), a breakpoint (a held message's Reset), a toxic
 * (reset_peer), or a person's action on the live connection (RST to one side).
 */
export const RESET_CAUSES = ['rule', 'breakpoint', 'toxic', 'action'] as const
export type ResetCause = (typeof RESET_CAUSES)[number]

/** A reset tcpscope made: its cause, and the sides it sent an RST (a side without one got a FIN, or nothing). */
export interface TcpscopeReset {
  by: ResetCause
  rst: Record<Direction, boolean>
}

/**
 * The sides a reset tcpscope made sent an RST, as one key for the words of every front end:
 * `none` when no side got one (a Unix socket only closes; a side already gone gets nothing).
 */
export type RstSides = 'both' | 'client' | 'server' | 'none'

export function rstSides(reset: TcpscopeReset): RstSides {
  const { client, server } = reset.rst
  return client && server ? 'both' : client ? 'client' : server ? 'server' : 'none'
}

/** A close record's `reset` as read from any capture file: undefined when it is not one this version knows (a newer file's cause). */
export function tcpscopeResetOf(info: unknown): TcpscopeReset | undefined {
  const r = info as Partial<TcpscopeReset> | null | undefined
  if (typeof r !== 'object' || r === null || !(RESET_CAUSES as readonly unknown[]).includes(r.by)) return undefined
  return { by: r.by!, rst: { client: r.rst?.client === true, server: r.rst?.server === true } }
}

/** The captured connection (and HTTP exchange) a replay's connection replayed. */
export interface ReplaySource {
  /** The capture's id in the engine that ran the replay (`live`, or a file's). */
  capture: string
  /** The capture's file name, when it was a file: ids do not outlive the engine. */
  file?: string
  connId: number
  /** An HTTP replay's exchange on that connection, from 0. */
  exchange?: number
}

/**
 * What the capture does when its writer falls behind the traffic: `pause` the sockets
 * feeding it until the disk catches up (nothing is lost, the traffic slows), or `drop` what
 * it cannot queue and keep forwarding at full speed, recording a gap in its place.
 */
export const WHEN_DISK_IS_SLOW = ['pause', 'drop'] as const
export type WhenDiskIsSlow = (typeof WHEN_DISK_IS_SLOW)[number]

/** A gap record's details: `bytes` bytes of its direction, from stream offset `offset`, were forwarded but not kept. */
export interface GapInfo {
  offset: number
  bytes: number
}

/** One recorded event of a connection, in order (`seq` orders both directions). */
export type CaptureEventKind =
  | 'open'
  | 'connecting'
  | 'connected'
  | 'connect-failed'
  | 'data'
  | 'fin'
  | 'reset'
  | 'error'
  | 'close'
  | 'lookup'
  | 'timeout'
  | 'tls' // a leg's TLS handshake ended, failed, or was passed through (info: TlsEventInfo)
  | 'fault' // a toxic acted on the connection (info: FaultEventInfo): delayed, sliced, limited, reset...
  | 'break' // a breakpoint held, released, edited or dropped what one side sent (info: BreakEventInfo)
  | 'action' // a person paused a direction, injected bytes, or closed a side (info: ActionEventInfo)
  | 'gap' // bytes one side sent that were forwarded but not kept (info: GapInfo): the disk was slower than the traffic
  | 'rule' // a traffic rule or script answered, rewrote, forwarded, delayed or ended what one side sent (info: RuleEventInfo)

export interface CaptureEvent {
  seq: number
  kind: CaptureEventKind
  /** Which side the event belongs to (data: who sent; fin/reset/error: who did it). */
  dir?: Direction
  /** Wall-clock time, ms since the epoch. */
  time: number
  /** Monotonic time, ms since the capture started (sub-millisecond resolution). */
  mono: number
  /** For data: where the chunk starts in its direction's byte stream, and its length. */
  offset?: number
  length?: number
  /** Event details (addresses, error code, totals), as recorded. */
  info?: Record<string, unknown>
}

/** The id of the engine's own capture, the one it records into. */
export const LIVE_CAPTURE = 'live'

/**
 * How a live capture's writer kept up with the traffic: whether the disk set the pace. When
 * `behindMs` is a large share of the traffic's time and `busyMs` of `elapsedMs` is near
 * whole, the disk was the limit, and `written / busyMs` is what it gave; when the writer was
 * behind but often idle, the limit was the writer's own pipeline.
 */
export interface WriterPace {
  /** Since recording began. */
  elapsedMs: number
  /** Time with at least one write in flight. */
  busyMs: number
  /**
   * Time the writer was past its bound: every socket paused (`--when-disk-is-slow pause`),
   * or data not kept (`drop`).
   */
  behindMs: number
  /** Bytes written to the file. */
  written: number
}

export interface CaptureInfo {
  /** `live` for the engine's own capture; opened files get ids of their own. */
  id: string
  /** The file's name, for tabs and titles. */
  name: string
  path: string
  /** Bytes in the file (written so far, for a live capture). */
  size: number
  connections: number
  /** Set when reading stopped before the file's end: at an incomplete record or a damaged one. */
  cutAt?: number
  /**
   * `incomplete`: the file ends inside a record (its writer stopped mid-write);
   * `damaged`: the record at `cutAt` is corrupt, and what follows it cannot be read.
   */
  cutKind?: 'incomplete' | 'damaged'
  /** The process recording into the file, for a file opened while another tcpscope writes it. */
  writerPid?: number
  /** Set when the index stored in the file was damaged and was rebuilt from the records. */
  indexProblem?: string
  /** Set when recording stopped on a write error; traffic may still be forwarded. */
  error?: string
  /** The live capture only: how its writer kept up with the traffic. */
  pace?: WriterPace
  /** Still being recorded (by this engine, or by the process `writerPid`). */
  live: boolean
  /**
   * Moves when decoding changed what lists show of its connections (a protocol found, an
   * exchange added or answered): rows on screen are asked for again. Absent before decoding started.
   */
  decoded?: number
  /** The live capture only: it holds connections that no save or download has copied since they changed. */
  unsaved?: boolean
  /** The live capture only: where its last save went. */
  savedTo?: string
  /** The live capture only: where a save by a relative name goes (the engine resolves it there, never in its working directory). */
  saveFolder?: string
}

/** A page of a capture's connection list, as filtered and sorted by the engine. */
/** Where a find pattern matches in one direction, in order (find's "k of N"). */
export interface MatchList {
  offsets: number[]
  /** False when the engine stopped counting (too many matches, or too long): N is at least `offsets.length`. */
  complete: boolean
  /** The stream's length when counted: a live stream that grew since needs a new count. */
  total: number
}

export interface ConnectionPage {
  /** Connections that pass the filter, in all (so far, while `scan` says a payload search goes on). */
  total: number
  /** Connections in the capture (the engine always says; older fakes may not). */
  of?: number
  offset: number
  rows: ConnectionSummary[]
  /**
   * A `text:` filter reads payloads in slices: present while unfinished, saying how many of
   * the connections the other words pass have been searched. Ask again to go on.
   */
  scan?: { done: number; of: number }
  /**
   * When the filter picks nothing: words it read with a doubt, each a line saying how and
   * what was likely meant (`stauts:200 is read as a host and its port: did you mean
   * status:200?`). The filter was applied; these are no mistakes.
   */
  hints?: string[]
}

/** What a connection list can be sorted by. */
export const SORT_KEYS = ['id', 'start', 'duration', 'client', 'target', 'sent', 'received', 'bytes', 'state', 'kind', 'owner'] as const
export type SortKey = (typeof SORT_KEYS)[number]

/** A slice of one connection's events, and how many it has. */
export interface EventPage {
  from: number
  /** Events the connection has recorded so far. */
  total: number
  events: CaptureEvent[]
}

/** Where a search found its pattern in one direction's byte stream. */
export type SearchResult = { found: false } | { found: true; offset: number; length: number }

/** A copy of the live capture, written as a complete capture file. */
export interface SavedCapture {
  path: string
  size: number
  connections: number
}

/** How a connection's bytes were spread over time: each direction counted in equal slices. */
export interface ConnectionActivity {
  id: number
  /** Bytes the client sent in each slice of the window, first slice first. */
  client: number[]
  server: number[]
  /**
   * False when the connection had more chunks than one call reads: the counts between the
   * chunks read were spread evenly over the time between them.
   */
  exact: boolean
}

/** Activity of some connections over one window [from, to) cut into `buckets` slices. */
export interface ActivityPage {
  from: number
  to: number
  buckets: number
  conns: ConnectionActivity[]
}

/**
 * One step of a conversation as a flow diagram draws it: a turn (the data one side sent
 * before the other spoke, or before a mark), or a mark (a FIN, a reset, a failed connect,
 * an error, the close).
 */
/** `gap`: bytes forwarded but not kept (info: GapInfo); it ends the turn before it, so no turn spans one. */
export type TurnKind = 'data' | 'fin' | 'reset' | 'connect-failed' | 'error' | 'close' | 'gap'

export interface Turn {
  kind: TurnKind
  /** Data: who sent it; a mark: who did it (none for the close). */
  dir?: Direction
  /** The index of its first event (as conn.events counts them). */
  event: number
  /** Wall-clock time of its first event, ms since the epoch. */
  time: number
  /** Ms from the connection's open to the turn's first event. */
  at: number
  /** Ms from the end of the previous turn to the start of this one; absent for the first. */
  gap?: number
  /** Data: the turn's range of its direction's stream, its chunks, and ms from first to last chunk. */
  offset?: number
  length?: number
  chunks?: number
  duration?: number
  /** A mark's details as recorded (an error's code and message, the close's end). */
  info?: Record<string, unknown>
}

/** A slice of a connection's turns, and how many it has. */
export interface TurnPage {
  from: number
  total: number
  turns: Turn[]
}
