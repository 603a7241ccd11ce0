// Messages of a raw connection, as front ends see them: the stream cut by a framing the
// user chose ("decode as": lines, a delimiter, a length prefix, a fixed size) or by a
// protocol's own (redis's RESP, PostgreSQL, MySQL, MQTT, Modbus TCP, DNS over TCP), each
// message with its bytes' range, a one-line summary and a tree of decoded fields. One list
// and one field tree serve every protocol in the UI, `show` and the exports.

import type { Direction } from './direction'
import type { DecodedField } from './decoded-field'
import type { ByteRange, DecodeProblem } from './protocol-types'
import { nearestWord } from './filter-mistakes'

/** The protocols whose messages tcpscope decodes from a raw connection. */
export const MESSAGE_PROTOCOLS = ['resp', 'postgres', 'mysql', 'mqtt', 'modbus', 'dns'] as const
export type MessageProtocol = (typeof MESSAGE_PROTOCOLS)[number]

/** Each protocol as people name it, for lists and summaries. */
export const MESSAGE_PROTOCOL_NAMES: Record<MessageProtocol, string> = {
  resp: 'RESP',
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  mqtt: 'MQTT',
  modbus: 'Modbus',
  dns: 'DNS'
}

/** The largest message a framing waits for by default: a larger declared length is a framing error, not a wait. */
export const DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024
/** The most a framing may be told to wait for (`max=`). */
export const MAX_MESSAGE_LIMIT = 256 * 1024 * 1024
/** A message's fields are decoded from at most this many of its bytes; a longer one's tree says it is cut. */
export const MESSAGE_DECODE_BYTES = 1024 * 1024
/** Fields listed at most in one message's tree; the rest are counted. */
export const MESSAGE_MAX_FIELDS = 2000
/** A field's value is shown up to this many characters. */
export const MESSAGE_VALUE_SHOWN = 1024
/** A summary is at most this long. */
export const MESSAGE_SUMMARY_MAX = 200
/** A page of msg.page holds at most this many messages. */
export const MESSAGE_MAX_PAGE = 500

/**
 * How a connection's streams are cut into messages: the `--frame` grammar, parsed.
 * - `line`: up to and including a line end (`lf`, `crlf`, or `any` of CRLF, LF, CR);
 * - `delimiter`: up to and including a byte sequence;
 * - `length`: a length field of `size` bytes after `offset` bytes, whose value plus `adjust`
 *   is the bytes that follow the field (so a length that counts its whole message, header
 *   included, takes a negative adjust);
 * - `fixed`: every `size` bytes;
 * - `protocol`: a protocol's own framing and decoder;
 * - `ksy`: the top-level type of a Kaitai Struct file (`path`, on the engine's host) is one
 *   message; `within`: a plain framing cuts the messages and the file only decodes them
 *   (for a type that reads to the end of its stream);
 * - `script`: a user's JavaScript or TypeScript module (`path`, on the engine's host) whose
 *   `frame(bytes)` says how long each message is and whose `describe(message)` its fields;
 * - `none`: no messages (the connection reads as a byte stream).
 */
export type FrameSpec =
  | PlainFrameSpec
  | { kind: 'protocol'; protocol: MessageProtocol }
  | { kind: 'ksy'; path: string; within?: PlainFrameSpec }
  | { kind: 'script'; path: string }
  | { kind: 'none' }

/** The framings that cut by bytes alone (a `ksy:` file's `within=`). */
export type PlainFrameSpec =
  | { kind: 'line'; eol: 'lf' | 'crlf' | 'any'; max: number }
  | { kind: 'delimiter'; delimiter: Uint8Array; max: number }
  | { kind: 'length'; size: 1 | 2 | 4 | 8; endian: 'big' | 'little'; offset: number; adjust: number; max: number }
  | { kind: 'fixed'; size: number }

export type FrameKind = FrameSpec['kind']

