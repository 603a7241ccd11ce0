// A capture's connection list as front ends page through it: filtered by a small query
// language (`port:6379 state:reset -kind:client 10.0.0.5`) and sorted, by the engine, so a
// front end never holds the whole list. Rows are tested and sorted through the index's
// fields, without building a summary per row (only the page's rows become summaries):
// 100,000 connections are filtered in tens of milliseconds. The matching rows are kept
// until the capture changes or another query comes, so paging through one list costs one
// filter and sort. A `text:` word reads payloads (payload-filter.ts), a slice per call. A
// plain word is found in the endpoints, the owner, and what the Info column shows of decoding.

import { RESET_CAUSES, type ConnectionEnd, type ConnectionPage, type ConnectionSummary, type SortKey } from '../../../shared/capture-types'
import { ERROR_CODES, UserError } from '../../../shared/errors'
import { endpointWord, FilterMistakes, unknownFilterWord } from '../../../shared/filter-mistakes'
import { EXCHANGE_WORDS } from '../../../shared/protocol-types'
import { isTlsWord, tlsTerm, viaTerm, type TlsWord } from './tls-words'
import type { IndexView, PeerRole, RowFields } from '../read/index-view'
import { PayloadFilter, type Read, type Slice } from './payload-filter'
import { sortRowsBy } from './sort-rows'

/** Words answered by decoding, not by the index: `proto:`, and the exchange words. */
export const DECODED_WORDS = ['proto', ...EXCHANGE_WORDS] as const
export type DecodedWord = (typeof DECODED_WORDS)[number]

/**
 * What the protocol words ask of the capture's decoding (src/core/decode, which sits above
 * capture and hands this in): connections not decoded yet pass none of them.
 */
export interface ProtocolFacts {
  /** Lets decoding catch up for a bounded time; how many connections are decoded. */
  catchUp(signal?: AbortSignal): Promise<{ done: number; of: number }>
  /**
   * The test of `key:value` for one connection; a bad value throws a one-line UserError.
   * `tls:yes`: its client sent a TLS hello; `sni:TEXT` (lower case): that hello's name holds TEXT.
   */
  wordTest(key: DecodedWord | TlsWord, value: string): (connId: number) => boolean
  /** Whether the connection's Info words (shared/info-words.ts) hold `text` (lower case): a plain word's test beside the endpoints. */
  infoTest(text: string): (connId: number) => boolean
  /** Changes whenever what is decoded does. */
  version(): number
}

export type Predicate = (f: RowFields, row: number) => boolean

const isOpen = (f: RowFields, row: number): boolean => f.end(row) === 'open'
const endIs =
  (...ends: ConnectionEnd[]): Predicate =>
  (f, row) =>
    ends.includes(f.end(row))

const STATES: Record<string, Predicate> = {
  open: isOpen,
  closed: endIs('closed'),
  /** Ended by an RST: a peer's, or one tcpscope made on purpose. */
  reset: endIs('client-reset', 'server-reset', 'tcpscope-reset'),
  'client-reset': endIs('client-reset'),
  'server-reset': endIs('server-reset'),
  'tcpscope-reset': endIs('tcpscope-reset'),
  failed: endIs('connect-failed'),
  'connect-failed': endIs('connect-failed'),
  error: endIs('error'),
  stopped: endIs('stopped'),
  cut: endIs('cut'),
  'saved-open': endIs('saved-open'),
  /** One side sent FIN, the connection is still up. */
  'half-closed': (f, row) => isOpen(f, row) && f.fin(row, 'client') !== f.fin(row, 'server')
}

/** Ports in typed targets, parsed once per distinct target. */
const targetPorts = new Map<string, number | undefined>()
function targetPort(target: string): number | undefined {
  if (!targetPorts.has(target)) {
    const m = /:(\d{1,5})$/.exec(target)
    if (targetPorts.size > 10_000) targetPorts.clear()
    targetPorts.set(target, m ? Number(m[1]) : undefined)
  }
  return targetPorts.get(target)
}

