// A rule's matcher (rule-types.ts Matcher) compiled once into a test over what a stage sees:
// an HTTP request, a raw connection's message, the connection's facts. Tests are
// three-valued while a request's body has not come yet: `undefined` means "it depends on the
// body", so a stage keeps a whole request only when some rule could still match it, and
// lets everything else through as it comes.

import type { BodyMatch, ConnectionMatch, HttpMatch, Matcher, MessageMatch, RespMatch, GrpcMatch, WebSocketMatch, WebSocketOpcode } from '../../shared/rules/rule-types'
import { ValidationError } from '../../shared/schema'
import { compileUserRegex } from '../regex/user-regex'
import { jsonAt, parseJsonPath, sameJson } from './json-path'
import { compileText, textWords, type TextTest } from './text-match'
import { GrpcFramer } from '../protocols/grpc/grpc-framing'
import { decodeProto } from '../protocols/grpc/proto-decode'

/** The connection a rule looks at. */
export interface ConnFacts {
  client: string
  targetHost?: string
  targetPort?: number
  sni?: string
  alpn?: string
}

/** An HTTP request as a matcher reads it; `body` once it has come (its decoded content). */
export interface RequestFacts {
  method: string
  /** The path without the query. */
  path: string
  query: URLSearchParams
  host: string
  port?: number
  /** Undefined while only the request line is known. */
  headers?: readonly { name: string; value: string }[]
  /** `bytes`: its content, codings undone (a gRPC call's messages). */
  body?: { text?: string; json?: unknown; bytes?: Uint8Array }
}

/** A raw connection's message as a matcher reads it. */
export interface MessageFacts {
  protocol: string
  dir: 'client' | 'server'
  summary: string
  bytes: Uint8Array
  /** The protocol's fields by path (`command`, `key`, `topic`, ...). */
  fields: Record<string, unknown>
}

/** A whole WebSocket message as a matcher reads it (websocket/ws-facts.ts). */
export interface WebSocketFacts {
  dir: 'client' | 'server'
  /** Its opcode's number: 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  opcode: number
  /** A text message's text, a close frame's reason; undefined for other payloads. */
  text?: string
  /** The text read as JSON (worked out when first read); undefined when it is not JSON. */
  readonly json: unknown
}

export interface Subject {
  conn: ConnFacts
  request?: RequestFacts
  message?: MessageFacts
  websocket?: WebSocketFacts
}

/** true, false, or undefined: not known until the request's body has come. */
export type Verdict = boolean | undefined
export type CompiledMatcher = (s: Subject) => Verdict

const and = (a: Verdict, b: Verdict): Verdict => (a === false || b === false ? false : a === undefined || b === undefined ? undefined : true)
const or = (a: Verdict, b: Verdict): Verdict => (a === true || b === true ? true : a === undefined || b === undefined ? undefined : false)

/** What kinds of traffic a matcher can match: a stage that carries none of them skips it. */
export interface MatcherKinds {
  http: boolean
  /** A raw connection's messages (redis, PostgreSQL, ...). */
  message: boolean
  /** WebSocket messages after an upgrade. */
  websocket: boolean
}

const KINDS = ['http', 'message', 'websocket'] as const
const kindsOf = (test: (k: (typeof KINDS)[number]) => boolean): MatcherKinds => ({ http: test('http'), message: test('message'), websocket: test('websocket') })

export function matcherKinds(m: Matcher): MatcherKinds {
  if ('all' in m) return m.all.map(matcherKinds).reduce((a, b) => kindsOf((k) => a[k] && b[k]))
  if ('any' in m) return m.any.map(matcherKinds).reduce((a, b) => kindsOf((k) => a[k] || b[k]))
  if ('not' in m) return kindsOf(() => true)
  if ('http' in m || 'grpc' in m) return kindsOf((k) => k === 'http')
  if ('resp' in m || 'message' in m) return kindsOf((k) => k === 'message')
  if ('websocket' in m) return kindsOf((k) => k === 'websocket')
  return kindsOf(() => true)
}

export function compileMatcher(m: Matcher, where: string): CompiledMatcher {
  if ('all' in m) {
    const parts = m.all.map((p, i) => compileMatcher(p, `${where}.all[${i}]`))
    return (s) => parts.reduce<Verdict>((v, p) => (v === false ? false : and(v, p(s))), true)
  }
  if ('any' in m) {
    const parts = m.any.map((p, i) => compileMatcher(p, `${where}.any[${i}]`))
    return (s) => parts.reduce<Verdict>((v, p) => (v === true ? true : or(v, p(s))), false)
  }
  if ('not' in m) {
    const inner = compileMatcher(m.not, `${where}.not`)
    return (s) => {
      const v = inner(s)
      return v === undefined ? undefined : !v
    }
  }
  if ('http' in m) return httpTest(m.http, `${where}.http`)
  if ('grpc' in m) return grpcTest(m.grpc)
  if ('resp' in m) return respTest(m.resp, `${where}.resp`)
  if ('message' in m) return messageTest(m.message, `${where}.message`)
  if ('websocket' in m) return websocketTest(m.websocket, `${where}.websocket`)
  return connTest(m.connection, `${where}.connection`)
}