/** The grammar in one line, for errors and `--help`. */
export const FRAME_GRAMMAR =
  'line[:eol=lf|crlf|any], delimiter:hex=HEX, length:size=1|2|4|8[,endian=big|little][,offset=N][,adjust=N], fixed:size=N (each with [,max=SIZE]), ksy:FILE.ksy[,within=A PLAIN FRAMING], script:FILE.js|.ts, none, or a protocol: resp, postgres, mysql, mqtt, modbus, dns'

export class FrameSpecError extends Error {}

const bad = (text: string, why: string): FrameSpecError => new FrameSpecError(`--frame ${text}: ${why}; use ${FRAME_GRAMMAR}`)

/** Every framing's kind as `--frame` spells it (`raw` is `none`'s other name). */
const FRAME_KINDS: readonly string[] = ['line', 'delimiter', 'length', 'fixed', 'ksy', 'script', 'none', 'raw', ...MESSAGE_PROTOCOLS]

/**
 * A kind no framing has, said before its options are read (their mistakes would hide it): a
 * misspelt kind is told the text as meant, a file's name given bare (a path may hold a colon:
 * `C:\\protocols\\device.ksy`) the prefix it needs.
 */
function unknownKind(text: string, kind: string, rest: string | undefined): FrameSpecError {
  const near = nearestWord(kind, FRAME_KINDS)
  if (near !== undefined) return bad(text, `unknown framing "${kind}" (did you mean ${rest === undefined ? near : `${near}:${rest}`}?)`)
  const file = text.trim()
  const bare = rest === undefined || /^[a-z]$/i.test(kind)
  if (bare && /\.ksy$/i.test(file)) return new FrameSpecError(`--frame ${text}: "${file}" is no framing: for a Kaitai Struct file write ksy:${file}`)
  if (bare && /\.[cm]?[jt]s$/i.test(file)) return new FrameSpecError(`--frame ${text}: "${file}" is no framing: for a framing script write script:${file}`)
  return bad(text, `unknown framing "${kind}"`)
}