const hasPort =
  (n: number): Predicate =>
  (f, row) =>
    f.peerPort(row, 'client') === n || targetPort(f.target(row)) === n || f.peerPort(row, 'remote') === n || f.peerPort(row, 'local') === n

/** Lower case, once per distinct string (targets repeat; addresses come lower case from the OS). */
const lowered = new Map<string, string>()
function lower(s: string): string {
  let l = lowered.get(s)
  if (l === undefined) {
    if (lowered.size > 100_000) lowered.clear()
    l = s.toLowerCase()
    lowered.set(s, l)
  }
  return l
}

const portTexts: string[] = []
const portText = (port: number): string => (portTexts[port] ??= String(port))

/** A text to find in peers as formatPeer writes them ("10.0.0.5:50001", "[::1]:80", a path). */
interface PeerText {
  text: string
  /** No brackets: the text cannot hold an IPv6 peer's "[" or "]". */
  plain: boolean
  /** With one colon: what must end the address and start the port. */
  split?: [string, string]
  /** More than one colon: only an IPv6 peer can hold it. */
  colons: boolean
}

function peerText(text: string): PeerText {
  const colon = text.indexOf(':')
  const one = colon >= 0 && text.indexOf(':', colon + 1) < 0
  return { text, plain: !/[[\]]/.test(text), split: one ? [text.slice(0, colon), text.slice(colon + 1)] : undefined, colons: colon >= 0 && !one }
}

/**
 * Whether a peer holds the text, without writing the peer out for the common IPv4 and name
 * peers: a text with no colon lies in the address or in the port; one with one colon is an
 * address's end and a port's start.
 */
function peerHolds(f: RowFields, row: number, role: PeerRole, t: PeerText): boolean {
  const address = f.peerAddress(row, role)
  if (address === undefined) return '-'.includes(t.text)
  const port = f.peerPort(row, role)
  if (port === undefined) return address.includes(t.text)
  if (!t.plain || address.includes(':')) return f.peerText(row, role).includes(t.text)
  if (t.split) return address.endsWith(t.split[0]) && portText(port).startsWith(t.split[1])
  return !t.colons && (address.includes(t.text) || portText(port).includes(t.text))
}

/** Whether any endpoint text of the row holds `text` (lower case). */
function endpointsInclude(text: string): Predicate {
  const t = peerText(text)
  const rowByRow: Predicate = (f, row) => lower(f.target(row)).includes(text) || peerHolds(f, row, 'client', t) || peerHolds(f, row, 'remote', t) || peerHolds(f, row, 'local', t)
  return atOnce((f) => f.endpointRows?.(text), rowByRow)
}

/** A test the index answers for every row at once where it can (`ask`), asked once per index; else `rowByRow`. */
function atOnce(ask: (f: RowFields) => Uint8Array | undefined, rowByRow: Predicate): Predicate {
  let asked: { f: RowFields; rows: Uint8Array | undefined } | undefined
  return (f, row) => {
    if (asked?.f !== f) asked = { f, rows: ask(f) }
    return asked.rows ? asked.rows[row] === 1 : rowByRow(f, row)
  }
}

/** The connection filter's words (a `word:` before digits that is none of them is a host and its port). */
export const CONNECTION_WORDS = ['port', 'state', 'kind', 'owner', 'id', 'conn', 'client', 'target', 'replay', 'tls', 'sni', 'via', 'changed', 'text', ...DECODED_WORDS] as const
const isDecoded = (key: string): key is DecodedWord => (DECODED_WORDS as readonly string[]).includes(key)

function wholeNumber(key: string, v: string): number {
  if (!/^\d{1,15}$/.test(v)) throw new UserError(`filter ${key}:${v}: ${key} wants a whole number, e.g. ${key === 'port' ? 'port:6379' : key === 'replay' ? 'replay:12' : 'id:12 or id:10-20'}`)
  return Number(v)
}