function httpTest(h: HttpMatch, where: string): CompiledMatcher {
  const methods = h.method === undefined ? undefined : new Set((Array.isArray(h.method) ? h.method : [h.method]).map((x) => x.toUpperCase()))
  const host = h.host === undefined ? undefined : compileText(h.host, `${where}.host`, { caseInsensitive: true })
  const path = h.path === undefined ? undefined : compileText(h.path, `${where}.path`)
  const query = pairs(h.query, `${where}.query`, false)
  const headers = pairs(h.headers, `${where}.headers`, true)
  const body = h.body === undefined ? undefined : bodyTest(h.body, `${where}.body`)
  return (s) => {
    const r = s.request
    if (r === undefined) return false
    if (methods !== undefined && !methods.has(r.method.toUpperCase())) return false
    if (host !== undefined && !host(r.host)) return false
    if (h.port !== undefined && r.port !== h.port) return false
    if (path !== undefined && !path(r.path)) return false
    for (const [name, test] of query) {
      const values = r.query.getAll(name)
      if (!values.some((v) => test === true || test(v))) return false
    }
    const all = r.headers
    if (all === undefined && headers.length > 0) return undefined
    for (const [name, test] of headers) {
      const values = all!.filter((x) => x.name.toLowerCase() === name).map((x) => x.value)
      if (!values.some((v) => test === true || test(v))) return false
    }
    if (body === undefined) return true
    return r.body === undefined ? undefined : body(r.body)
  }
}

function pairs(map: Record<string, unknown> | undefined, where: string, lowerNames: boolean): Array<[string, TextTest | true]> {
  if (map === undefined) return []
  return Object.entries(map).map(([name, m]) => [lowerNames ? name.toLowerCase() : name, m === true ? true : compileText(m as Parameters<typeof compileText>[0], `${where}.${name}`)])
}

function bodyTest(b: BodyMatch, where: string): (body: NonNullable<RequestFacts['body']>) => boolean {
  const re = b.regex === undefined ? undefined : regex(b.regex, `${where}.regex`)
  const json = jsonTests(b.json, `${where}.json`)
  return (body) => {
    const text = body.text ?? ''
    if (b.contains !== undefined && !text.includes(b.contains)) return false
    if (re !== undefined && !re.test(text)) return false
    return json.every(({ steps, want }) => body.json !== undefined && sameJson(jsonAt(body.json, steps), want))
  }
}

/** gRPC runs over HTTP/2: `/package.Service/Method` is the request's path; `field`, its messages' fields. */
function grpcTest(g: GrpcMatch): CompiledMatcher {
  const fields = g.field === undefined ? undefined : Object.entries(g.field).map(([path, want]) => ({ path: path.split('.').map(Number), want }))
  return (s) => {
    const r = s.request
    if (r === undefined || r.method !== 'POST') return false
    if (r.headers === undefined) return undefined
    const contentType = r.headers.find((x) => x.name.toLowerCase() === 'content-type')?.value ?? ''
    if (!contentType.startsWith('application/grpc')) return false
    const m = /^\/([^/]+)\/([^/]+)$/.exec(r.path)
    if (m === null) return false
    if (g.service !== undefined && m[1] !== g.service) return false
    if (g.method !== undefined && (g.method.startsWith('/') ? r.path !== g.method : m[2] !== g.method)) return false
    if (fields === undefined) return true
    if (r.body === undefined) return undefined
    const bytes = r.body.bytes
    if (bytes === undefined) return false
    // Some whole, uncompressed message of the call has every field asked for.
    for (const frame of new GrpcFramer({ want: () => true }).push(bytes)) {
      if (frame.compressed || frame.trailer || !frame.complete || frame.payload === undefined) continue
      const payload = frame.payload
      if (fields.every(({ path, want }) => protoHas(payload, path, want))) return true
    }
    return false
  }
}

