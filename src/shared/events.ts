// What the engine tells its listeners. In-process listeners (the CLI) get EngineEvents one
// by one as they happen. Front ends behind a transport get FrontEvents: a snapshot first,
// then at most one batch per frame interval carrying every change since the last, so
// a busy proxy costs a front end one message per frame, not one per chunk. Data is
// announced, not shipped: a data range says which bytes exist (offset, length, a short
// preview); the front end reads what it shows with `conn.read`.

import type { CaptureEvent, CaptureInfo, ConnectionSummary, Direction } from './capture-types'
import type { RecordedClientReport } from './replay-types'
import type { SessionInfo } from './session-types'
import type { CommandOutputChunk, InterceptedBrowser, InterceptedCommand } from './intercept-types'
import type { BreakRule, HeldMessage } from './break-types'
import type { Toxic } from './fault-types'
import type { RulesState } from './rules/rule-args'

export interface ProxyInfo {
  id: string
  /** The real listening address (port 0 resolved), as `HOST:PORT` or a path. */
  listen: string
  /** Where connections go, as typed; a forward proxy: `forward`. */
  target: string
  /** `forward`: each client names its destination (CONNECT, SOCKS5, absolute-form HTTP). */
  mode?: 'target' | 'forward'
  /** TLS terminated toward clients / spoken toward the target. */
  tlsListen?: boolean
  tlsUpstream?: boolean
  /** `removed`: gone from the engine (proxy.remove), with its rules; front ends drop it. */
  state: 'listening' | 'stopped' | 'removed'
  /** Connections accepted so far, and those still open. */
  accepted: number
  active: number
  /**
   * A proxy with forwarding workers (`--workers`): connections accepted by each thread (the
   * main thread first), how many threads accept now (fewer while breakpoints keep new
   * connections on the main thread), and what the user should know of how they run.
   */
  threads?: { accepted: number[]; listening: number; note?: string }
}

/** The state as it is now: counts and state, never every connection. */
export interface Snapshot {
  type: 'snapshot'
  proxies: ProxyInfo[]
  sessions: SessionInfo[]
  /** The live capture first, then every capture file opened. */
  captures: CaptureInfo[]
  /** Browsers started intercepted (intercept.browser) that are running. */
  browsers?: InterceptedBrowser[]
  /** Programs started by intercept.command, running or exited (until removed), and the kept tail of each one's output. */
  commands?: InterceptedCommand[]
  output?: CommandOutputChunk[]
  /** Every message breakpoints hold now, oldest first. */
  held?: HeldMessage[]
  /** Each proxy's breakpoints and toxics (proxies with none left out). */
  breaks?: Record<string, BreakRule[]>
  toxics?: Record<string, Toxic[]>
}

/** Bytes of one direction recorded since the last announcement: [offset, offset + length). */
export interface DataRange {
  connId: number
  dir: Direction
  offset: number
  length: number
  /** The first bytes of the range, at most DATA_PREVIEW_BYTES. */
  preview: Uint8Array
}

/** A batch's data range: a busy engine's batches leave the preview out (it kept their frames off the page's fast JSON path). */
export type BatchDataRange = Omit<DataRange, 'preview'> & { preview?: Uint8Array }