function term(key: string, value: string, facts?: ProtocolFacts): Predicate {
  const v = value.toLowerCase()
  if (isTlsWord(key)) return tlsTerm(key, value, facts && ((k, text) => facts.wordTest(k, text)))
  if (isDecoded(key)) {
    if (!facts) throw new UserError(`filter ${key}: this capture's connections are not decoded`)
    const test = facts.wordTest(key, value)
    return (f, row) => test(f.id(row))
  }
  switch (key) {
    case 'port':
      return hasPort(wholeNumber(key, value))
    case 'state': {
      const s = STATES[v]
      if (!s) throw new UserError(`filter state:${value}: use one of ${Object.keys(STATES).join(', ')}`)
      return s
    }
    case 'kind':
      if (!['proxy', 'server', 'client'].includes(v)) throw new UserError(`filter kind:${value}: use proxy, server or client`)
      return (f, row) => f.kind(row) === v
    case 'owner':
      return (f, row) => lower(f.ownerId(row)) === v
    // `conn:12` reads as the list's id column does: the connection's number.
    case 'conn':
    case 'id': {
      const range = /^(\d+)-(\d+)$/.exec(value)
      if (range) {
        const [lo, hi] = [Number(range[1]), Number(range[2])]
        return (f, row) => f.id(row) >= lo && f.id(row) <= hi
      }
      const n = wholeNumber(key, value)
      return (f, row) => f.id(row) === n
    }
    case 'replay': {
      const n = wholeNumber(key, value)
      return (f, row) => f.replayOfConn(row) === n
    }
    case 'client': {
      // peerHolds is the peer's text holding the word, found without writing it out.
      const t = peerText(v)
      return atOnce((f) => f.clientRows?.(v), (f, row) => peerHolds(f, row, 'client', t))
    }
    case 'target': {
      const t = peerText(v)
      return (f, row) => lower(f.target(row)).includes(v) || peerHolds(f, row, 'remote', t)
    }
    case 'via':
      return viaTerm(value)
    // What the list marks in the Info cell: a breakpoint's edit, a rule's or the script's change, a reset tcpscope made.
    case 'changed': {
      if (v === 'yes') return (f, row) => f.changed(row) !== undefined
      if (v === 'no') return (f, row) => f.changed(row) === undefined
      if (v === 'breakpoint' || v === 'rule') return (f, row) => f.changed(row)?.[v] === true
      if (v === 'reset') return (f, row) => f.changed(row)?.reset !== undefined
      // As ls's CHANGED column says it: `reset:toxic`.
      const by = /^reset:(.*)$/.exec(v)?.[1]
      if (by !== undefined && (RESET_CAUSES as readonly string[]).includes(by)) return (f, row) => f.changed(row)?.reset?.by === by
      throw new UserError(
        `filter changed:${value}: use changed:yes, changed:breakpoint (edited at a breakpoint), changed:rule (by a traffic rule or the script), changed:reset (reset by tcpscope; changed:reset:rule, :breakpoint, :toxic or :action for what made it) or changed:no`
      )
    }
    default:
      throw unknownFilterWord(key, CONNECTION_WORDS)
  }
}

/** A filter: the words over the index's fields as one predicate, and the texts to find in payloads. */
export interface ParsedFilter {
  predicate: Predicate | undefined
  /** `text:` words, each to be present (or, negated, absent) in a direction's bytes. */
  texts: string[]
  negated: boolean[]
  /** Some word needs the connections decoded. */
  decoded: boolean
  /** Words read with a doubt, each a line saying how and what was likely meant (`stauts:200`: endpointWord). */
  hints: string[]
}

/**
 * The filter's words; words may be quoted to hold spaces. Every word's mistake is said, in
 * one UserError. With `inFlight`, words that need the connection decoded are mistakes, and
 * it says what to use instead (parseFlowFilter).
 */
