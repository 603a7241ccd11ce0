// Traffic rules (issue 44): a matcher, then steps, with an optional count and a name. The
// rules file (JSON or YAML) holds a list of them, tried in order; the first that matches
// acts. This is the contract: the engine compiles and runs them (src/core/rules), the CLI
// loads them (--rules, `rules check`), the UI lists and edits them, setups save them.

import type { ConnectionKind, Direction } from '../capture-types'

/** How a text is matched: a string is exact, or a glob when it has `*` or `?`; an object says which. */
export type TextMatch = string | { exact: string } | { glob: string } | { regex: string } | { contains: string } | { prefix: string }

/** A body's matcher: any of these that is given must hold. */
export interface BodyMatch {
  contains?: string
  regex?: string
  /** JSON paths (`$.user.id`, `$.items[0]`) and the value each must have. */
  json?: Record<string, unknown>
}

export interface HttpMatch {
  /** One method or several (any of them), case-insensitive. */
  method?: string | string[]
  host?: TextMatch
  port?: number
  path?: TextMatch
  /** Query parameters by name: each must be there with a matching value (`true`: there, any value). */
  query?: Record<string, TextMatch | true>
  /** Headers by name (case-insensitive): each must be there with a matching value (`true`: there, any value). */
  headers?: Record<string, TextMatch | true>
  body?: BodyMatch
}

export interface GrpcMatch {
  /** `/package.Service/Method`, or just `Method` (any service). */
  method?: string
  /** `package.Service`. */
  service?: string
  /**
   * A request message's fields by number, decoded without a schema (`'1'`, or `'2.1'` for
   * field 1 of the message in field 2): a string matches a length-delimited field's UTF-8
   * text, a number a numeric field's value, a boolean a varint's 1 or 0. The request is held
   * whole for it; some uncompressed message of the call must have them all.
   */
  field?: Record<string, string | number | boolean>
}

/** A redis command as RESP carries it. */
export interface RespMatch {
  /** The command's name, case-insensitive (`GET`, `SET`). */
  command?: string
  /** The first argument: the key. */
  key?: TextMatch
}

/** A message of a raw connection cut by its protocol (redis, PostgreSQL, MQTT, ...), or its bytes. */
export interface MessageMatch {
  /** Who sent it: `client` (to the target) or `server`. */
  dir?: 'client' | 'server'
  /** The protocol it is read as (`resp`, `postgres`, `mqtt`, `modbus`, `mysql`, `dns`). */
  protocol?: string
  /** The message's one-line summary, as the Messages tab shows it. */
  summary?: TextMatch
  /** A protocol field by its path in the field tree, and its value. */
  fields?: Record<string, TextMatch | number | boolean>
  /** A regex over the message's bytes read as Latin-1 text. */
  regex?: string
  /** A hex pattern, `??` any byte: `2a 33 ?? 0d 0a`. */
  hex?: string
}

/** A WebSocket frame's opcode by name, or its number (0 to 15). */
export type WebSocketOpcode = 'text' | 'binary' | 'close' | 'ping' | 'pong' | number

/** A WebSocket message (after a `101 Switching Protocols` to `Upgrade: websocket`), whole: its fragments joined, unmasked and inflated. */
export interface WebSocketMatch {
  /** Who sent it: `client` (to the target) or `server`. */
  dir?: 'client' | 'server'
  /** One opcode or several (any of them). */
  opcode?: WebSocketOpcode | WebSocketOpcode[]
  /** A text message's text (a close frame's reason). */
  text?: TextMatch
  /** JSON paths into a text message read as JSON, and the value each must have. */
  json?: Record<string, unknown>
}

export interface ConnectionMatch {
  /** The client's address (`127.0.0.1`, or with a port). */
  client?: TextMatch
  targetHost?: TextMatch
  targetPort?: number
  sni?: TextMatch
  alpn?: string
}

export type Matcher =
  | { all: Matcher[] }
  | { any: Matcher[] }
  | { not: Matcher }
  | { http: HttpMatch }
  | { grpc: GrpcMatch }
  | { resp: RespMatch }
  | { message: MessageMatch }
  | { websocket: WebSocketMatch }
  | { connection: ConnectionMatch }

/** Header values by name: a string sets, `null` removes. */
export type HeaderChanges = Record<string, string | null>

export interface GrpcReply {
  /** grpc-status (0 OK, 14 UNAVAILABLE, ...). */
  status: number
  message?: string
}

/** A RESP value to answer a redis command with. Exactly one key. */
export type RespValue = { bulk: string } | { simple: string } | { error: string } | { integer: number } | { null: true } | { array: string[] }

