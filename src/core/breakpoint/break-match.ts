// What decides whether a breakpoint holds something: a chunk's bytes (text, hex or a regex),
// an HTTP message's start line and Host, and the connection, by the list's filter words. Each
// is compiled once, when the rule is added or changed, so a bad pattern is a one-line error
// then and a chunk costs one search.

import { ERROR_CODES } from '../../shared/errors'
import type { BreakMatch, BreakRuleSpec } from '../../shared/break-types'
import { parseHex } from '../../shared/payload/parse-hex'
import { TEXT_ENCODINGS, type TextEncoding } from '../../shared/payload/payload-spec'
import { encodeText } from '../payload/build-payload'
import { compileUserRegex } from '../regex/user-regex'
import { parseFlowFilter, type Predicate } from '../capture/query/connection-query'
import { UserError } from '../net/net-errors'
import type { Direction } from '../../shared/direction'
import type { MessageField } from '../../shared/message-types'
import { parseMessageFilter } from '../../shared/message-filter'

/** What an HTTP rule looks at: a message's start line, and its Host for a request. */
export interface MessageHead {
  method?: string
  target?: string
  status?: number
  host?: string
  /** The head's headers as sent, in order (a traffic rule's header matchers read them before the body comes). */
  headers?: readonly { name: string; value: string }[]
}

export interface CompiledMatch {
  /** A raw rule: whether this chunk is one it holds. */
  chunk?(bytes: Buffer): boolean
  /** An HTTP rule: whether this message is one it holds. */
  message?(head: MessageHead): boolean
  /** A message rule: whether this whole message of a raw connection is one it holds (`described` gives its summary and fields, for `text:`). */
  streamMessage?(dir: Direction, command: string | undefined, described: () => { summary: string; fields?: MessageField[] }): boolean
  /** The connections it applies to (its `filter`); undefined: every one. */
  picks?: Predicate
}

export const isHttpMatch = (m: BreakMatch): boolean => m === 'http-request' || m === 'http-response'

/** Compiles a rule's match; what does not fit its kind is a one-line UserError. */
export function compileMatch(spec: BreakRuleSpec): CompiledMatch {
  const out: CompiledMatch = {}
  if (spec.filter !== undefined && spec.filter.trim() !== '') out.picks = filterPredicate(spec.filter)
  const needsPattern = spec.match === 'text' || spec.match === 'hex' || spec.match === 'regex'
  if (needsPattern && spec.pattern === undefined) throw invalid(`a ${spec.match} breakpoint needs a pattern: the ${spec.match === 'hex' ? 'bytes in hex' : spec.match} to look for`)
  if (!needsPattern && spec.match !== 'message' && spec.pattern !== undefined) throw invalid(`a ${spec.match} breakpoint takes no pattern: use match text, hex or regex to look into the bytes`)
  if (spec.encoding !== undefined && spec.match !== 'text') throw invalid('only a text breakpoint has an encoding')
  const httpFields = (['method', 'path', 'host', 'status'] as const).filter((k) => spec[k] !== undefined && spec[k] !== '')
  if (!isHttpMatch(spec.match) && httpFields.length > 0) throw invalid(`${httpFields.join(', ')} belong to HTTP breakpoints (match http-request or http-response)`)
  if (spec.match === 'http-request' && spec.status) throw invalid('status belongs to an http-response breakpoint')
  if (spec.match === 'http-response' && httpFields.some((k) => k !== 'status')) throw invalid('method, path and host belong to an http-request breakpoint')
  switch (spec.match) {
    case 'chunk':
      out.chunk = () => true
      break
    case 'text': {
      const needle = encodeText(spec.pattern!, textEncoding(spec.encoding))
      out.chunk = (bytes) => bytes.includes(needle)
      break
    }
    case 'hex': {
      const needle = Buffer.from(parseHex(spec.pattern!))
      if (needle.length === 0) throw invalid('a hex breakpoint needs at least one byte, e.g. 50 41 53 53')
      out.chunk = (bytes) => bytes.includes(needle)
      break
    }
    case 'regex': {
      const re = compileUserRegex(spec.pattern!)
      out.chunk = (bytes) => re.test(bytes)
      break
    }
    case 'http-request':
      out.message = requestMatch(spec)
      break
    case 'http-response':
      out.message = responseMatch(spec.status)
      break
    case 'message':
      out.streamMessage = messageMatch(spec.pattern)
  }
  return out
}

function messageMatch(pattern: string | undefined): NonNullable<CompiledMatch['streamMessage']> {
  let filter
  try {
    filter = parseMessageFilter(pattern)
  } catch (err) {
    throw invalid(`message ${err instanceof Error ? err.message : String(err)}`)
  }
  if (filter === undefined) return () => true
  const { factTest, textTest } = filter
  return (dir, command, described) => factTest(dir, command) && (textTest === undefined || textTest(described()))
}

function requestMatch(spec: BreakRuleSpec): (head: MessageHead) => boolean {
  const method = spec.method ? spec.method.toUpperCase() : undefined
  const path = spec.path || undefined
  const host = spec.host ? spec.host.toLowerCase() : undefined
  return (head) =>
    head.method !== undefined &&
    (method === undefined || head.method.toUpperCase() === method) &&
    (path === undefined || (head.target ?? '').includes(path)) &&
    (host === undefined || (head.host ?? '').toLowerCase().includes(host))
}

function responseMatch(status: string | undefined): (head: MessageHead) => boolean {
  if (!status) return (head) => head.status !== undefined
  const m = /^([1-5])(\d|x)(\d|x)$/i.exec(status)
  if (m === null || (/x/i.test(m[2]) && !/x/i.test(m[3]))) throw invalid(`status "${status}" is not a status or a class: write 404, or 4xx`)
  const pattern = status.toLowerCase()
  return (head) => {
    if (head.status === undefined) return false
    const code = String(head.status)
    return [...pattern].every((c, i) => c === 'x' || c === code[i])
  }
}

/** The list's filter words as a predicate over a connection's row; payloads are the rule's own match's to search. */
function filterPredicate(filter: string): Predicate | undefined {
  const parsed = parseFlowFilter(filter, "a breakpoint's filter picks connections (client:, port:, sni:, id:); an HTTP breakpoint has method, path, host and status")
  if (parsed.texts.length > 0) throw invalid("a breakpoint's filter cannot search payloads (text:): use match text, hex or regex")
  return parsed.predicate
}

function textEncoding(name: string | undefined): TextEncoding {
  if (name === undefined) return 'utf8'
  const normal = name.toLowerCase().replace(/-/g, '') === 'utf8' ? 'utf8' : name.toLowerCase()
  if (!(TEXT_ENCODINGS as readonly string[]).includes(normal)) throw invalid(`unknown encoding "${name}": use ${TEXT_ENCODINGS.join(', ')}`)
  return normal as TextEncoding
}

const invalid = (message: string): UserError => new UserError(`breakpoint: ${message}`, ERROR_CODES.EINVAL)