/** Whether the protobuf message `buf` has, at `path` (field numbers, through nested messages), a field whose value is `want`. */
function protoHas(buf: Uint8Array, path: readonly number[], want: string | number | boolean): boolean {
  const [number, ...rest] = path
  for (const f of decodeProto(buf, { maxDepth: 1 }).fields) {
    if (f.number !== number) continue
    const value = buf.subarray(f.valueOffset, f.valueOffset + f.valueLength)
    if (rest.length > 0) {
      if (f.wire === 'len' && protoHas(value, rest, want)) return true
      continue
    }
    if (typeof want === 'string') {
      if (f.wire === 'len' && Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8') === want) return true
      continue
    }
    if (f.wire === 'len' || f.wire === 'group') continue
    const text = typeof want === 'boolean' ? (want ? '1' : '0') : String(want)
    // Its unsigned value, or another reading of its bytes (signed, a float or double), but not zigzag (2 would read as 1).
    if (f.value === text || f.readings?.some((x) => x.as !== 'zigzag' && x.value === text) === true) return true
  }
  return false
}

function respTest(r: RespMatch, where: string): CompiledMatcher {
  const key = r.key === undefined ? undefined : compileText(r.key, `${where}.key`)
  const command = r.command?.toUpperCase()
  return (s) => {
    const m = s.message
    if (m === undefined || m.protocol !== 'resp' || m.dir !== 'client') return false
    if (command !== undefined && String(m.fields.command ?? '').toUpperCase() !== command) return false
    if (key !== undefined && (typeof m.fields.key !== 'string' || !key(m.fields.key))) return false
    return true
  }
}

function messageTest(mm: MessageMatch, where: string): CompiledMatcher {
  const summary = mm.summary === undefined ? undefined : compileText(mm.summary, `${where}.summary`)
  const re = mm.regex === undefined ? undefined : regex(mm.regex, `${where}.regex`)
  const hex = mm.hex === undefined ? undefined : hexPattern(mm.hex)
  const fields = Object.entries(mm.fields ?? {}).map(([name, want]) => {
    const test = typeof want === 'number' || typeof want === 'boolean' ? (v: unknown) => v === want || String(v) === String(want) : ((t) => (v: unknown) => v !== undefined && t(String(v)))(compileText(want, `${where}.fields.${name}`))
    return { name, test }
  })
  return (s) => {
    const m = s.message
    if (m === undefined) return false
    if (mm.dir !== undefined && m.dir !== mm.dir) return false
    if (mm.protocol !== undefined && m.protocol !== mm.protocol) return false
    if (summary !== undefined && !summary(m.summary)) return false
    if (re !== undefined && !re.test(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength).toString('latin1'))) return false
    if (hex !== undefined && !hex(m.bytes)) return false
    return fields.every(({ name, test }) => test(m.fields[name]))
  }
}

/** An opcode's number, by its name or as given. */
export const WEBSOCKET_OPCODE_NUMBERS: Record<Exclude<WebSocketOpcode, number>, number> = { text: 1, binary: 2, close: 8, ping: 9, pong: 10 }

function websocketTest(w: WebSocketMatch, where: string): CompiledMatcher {
  const opcodes = w.opcode === undefined ? undefined : new Set((Array.isArray(w.opcode) ? w.opcode : [w.opcode]).map((op) => (typeof op === 'number' ? op : WEBSOCKET_OPCODE_NUMBERS[op])))
  const text = w.text === undefined ? undefined : compileText(w.text, `${where}.text`)
  const json = jsonTests(w.json, `${where}.json`)
  return (s) => {
    const m = s.websocket
    if (m === undefined) return false
    if (w.dir !== undefined && m.dir !== w.dir) return false
    if (opcodes !== undefined && !opcodes.has(m.opcode)) return false
    if (text !== undefined && (m.text === undefined || !text(m.text))) return false
    if (json.length === 0) return true
    const doc = m.json
    return doc !== undefined && json.every(({ steps, want }) => sameJson(jsonAt(doc, steps), want))
  }
}

function jsonTests(map: Record<string, unknown> | undefined, where: string): Array<{ steps: NonNullable<ReturnType<typeof parseJsonPath>>; want: unknown }> {
  return Object.entries(map ?? {}).map(([p, want]) => {
    const steps = parseJsonPath(p)
    if (steps === undefined) throw new ValidationError(`${where}: "${p}" is not a JSON path`)
    return { steps, want }
  })
}

/**
 * What a matcher says from a connection's facts alone, before any of its traffic: false when
 * nothing the connection may carry can match (every way it names another target or client),
 * else undefined. A proxy gives a connection none of its rules can match no stage at all.
 * SNI and ALPN may be learnt after the connection opens: a matcher naming them waits.
 */