export interface Respond {
  status?: number
  headers?: Record<string, string>
  /** The body as text. */
  body?: string
  /** The body as JSON (content-type application/json unless a header says otherwise). */
  json?: unknown
  /** The body read from a file (relative to the rules file). */
  file?: string
  /** A gRPC answer: trailers-only with this status. */
  grpc?: GrpcReply
  /** A redis answer. */
  resp?: RespValue
  /** A raw reply: text (with \r \n escapes given as JSON escapes) or hex. */
  text?: string
  hex?: string
}

export interface Forward {
  /** Where to: `http://host:port`, `https://host`, or `host:port`. */
  to: string
  /** Keep the request's Host (`keep`, the default) or set it to the new one (`rewrite`). */
  host?: 'keep' | 'rewrite'
}

export interface TextReplace {
  /** The text to find (every occurrence), or a regex with `regex: true`. */
  find: string
  with: string
  regex?: boolean
}

/** What a rewrite changes in each message of a gRPC body (protobuf, read without a schema). */
export interface GrpcRewrite {
  /**
   * Fields by number, as the gRPC matcher's `field` names them (`'1'`, or `'2.1'` for field 1
   * of the message in field 2), and the value each is set to: a string a length-delimited
   * field's UTF-8 text, a number a varint (a float or double in a 4- or 8-byte field), a
   * boolean a varint's 1 or 0. Every occurrence is set, an absent field added; lengths refitted.
   */
  field: Record<string, string | number | boolean>
}

export interface MessageRewrite {
  /** Response only: the status. */
  status?: number
  headers?: HeaderChanges
  /** Replacements in the decoded body (on a gRPC body: in each message's text values). */
  replace?: TextReplace[]
  /** JSON paths and the value each is set to (not on a gRPC body). */
  json?: Record<string, unknown>
  /** The whole body replaced (not on a gRPC body). */
  body?: string
  /** A gRPC body's messages' protobuf fields set by number. */
  grpc?: GrpcRewrite
}

/** What a rewrite changes in a WebSocket message; it is sent on as one frame with the same opcode. */
export interface WebSocketRewrite {
  /** Replacements in a text message's text. */
  replace?: TextReplace[]
  /** JSON paths and the value each is set to, in a text message read as JSON. */
  json?: Record<string, unknown>
  /** The whole text replaced. */
  text?: string
}

export interface Rewrite {
  request?: MessageRewrite
  response?: MessageRewrite
  /** A raw message's bytes (a WebSocket message's payload): replace text or hex. */
  bytes?: TextReplace[]
  websocket?: WebSocketRewrite
}

export type Step =
  | { respond: Respond }
  | { forward: Forward }
  | { rewrite: Rewrite }
  | { delay: number }
  | { close: true }
  | { reset: true }
  | { drop: true }
  | { timeout: true }

export interface RuleSpec {
  name?: string
  enabled?: boolean
  match: Matcher
  steps: Step[]
  /** Acts at most this many times, then is passed over. */
  times?: number
  /** The same as `times: 1`. */
  once?: boolean
}

export interface RulesFile {
  rules: RuleSpec[]
}

/** A rule as the engine reports it: its spec, its place and what it has done. */
export interface RuleInfo {
  /** r1, r2, ... in the order tried. */
  id: string
  /** Its name, or a description made from its matcher. */
  label: string
  spec: RuleSpec
  enabled: boolean
  /** How many times it acted. */
  hits: number
  /** With `times` or `once`: how many acts are left. */
  left?: number
  /**
   * The id of an earlier rule that matches everything this one matches, and acts each time
   * (on, with no act limit): the first that matches acts, so this one never does. Told only
   * when certain (core/rules/rule-shadow.ts).
   */
  hiddenBy?: string
}

/** What a rule did, as the capture records it (a `rule` record on the connection, in the direction it changed). */
export interface RuleEventInfo {
  /** The rule's id and label, or `script` for a script's hook. */
  rule: string
  label: string
  /** What it did. */
  action: 'respond' | 'rewrite' | 'forward' | 'delay' | 'close' | 'reset' | 'drop' | 'timeout' | 'script' | 'error' | 'renumber'
  /** One line in English. */
  message: string
  /** Where the message it acted on starts in the sender's stream, and its size as sent. */
  offset?: number
  size?: number
  /** What the receiver got instead (base64), when at most MAX_RECORDED_EDIT; else its size and SHA-256. */
  delivered?: string
  deliveredSize?: number
  deliveredSha256?: string
  /** The summary of the message (`GET /api/user`, `200 OK`). */
  summary?: string
  /** A person's edit at a breakpoint (`rule` is its id), read as a rewrite where what was delivered is shown. */
  by?: 'break'
  /**
   * `renumber` (HTTP/2, no rule's: a request held here reached the target after streams opened
   * later, rules/h2/h2-stream-ids.ts): the client's `stream` went to the target as its
   * `targetStream`, and the streams after it with the same difference; or the target's GOAWAY
   * was told the client as `goaway`, the client's `refused` streams refused here.
   */
  stream?: number
  targetStream?: number
  goaway?: number
  refused?: number[]
}