export type EngineEvent =
  /** First event for every listener. */
  | Snapshot
  | { type: 'proxy-started'; proxy: ProxyInfo }
  | { type: 'proxy-stopped'; proxy: ProxyInfo }
  /** The proxy is gone (proxy.remove): its state says `removed`. */
  | { type: 'proxy-removed'; proxy: ProxyInfo }
  /** A session started, changed (clients, behaviour, state) or stopped. */
  | { type: 'session-updated'; session: SessionInfo }
  /** An intercepted browser started, or closed (by the user or intercept.stop): its profile is gone then. */
  | { type: 'browser-updated'; browser: InterceptedBrowser }
  /** A command started (intercept.command), exited or was removed. */
  | { type: 'command-updated'; command: InterceptedCommand }
  /** A command wrote to its stdout or stderr (as it came; front ends get it coalesced and bounded). */
  | ({ type: 'command-output' } & CommandOutputChunk)
  /** A capture file was opened or closed, or the live capture was saved. */
  | { type: 'captures-updated'; captures: CaptureInfo[] }
  | { type: 'conn-opened'; conn: ConnectionSummary }
  /** Coalesced data of one direction of a live connection. */
  | ({ type: 'conn-data' } & DataRange)
  /** A non-data event (connect, FIN, reset, error, close) and the connection's state after it. */
  | { type: 'conn-event'; event: CaptureEvent; conn: ConnectionSummary }
  | { type: 'capture-error'; message: string }
  /** Something went wrong that the user should hear about, but nothing stopped. */
  | { type: 'warning'; message: string }
  /** How far a long command named by its `progress` argument (capture.export) got. */
  | ({ type: 'progress' } & OperationProgress)
  /** A client of a recorded server (replay.serve) is gone: what it was played, and whether it sent what was recorded. */
  | { type: 'recorded-client'; server: string; report: RecordedClientReport }
  /** The Held queue changed (a message held, released, or its connection closed): all of it, oldest first. */
  | { type: 'held-updated'; held: HeldMessage[] }
  /** A proxy's breakpoints changed (added, changed, removed, or their counters moved): all of them. */
  | { type: 'breaks-updated'; proxyId: string; rules: BreakRule[] }
  /** A proxy's toxics changed (added, changed, removed, or `affected` moved): all of them. */
  | { type: 'toxics-updated'; proxyId: string; toxics: Toxic[] }
  /** A proxy's traffic rules changed (set, loaded, reloaded, a reload refused, or a rule acted): all of them. */
  | { type: 'rules-updated'; proxyId: string; state: RulesState }

/** Every change since the previous batch. Absent fields: nothing of that kind changed. */
export interface Batch {
  type: 'batch'
  /** Every open capture, whenever any of them changed (the live one grows all the time). */
  captures?: CaptureInfo[]
  proxies?: ProxyInfo[]
  sessions?: SessionInfo[]
  /** Intercepted browsers that started or closed (state `closed`) since the last batch. */
  browsers?: InterceptedBrowser[]
  /** Commands that started, exited or were removed (state `removed`) since the last batch. */
  commands?: InterceptedCommand[]
  /** What commands wrote since the last batch, one chunk per command and stream, at most OUTPUT_TAIL_BYTES each (`dropped` says how much more there was). */
  output?: CommandOutputChunk[]
  /** The whole Held queue, whenever it changed. */
  held?: HeldMessage[]
  /** The breakpoints and toxics of each proxy whose list changed, all of that proxy's. */
  breaks?: Record<string, BreakRule[]>
  toxics?: Record<string, Toxic[]>
  /** The traffic rules of each proxy whose rules changed. */
  rules?: Record<string, RulesState>
  /** Live connections opened or changed: their state now, in id order. */
  conns?: ConnectionSummary[]
  /** Bytes recorded, one range per connection and direction (without a preview while the engine is busy). */
  data?: BatchDataRange[]
  /** Non-data events of live connections, in the order they happened. */
  events?: Array<{ connId: number; event: CaptureEvent }>
  /**
   * The engine was busy: some non-data events were left out of `events` (`conns` has each
   * connection's state after them; `conn.events` reads them all).
   */
  eventsOmitted?: true
  warnings?: string[]
  captureErrors?: string[]
  /** The latest progress of each operation that reported some since the last batch. */
  progress?: OperationProgress[]
  /**
   * This front end fell behind and details were dropped to keep memory bounded: counts and
   * states in this batch are current, but refetch what is on screen.
   */
  resync?: true
}

/** How far a long operation got: `done` of `of` units (bytes or connections, as the operation counts). */
export interface OperationProgress {
  operation: string
  done: number
  of: number
}

export type FrontEvent = Snapshot | Batch

/** Coalescing limits: a data event per direction at most every FLUSH_MS or FLUSH_BYTES. */
export const DATA_FLUSH_MS = 16
export const DATA_FLUSH_BYTES = 64 * 1024
export const DATA_PREVIEW_BYTES = 64
/** A front end gets at most one batch per this many ms (a display frame). */
export const BATCH_INTERVAL_MS = 16