export function parseQuery(filter: string, facts?: ProtocolFacts, inFlight?: string): ParsedFilter {
  const words = filter.match(/-?(?:[a-z]+:)?(?:"[^"]*"|\S+)/gi) ?? []
  const mistakes = new FilterMistakes()
  const preds: Predicate[] = []
  const texts: string[] = []
  const negated: boolean[] = []
  const hints: string[] = []
  let decoded = false
  for (let word of words) {
    const negate = word.startsWith('-') && word.length > 1
    if (negate) word = word.slice(1)
    const colon = /^([a-z]+):(.*)$/i.exec(word)
    const key = colon?.[1].toLowerCase()
    if (key === 'text') {
      const text = colon![2].replace(/^"|"$/g, '')
      if (text === '') mistakes.add(new UserError('filter text: wants the text to find in the payload, e.g. text:GET or text:"HTTP/1.1 500"'))
      else {
        texts.push(text)
        negated.push(negate)
      }
      continue
    }
    if (inFlight !== undefined && key !== undefined && isDecoded(key)) {
      mistakes.add(new UserError(`${key}: needs the connection decoded, which is not known while its bytes pass: ${inFlight}`, ERROR_CODES.EINVAL))
      continue
    }
    let p: Predicate | undefined
    if (colon && key !== undefined && (CONNECTION_WORDS as readonly string[]).includes(key)) {
      decoded ||= isDecoded(key) || (isTlsWord(key) && facts !== undefined)
      p = mistakes.word(() => term(key, colon[2].replace(/^"|"$/g, ''), facts))
    }
    else {
      // `redis:6379` is an endpoint, whatever the host is called; `colour:red` a mistake (endpointWord).
      if (colon && key !== undefined) {
        const read = mistakes.word(() => endpointWord(key, colon[2], CONNECTION_WORDS))
        if (read === undefined) continue
        if (read.hint !== undefined) hints.push(read.hint)
      }
      const text = word.replace(/^"|"$/g, '').toLowerCase()
      const inEndpoints = endpointsInclude(text)
      const inFields: Predicate = (f, row) => inEndpoints(f, row) || lower(f.ownerId(row)) === text
      // A word read in the Info column ("GET /items → 200") must find its row, once decoding has read it.
      const inInfo = facts?.infoTest(text)
      decoded ||= inInfo !== undefined
      p = inInfo ? (f, row) => inFields(f, row) || inInfo(f.id(row)) : inFields
    }
    if (p === undefined) continue
    const test = p
    preds.push(negate ? (f, row) => !test(f, row) : test)
  }
  mistakes.throwAny()
  const predicate: Predicate | undefined = preds.length === 0 ? undefined : (f, row) => preds.every((p) => p(f, row))
  return { predicate, texts, negated, decoded, hints }
}

/**
 * Filter words decided while a connection's bytes are in flight (a breakpoint's filter, a
 * toxic's match): words that need the connection decoded (proto:, method: ...) cannot be,
 * and are refused with `hint` saying what to use instead.
 */
export function parseFlowFilter(filter: string, hint: string): ParsedFilter {
  return parseQuery(filter, undefined, hint)
}

/** The filter's field words as one predicate (its `text:` words aside). */
export function parseFilter(filter: string): Predicate | undefined {
  return parseQuery(filter).predicate
}

// Resets sort together, the peers' and tcpscope's.
const END_ORDER: Record<ConnectionEnd, number> = { open: 0, closed: 1, 'client-reset': 2, 'server-reset': 3, 'tcpscope-reset': 4, 'connect-failed': 5, error: 6, stopped: 7, cut: 8, 'saved-open': 9 }

/** The sort key of each row: numbers, or strings compared as text. */
function sortKey(sort: SortKey, ix: IndexView, now: number): (row: number) => number | string {
  const f = ix.fields
  switch (sort) {
    case 'id':
      return f.id
    case 'start':
      return f.openedAt
    case 'duration':
      return (row) => (Number.isNaN(f.closedAt(row)) ? now : f.closedAt(row)) - f.openedAt(row)
    case 'client':
      return (row) => f.peerText(row, 'client')
    case 'target':
      return f.target
    case 'sent':
      return (row) => ix.bytes(row, 'client')
    // What the client received: its target's bytes and tcpscope's answers in its place.
    case 'received':
      return (row) => ix.bytes(row, 'server') + f.answered(row)
    case 'bytes':
      return (row) => ix.bytes(row, 'client') + ix.bytes(row, 'server') + f.answered(row)
    case 'state':
      return (row) => END_ORDER[f.end(row)]
    case 'kind':
      return f.kind
    case 'owner':
      return f.ownerId
  }
}

export interface PageQuery {
  offset: number
  limit: number
  filter?: string
  sort?: SortKey
  descending?: boolean
}

/** Pages of one capture's list; remembers the last query's matching rows. */
export class ConnectionQuery {
  private cached: { key: string; version: number; rows: Uint32Array } | undefined
  private readonly payloads: PayloadFilter | undefined
  /** Payload scans run one at a time: two pages asked at once must not read the same rows twice. */
  private scanning: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly index: IndexView,
    /** Changes whenever the capture's connections do (a live capture); constant for a file. */
    private readonly version: () => number,
    /** Reads payload bytes, for `text:` words; without it they are refused. */
    read?: Read,
    slice?: Slice
  ) {
    this.payloads = read ? new PayloadFilter(index, read, slice) : undefined
  }

  async page(q: PageQuery, signal?: AbortSignal, facts?: ProtocolFacts): Promise<ConnectionPage> {
    await this.index.loadAll()
    // A list is looked at: a plain word may come next.
    this.index.prepareWords?.()
    const { predicate, texts, negated, decoded, hints } = q.filter ? parseQuery(q.filter, facts) : { predicate: undefined, texts: [], negated: [], decoded: false, hints: [] }
    // Protocol words look at what is decoded: decoding catches up for a while first, and the answer says how far it got.
    let scan: ConnectionPage['scan']
    if (decoded && facts) {
      const progress = await facts.catchUp(signal)
      if (signal?.aborted) throw new UserError('connection list cancelled', ERROR_CODES.ECANCELED)
      if (progress.done < progress.of) scan = progress
    }
    const sort = q.sort ?? 'id'
    const ix = this.index
    const of = ix.size
    // The common case, the list in id order unfiltered: rows are already in that order.
    if (predicate === undefined && texts.length === 0 && sort === 'id') {
      const rows: ConnectionSummary[] = []
      for (let k = q.offset; k < Math.min(of, q.offset + q.limit); k++) rows.push(ix.summary(q.descending ? of - 1 - k : k))
      return { total: of, of, offset: q.offset, rows }
    }
    // The rows the field words pass, sorted; `text:` words then pick among them.
    // A list decoding answered in part (tls:, sni:) is not the one the index alone answers, whatever the version.
    const key = JSON.stringify([predicate ? q.filter : '', sort, q.descending === true, decoded && facts ? `decoded ${facts.version()}` : 0])
    const version = this.version()
    if (this.cached?.key !== key || this.cached.version !== version) {
      this.cached = { key, version, rows: this.matching(predicate, sort, q.descending === true) }
    }
    let rows = this.cached.rows
    if (texts.length > 0) {
      const payloads = this.payloads
      if (!payloads) throw new UserError('filter text: this capture cannot be searched')
      const candidates = rows
      const run = this.scanning.then(() => payloads.filter(candidates, texts, negated, signal))
      this.scanning = run.catch(() => undefined)
      const found = await run
      rows = found.rows
      if (found.progress.done < found.progress.of) scan = found.progress
    }
    const page: ConnectionPage = { total: rows.length, of, offset: q.offset, rows: Array.from(rows.subarray(q.offset, q.offset + q.limit), (row) => ix.summary(row)) }
    if (scan) page.scan = scan
    // Said when they explain an empty list: a host of that name, matching, needs no doubt cast on it.
    if (rows.length === 0 && hints.length > 0) page.hints = hints
    return page
  }

  private matching(predicate: Predicate | undefined, sort: SortKey, descending: boolean): Uint32Array {
    const ix = this.index
    const f = ix.fields
    const picked = new Uint32Array(ix.size)
    let n = 0
    for (let row = 0; row < ix.size; row++) if (predicate === undefined || predicate(f, row)) picked[n++] = row
    return sortRowsBy(picked.subarray(0, n), sortKey(sort, ix, Date.now()), descending)
  }
}
