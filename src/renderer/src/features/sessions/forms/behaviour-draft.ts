// A server's behaviour as its form edits it (echo, reply rules, a canned HTTP response, an
// interval send), and back: strings as typed, turned into the contract's ServerBehaviour
// with every problem named by field. A behaviour read from the engine comes back
// unchanged, including payload options the form does not show.

import { MAX_INTERVAL_MS } from '../../../../../shared/limits'
import { ENCODINGS, type Encoding } from '../../../../../shared/text-encodings'
import type { PayloadSpec } from '../../../../../shared/payload/payload-spec'
import type { HttpResponseSpec, IntervalSend, MatchMode, ReplyRule, ServerBehaviour } from '../../../../../shared/session-types'
import { optionalWhole, requiredText, type FieldProblems } from '../../../ui/form/field-problems'

export const RULE_ENCODINGS = ENCODINGS
export type RuleEncoding = Encoding

/** A payload typed in one field: text (escapes allowed) or hex; `file` only when read from the engine. */
export interface PayloadDraft {
  kind: PayloadSpec['kind']
  data: string
  /** Options the form does not show (encoding, line ending, checksum), kept as they came. */
  rest?: Omit<PayloadSpec, 'kind' | 'data'>
}

export interface RuleRow {
  /** Stable across edits, for the list's keys. */
  key: number
  match: MatchMode
  format: 'text' | 'hex'
  pattern: string
  encoding: RuleEncoding
  reply: PayloadDraft
}

export interface IntervalDraft {
  enabled: boolean
  everyMs: string
  count: string
  payload: PayloadDraft
}

export interface HttpDraft {
  enabled: boolean
  status: string
  /** One `Name: value` per line. */
  headers: string
  body: PayloadDraft
}

export interface BehaviourDraft {
  echo: boolean
  rules: RuleRow[]
  http: HttpDraft
  interval: IntervalDraft
}

let nextKey = 1
export function newRule(): RuleRow {
  return { key: nextKey++, match: 'contains', format: 'text', pattern: '', encoding: 'utf8', reply: { kind: 'text', data: '' } }
}

const draftOf = (p: PayloadSpec | undefined, fallback: PayloadDraft): PayloadDraft => {
  if (!p) return fallback
  const { kind, data, ...rest } = p
  return Object.keys(rest).length ? { kind, data, rest } : { kind, data }
}

export const payloadOf = (d: PayloadDraft): PayloadSpec => ({ ...d.rest, kind: d.kind, data: d.data })

export function intervalDraft(i?: IntervalSend): IntervalDraft {
  return {
    enabled: i !== undefined,
    everyMs: i ? String(i.everyMs) : '1000',
    count: i?.count !== undefined ? String(i.count) : '',
    payload: draftOf(i?.payload, { kind: 'text', data: '' })
  }
}

const isRuleEncoding = (e: string | undefined): e is RuleEncoding => (RULE_ENCODINGS as readonly string[]).includes(e ?? '')
/** The rule's own encoding, else its text reply's, else UTF-8. */
const rowEncoding = (r: ReplyRule): RuleEncoding => r.encoding ?? (isRuleEncoding(r.reply.encoding) ? r.reply.encoding : 'utf8')

export function behaviourDraft(b: ServerBehaviour = {}): BehaviourDraft {
  return {
    echo: b.echo ?? false,
    rules: (b.rules ?? []).map((r) => ({
      key: nextKey++,
      match: r.match,
      format: r.format ?? 'text',
      pattern: r.pattern,
      encoding: rowEncoding(r),
      reply: draftOf(r.reply, { kind: 'text', data: '' })
    })),
    http: {
      enabled: b.http !== undefined,
      status: b.http ? String(b.http.status) : '200',
      headers: (b.http?.headers ?? ['Content-Type: text/plain; charset=utf-8']).join('\n'),
      body: draftOf(b.http?.body, { kind: 'text', data: 'hello\\n' })
    },
    interval: intervalDraft(b.interval)
  }
}

/** The interval send, or undefined when it is off; `field` prefixes the problem names. */
export function intervalFromDraft(d: IntervalDraft, problems: FieldProblems, field = 'interval'): IntervalSend | undefined {
  if (!d.enabled) return undefined
  const everyMs = optionalWhole(d.everyMs, `${field}.everyMs`, 1, MAX_INTERVAL_MS, problems)
  if (everyMs === undefined && !problems[`${field}.everyMs`]) problems[`${field}.everyMs`] = { key: 'form.problem.required' }
  const count = optionalWhole(d.count, `${field}.count`, 1, 1_000_000_000, problems)
  return { everyMs: everyMs ?? 1, ...(count !== undefined ? { count } : {}), payload: payloadOf(d.payload) }
}

function ruleFromRow(r: RuleRow, i: number, problems: FieldProblems): ReplyRule {
  // An empty pattern matches every chunk in `contains` and `starts`: allowed, but not by accident.
  if (r.pattern === '' && r.match !== 'regex') requiredText(r.pattern, `rule.${i}`, problems)
  // One encoding per row: what arrives is decoded in it, and a text reply is encoded in it.
  const reply = payloadOf(r.reply)
  if (reply.kind === 'text') {
    delete reply.encoding
    if (r.encoding !== 'utf8') reply.encoding = r.encoding
  }
  return {
    match: r.match,
    pattern: r.pattern,
    ...(r.format === 'hex' ? { format: 'hex' as const } : {}),
    ...(r.encoding !== 'utf8' ? { encoding: r.encoding } : {}),
    reply
  }
}

function httpFromDraft(d: HttpDraft, problems: FieldProblems): HttpResponseSpec | undefined {
  if (!d.enabled) return undefined
  const status = optionalWhole(d.status, 'http.status', 100, 999, problems)
  if (status === undefined && !problems['http.status']) problems['http.status'] = { key: 'form.problem.required' }
  const headers = d.headers
    .split(/\r?\n/)
    .map((h) => h.trim())
    .filter((h) => h !== '')
  return { status: status ?? 200, ...(headers.length ? { headers } : {}), ...(d.body.data !== '' ? { body: payloadOf(d.body) } : {}) }
}

export function behaviourFromDraft(d: BehaviourDraft, problems: FieldProblems): ServerBehaviour {
  const http = httpFromDraft(d.http, problems)
  const interval = intervalFromDraft(d.interval, problems)
  return {
    echo: d.echo,
    rules: d.rules.map((r, i) => ruleFromRow(r, i, problems)),
    ...(http ? { http } : {}),
    ...(interval ? { interval } : {})
  }
}

/** The payloads a behaviour sends whatever arrives, to check with payload.preview before starting, by field. */
export function behaviourPayloads(b: ServerBehaviour): Array<{ field: string; payload: PayloadSpec }> {
  return [
    ...(b.http?.body ? [{ field: 'http.body', payload: b.http.body }] : []),
    ...(b.interval ? [{ field: 'interval.data', payload: b.interval.payload }] : [])
  ]
}