/** The script's record of an HTTP/2 stream it reset (it keeps the frames it sent). */
const SCRIPT_RESET = /^the script reset\b/

/**
 * Whether a `rule` record says its receiver got something else than was sent: a rule's mock,
 * rewrite or forward elsewhere (what the exchange list badges), or the script's answer or
 * change (it kept what it delivered; its HTTP/2 resets keep their frames too, and are ends).
 * tcpscope's own answer for a target that is down is no rule's (`rule` empty), and a delay,
 * a drop or an end changes no bytes.
 */
export function ruleChangedDelivery(info: Partial<Pick<RuleEventInfo, 'rule' | 'action' | 'deliveredSize' | 'message'>>): boolean {
  if (info.rule === '') return false
  if (info.action === 'script') return info.deliveredSize !== undefined && !SCRIPT_RESET.test(String(info.message ?? ''))
  return info.action === 'respond' || info.action === 'rewrite' || info.action === 'forward'
}

/** The script's record says it ended the exchange itself (its answers, drops, resets and closes; its changes go on). */
export const SCRIPT_ENDED = /^the script (answered|failed|dropped|reset|closed)\b/

/**
 * The request a rule record acted on never reached the target: a rule or the script
 * answered, forwarded, closed or dropped it. (Captures from before HTTP/2 forwarded say
 * "not forwarded ...": that request went on to the target.)
 */
export function endedHere(info: Pick<RuleEventInfo, 'action' | 'message'>, h2: boolean): boolean {
  switch (info.action) {
    case 'respond':
    case 'close':
    case 'reset':
    case 'drop':
    case 'timeout':
      return true
    case 'forward':
      return !h2 || !info.message.startsWith('not forwarded')
    case 'script':
      return SCRIPT_ENDED.test(info.message)
    default:
      return false
  }
}

/**
 * A `rule` record of `dir` says tcpscope answered a client's message itself, in its target's
 * place: a rule's or the script's answer, or tcpscope's own for a target that was down (the
 * size it kept, even of an answer kept only as its SHA-256). Only a proxy has a target whose
 * place it takes: a server session's answer is its own server bytes, recorded as it sent
 * them. A forward's answer came on tcpscope's own connection to where it went, and is not kept.
 */
export function answeredClient(info: Pick<RuleEventInfo, 'action' | 'message' | 'deliveredSize'>, dir: Direction | undefined, kind: ConnectionKind): boolean {
  return kind === 'proxy' && dir === 'client' && keptAnswer(info)
}

/** A rule's or the script's answer that ended the exchange here, its bytes kept with the record. */
const keptAnswer = (info: Pick<RuleEventInfo, 'action' | 'message' | 'deliveredSize'>): boolean =>
  info.deliveredSize !== undefined && info.action !== 'forward' && endedHere(info, false)

/**
 * Whether a record's "what was delivered" is worth showing: it kept what its receiver got,
 * and that is not already in the stream. A server session's answer made by a rule or the
 * script is the session's own bytes, in its stream as it sent them, so it is not. (A rewrite
 * of the request it then answered still changed what the session read.) Takes a record's
 * info as an event carries it, from any capture file.
 */
export function deliveredApart(info: Readonly<Record<string, unknown>>, kind: ConnectionKind): boolean {
  return (info as Partial<RuleEventInfo>).deliveredSize !== undefined && !sessionsOwnAnswer(info, kind)
}

/**
 * A server session's answer made by a rule or the script: the session's own bytes, in its
 * stream as it sent them, so what its client got is what the stream shows. Takes a record's
 * info as an event carries it, from any capture file.
 */
export function sessionsOwnAnswer(info: Readonly<Record<string, unknown>>, kind: ConnectionKind): boolean {
  const { action, message, deliveredSize } = info as Partial<RuleEventInfo>
  return kind === 'server' && typeof action === 'string' && keptAnswer({ action, message: String(message ?? ''), deliveredSize })
}

/** The bytes of that answer (answeredClient); 0 for any other record, and for a size that is no byte count (a damaged file's). */
export function answeredBytes(info: Pick<RuleEventInfo, 'action' | 'message' | 'deliveredSize'>, dir: Direction | undefined, kind: ConnectionKind): number {
  const size: unknown = info.deliveredSize
  return answeredClient(info, dir, kind) && typeof size === 'number' && Number.isSafeInteger(size) && size > 0 ? size : 0
}

/** A rule's steps end the exchange here (the rest of the chain is not reached). */
export const TERMINAL_STEPS = ['respond', 'forward', 'close', 'reset', 'drop', 'timeout'] as const

/** What a step does, by its one key. */
export type StepKind = 'respond' | 'forward' | 'rewrite' | 'delay' | 'close' | 'reset' | 'drop' | 'timeout'

export function stepKind(step: Step): StepKind {
  return Object.keys(step)[0] as StepKind
}