/** Parses `--frame SPEC` (and "Decode as…"'s text). Throws FrameSpecError with one line saying what is wrong and the grammar. */
export function parseFrameSpec(text: string): FrameSpec {
  const trimmed = text.trim()
  const colon = trimmed.indexOf(':')
  const kind = (colon < 0 ? trimmed : trimmed.slice(0, colon)).toLowerCase()
  if (kind === 'ksy') return parseKsySpec(text, colon < 0 ? '' : trimmed.slice(colon + 1))
  if (kind === 'script') {
    // The path is the whole rest: a path may hold commas and colons (`script:C:\\decoders\\a,b.js`).
    const path = colon < 0 ? '' : trimmed.slice(colon + 1).trim()
    if (path === '') throw bad(text, 'script needs a file: script:FILE.js (or .ts)')
    return { kind: 'script', path }
  }
  if (kind !== '' && !FRAME_KINDS.includes(kind)) throw unknownKind(text, kind, colon < 0 ? undefined : trimmed.slice(colon + 1))
  const params = new Map<string, string>()
  if (colon >= 0) {
    for (const part of trimmed.slice(colon + 1).split(',')) {
      if (part.trim() === '') continue
      const eq = part.indexOf('=')
      if (eq < 0) throw bad(text, `"${part.trim()}" is not NAME=VALUE`)
      const key = part.slice(0, eq).trim().toLowerCase()
      if (params.has(key)) throw bad(text, `${key} is given twice`)
      params.set(key, part.slice(eq + 1).trim())
    }
  }
  const allow = (...names: string[]): void => {
    for (const k of params.keys()) if (!names.includes(k)) throw bad(text, names.length ? `${kind} takes ${names.join(', ')}, not ${k}` : `${kind} takes no options`)
  }
  const whole = (key: string, min: number, max: number, dflt?: number): number => {
    const v = params.get(key)
    if (v === undefined) {
      if (dflt === undefined) throw bad(text, `${kind} needs ${key}=`)
      return dflt
    }
    if (!/^[+-]?\d+$/.test(v)) throw bad(text, `${key}=${v} is not a whole number`)
    const n = Number(v)
    if (n < min || n > max) throw bad(text, `${key}=${v} is out of range (${min} to ${max})`)
    return n
  }
  const maxOf = (): number => {
    const v = params.get('max')
    if (v === undefined) return DEFAULT_MAX_MESSAGE
    const n = parseSizeWord(v)
    if (n === undefined || n < 1 || n > MAX_MESSAGE_LIMIT) throw bad(text, `max=${v} is not a size from 1 byte to 256MiB (e.g. 64KiB)`)
    return n
  }
  if ((MESSAGE_PROTOCOLS as readonly string[]).includes(kind)) {
    allow()
    return { kind: 'protocol', protocol: kind as MessageProtocol }
  }
  switch (kind) {
    case 'none':
    case 'raw':
      allow()
      return { kind: 'none' }
    case 'line': {
      allow('eol', 'max')
      const eol = (params.get('eol') ?? 'any').toLowerCase()
      if (eol !== 'lf' && eol !== 'crlf' && eol !== 'any') throw bad(text, `eol=${eol} is not lf, crlf or any`)
      return { kind: 'line', eol, max: maxOf() }
    }
    case 'delimiter': {
      allow('hex', 'max')
      const hex = (params.get('hex') ?? '').replace(/^0x/i, '').replace(/[\s:]/g, '')
      if (hex === '') throw bad(text, 'delimiter needs hex= (e.g. hex=0d0a)')
      if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw bad(text, `hex=${params.get('hex')} is not whole bytes in hex`)
      if (hex.length > 64) throw bad(text, 'a delimiter is at most 32 bytes')
      const delimiter = new Uint8Array(hex.length / 2)
      for (let i = 0; i < delimiter.length; i++) delimiter[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
      return { kind: 'delimiter', delimiter, max: maxOf() }
    }
    case 'length': {
      allow('size', 'endian', 'offset', 'adjust', 'max')
      const size = whole('size', 1, 8)
      if (size !== 1 && size !== 2 && size !== 4 && size !== 8) throw bad(text, `size=${size} is not 1, 2, 4 or 8`)
      const endian = (params.get('endian') ?? 'big').toLowerCase()
      if (endian !== 'big' && endian !== 'little') throw bad(text, `endian=${endian} is not big or little`)
      return { kind: 'length', size, endian, offset: whole('offset', 0, 65535, 0), adjust: whole('adjust', -65535, 65535, 0), max: maxOf() }
    }
    case 'fixed':
      allow('size')
      return { kind: 'fixed', size: whole('size', 1, DEFAULT_MAX_MESSAGE) }
    case '':
      throw bad(text, 'it is empty')
    default:
      throw unknownKind(text, kind, colon < 0 ? undefined : trimmed.slice(colon + 1))
  }
}

/**
 * `ksy:PATH[,within=FRAMING]`: the path is everything up to `,within=` (a path may hold
 * commas and colons: `ksy:C:\\protocols\\device,v2.ksy`), the framing everything after it.
 */
function parseKsySpec(text: string, rest: string): FrameSpec {
  const at = rest.toLowerCase().indexOf(',within=')
  const path = (at < 0 ? rest : rest.slice(0, at)).trim()
  if (path === '') throw bad(text, 'ksy needs a file: ksy:FILE.ksy')
  if (at < 0) return { kind: 'ksy', path }
  const inner = rest.slice(at + ',within='.length)
  let within: FrameSpec
  try {
    within = parseFrameSpec(inner)
  } catch (err) {
    const why = (err as Error).message
    throw bad(text, `within=${inner.trim()}: ${why.slice(`--frame ${inner}: `.length).replace(/; use .*$/, '')}`)
  }
  if (within.kind === 'protocol' || within.kind === 'ksy' || within.kind === 'script' || within.kind === 'none') throw bad(text, `within= takes a plain framing (line, delimiter, length, fixed), not ${within.kind === 'protocol' ? within.protocol : within.kind}`)
  return { kind: 'ksy', path, within }
}

/** The spec as `--frame` takes it, options at their defaults left out. */
export function formatFrameSpec(spec: FrameSpec): string {
  const max = 'max' in spec && spec.max !== DEFAULT_MAX_MESSAGE ? `max=${spec.max}` : undefined
  const join = (kind: string, parts: Array<string | undefined>): string => {
    const p = parts.filter((x): x is string => x !== undefined)
    return p.length ? `${kind}:${p.join(',')}` : kind
  }
  switch (spec.kind) {
    case 'line':
      return join('line', [spec.eol !== 'any' ? `eol=${spec.eol}` : undefined, max])
    case 'delimiter':
      return join('delimiter', [`hex=${Array.from(spec.delimiter, (b) => b.toString(16).padStart(2, '0')).join('')}`, max])
    case 'length':
      return join('length', [`size=${spec.size}`, spec.endian !== 'big' ? `endian=${spec.endian}` : undefined, spec.offset ? `offset=${spec.offset}` : undefined, spec.adjust ? `adjust=${spec.adjust}` : undefined, max])
    case 'fixed':
      return `fixed:size=${spec.size}`
    case 'protocol':
      return spec.protocol
    case 'ksy':
      return spec.within ? `ksy:${spec.path},within=${formatFrameSpec(spec.within)}` : `ksy:${spec.path}`
    case 'script':
      return `script:${spec.path}`
    case 'none':
      return 'none'
  }
}

/** `64KiB`, `16MiB`, `4096` as bytes; undefined when it is none. */
function parseSizeWord(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(v.trim())
  if (!m) return undefined
  const unit = (m[2] ?? 'b').toLowerCase()[0]
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1
  return Math.floor(Number(m[1]) * mult)
}

/** One decoded field of a message: its name (`[1] (bulk string, 1 bytes)`: what kind of field in brackets after it), and the rest every decoded field has. */
export interface MessageField extends DecodedField<MessageField> {
  name: string
}

/** One message of a framed connection. */
export interface StreamMessage {
  /** Its position on the connection (both directions in the order their first bytes came), from 0. */
  index: number
  dir: Direction
  /** The framing or protocol that cut it (`resp`, `length`, `line`, ...). */
  protocol: string
  /** Its bytes in its direction's stream: it may span many chunks, and a chunk may hold many messages. */
  range: ByteRange
  /** Wall-clock ms of the chunk that held its first byte, and of the one holding its last. */
  time: number
  endedAt?: number
  /** One line: `SET key value`, `+OK`, `Query: SELECT 1`, `Read Holding Registers unit 17 at 100 ×3`. */
  summary: string
  /** The command or function it names, for `cmd:` (`SET`, `Query`, `PUBLISH`, `fn 3`). */
  command?: string
  /** The message it answers or is answered by (a reply and its command; a Modbus response and its request). */
  pair?: number
  /** Its bytes did not fit the framing or the protocol: why, in one sentence. */
  error?: string
  /** It ended before its framing said it would (the stream ended inside it). */
  incomplete?: boolean
  /** Present when asked for (msg.page's `fields`, or a single message): its decoded tree. */
  fields?: MessageField[]
  /** Fields not listed (MESSAGE_MAX_FIELDS), or the message was decoded from its first MESSAGE_DECODE_BYTES only. */
  fieldsCut?: boolean
}

/** A slice of one connection's messages (msg.page). */
export interface MessagePage {
  connId: number
  /** The framing used, as `--frame` takes it (`none` when the connection reads as a byte stream). */
  framing: string
  /**
   * Where the framing came from: chosen for this connection ("decode as"), its proxy's or
   * session's own (`--frame`, live or as its capture recorded it), chosen for all its owner's
   * connections ("decode as" for every connection of p1), recognised, or none.
   */
  source: 'chosen' | 'owner' | 'ownerChosen' | 'detected' | 'none'
  from: number
  /** Messages that pass the filter, so far. */
  total: number
  /** Messages on the connection, so far. */
  of: number
  messages: StreamMessage[]
  problems: DecodeProblem[]
}

/**
 * A message's filter words: `dir:client`, `cmd:SET` (a command or function name, or
 * `fn:6`), `text:WORDS` (in the summary and the fields), `field:NAME=VALUE` (or `<`, `>` a
 * number), `-` to negate; a bare word is `text:`.
 */
export const MESSAGE_WORDS = ['dir', 'cmd', 'fn', 'text', 'field'] as const