export function compileConnectionVerdict(m: Matcher, where: string): (c: ConnFacts) => Verdict {
  if ('all' in m) {
    const parts = m.all.map((p, i) => compileConnectionVerdict(p, `${where}.all[${i}]`))
    return (c) => parts.reduce<Verdict>((v, p) => (v === false ? false : and(v, p(c))), true)
  }
  if ('any' in m) {
    const parts = m.any.map((p, i) => compileConnectionVerdict(p, `${where}.any[${i}]`))
    return (c) => parts.reduce<Verdict>((v, p) => (v === true ? true : or(v, p(c))), false)
  }
  if ('not' in m) {
    const inner = compileConnectionVerdict(m.not, `${where}.not`)
    return (c) => {
      const v = inner(c)
      return v === undefined ? undefined : !v
    }
  }
  if (!('connection' in m) || m.connection.sni !== undefined || m.connection.alpn !== undefined) return () => undefined
  const test = connTest(m.connection, where)
  return (c) => test({ conn: c })
}

function connTest(c: ConnectionMatch, where: string): CompiledMatcher {
  const client = c.client === undefined ? undefined : compileText(c.client, `${where}.client`)
  const host = c.targetHost === undefined ? undefined : compileText(c.targetHost, `${where}.targetHost`, { caseInsensitive: true })
  const sni = c.sni === undefined ? undefined : compileText(c.sni, `${where}.sni`, { caseInsensitive: true })
  return (s) => {
    const f = s.conn
    // The client's address alone, or with its port.
    if (client !== undefined && !client(f.client) && !client(f.client.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1'))) return false
    if (host !== undefined && (f.targetHost === undefined || !host(f.targetHost))) return false
    if (c.targetPort !== undefined && f.targetPort !== c.targetPort) return false
    if (sni !== undefined && (f.sni === undefined || !sni(f.sni))) return false
    if (c.alpn !== undefined && f.alpn !== c.alpn) return false
    return true
  }
}

function regex(source: string, where: string): ReturnType<typeof compileUserRegex> {
  try {
    return compileUserRegex(source)
  } catch (err) {
    throw new ValidationError(`${where}: ${(err as Error).message}`)
  }
}

/** A hex pattern with `??` wildcards, found anywhere in the bytes. */
function hexPattern(text: string): (bytes: Uint8Array) => boolean {
  const want = (text.match(/[0-9a-fA-F]{2}|\?\?/g) ?? []).map((h) => (h === '??' ? -1 : parseInt(h, 16)))
  return (bytes) => {
    outer: for (let i = 0; i + want.length <= bytes.length; i++) {
      for (let j = 0; j < want.length; j++) if (want[j] >= 0 && bytes[i + j] !== want[j]) continue outer
      return true
    }
    return false
  }
}

/** A matcher in words, for a rule with no name (`GET /api/user`, `redis GET feature-flag`). */
export function matcherWords(m: Matcher): string {
  if ('all' in m) return m.all.map(matcherWords).join(' and ')
  if ('any' in m) return `(${m.any.map(matcherWords).join(' or ')})`
  if ('not' in m) return `not ${matcherWords(m.not)}`
  if ('http' in m) {
    const h = m.http
    const parts = [h.method === undefined ? 'HTTP' : Array.isArray(h.method) ? h.method.join('|') : h.method.toUpperCase()]
    if (h.host !== undefined) parts.push(`host ${textWords(h.host)}`)
    if (h.port !== undefined) parts.push(`port ${h.port}`)
    if (h.path !== undefined) parts.push(textWords(h.path))
    if (h.query !== undefined) parts.push(`?${Object.keys(h.query).join('&')}`)
    if (h.headers !== undefined) parts.push(`with ${Object.keys(h.headers).join(', ')}`)
    if (h.body !== undefined) parts.push('body …')
    return parts.join(' ')
  }
  if ('grpc' in m) return `gRPC ${m.grpc.method ?? `${m.grpc.service ?? ''}/*`}${m.grpc.field !== undefined ? ` with ${Object.entries(m.grpc.field).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}` : ''}`
  if ('resp' in m) return `redis ${m.resp.command?.toUpperCase() ?? 'any command'}${m.resp.key !== undefined ? ` ${textWords(m.resp.key)}` : ''}`
  if ('message' in m) return `${m.message.protocol ?? 'a'} message${m.message.summary !== undefined ? ` ${textWords(m.message.summary)}` : ''}`
  if ('websocket' in m) {
    const w = m.websocket
    const parts = ['WebSocket']
    if (w.opcode !== undefined) parts.push((Array.isArray(w.opcode) ? w.opcode : [w.opcode]).join('|'))
    parts.push('message')
    if (w.dir !== undefined) parts.push(w.dir === 'client' ? 'from the client' : 'from the target')
    if (w.text !== undefined) parts.push(textWords(w.text))
    if (w.json !== undefined) parts.push(Object.entries(w.json).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(', '))
    return parts.join(' ')
  }
  const c = m.connection
  return `connection${c.client !== undefined ? ` from ${textWords(c.client)}` : ''}${c.targetHost !== undefined ? ` to ${textWords(c.targetHost)}` : ''}${c.sni !== undefined ? ` SNI ${textWords(c.sni)}` : ''}`
}
