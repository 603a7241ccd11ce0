// A traffic rule in words, for the Rules panel's columns: what it matches, what it does (its
// steps, in order), and how many times it acts. Field values (methods, paths, JSON paths)
// stay as written; only the words around them are the UI's language.

import type { Matcher, RuleInfo, Step, TextMatch } from '../../../../shared/rules/rule-types'
import type { Translate } from '../conversation/picture-labels'

/** A text match as written: `/api/*`, `containing "x"`, `/re/`. */
export function textWords(t: Translate, m: TextMatch): string {
  if (typeof m === 'string') return m
  if ('exact' in m) return m.exact
  if ('glob' in m) return m.glob
  if ('regex' in m) return t('rules.words.regex', { text: m.regex })
  if ('contains' in m) return t('rules.words.contains', { text: `"${m.contains}"` })
  return t('rules.words.prefix', { text: `"${m.prefix}"` })
}

const names = (o: Record<string, unknown>): string => Object.keys(o).join(', ')

export function matcherWords(t: Translate, m: Matcher): string {
  if ('all' in m) return m.all.map((x) => matcherWords(t, x)).join(t('rules.words.and'))
  if ('any' in m) return `(${m.any.map((x) => matcherWords(t, x)).join(t('rules.words.or'))})`
  if ('not' in m) return t('rules.words.not', { what: matcherWords(t, m.not) })
  if ('http' in m) {
    const h = m.http
    const parts: string[] = []
    if (h.method !== undefined) parts.push((Array.isArray(h.method) ? h.method : [h.method]).map((x) => x.toUpperCase()).join('|'))
    if (h.path !== undefined) parts.push(textWords(t, h.path))
    if (h.host !== undefined) parts.push(t('rules.words.host', { host: textWords(t, h.host) }))
    if (h.port !== undefined) parts.push(t('rules.words.port', { port: h.port }))
    if (h.query !== undefined) parts.push(t('rules.words.query', { names: names(h.query) }))
    if (h.headers !== undefined) parts.push(t('rules.words.headers', { names: names(h.headers) }))
    if (h.body !== undefined) {
      const b = h.body
      const what = [
        b.contains !== undefined ? t('rules.words.contains', { text: `"${b.contains}"` }) : '',
        b.regex !== undefined ? t('rules.words.regex', { text: b.regex }) : '',
        b.json !== undefined ? Object.entries(b.json).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(', ') : ''
      ].filter(Boolean)
      parts.push(t('rules.words.body', { what: what.join(', ') }))
    }
    return t('rules.words.http', { what: parts.length ? parts.join(' ') : t('rules.words.any') })
  }
  if ('grpc' in m) return t('rules.words.grpc', { what: m.grpc.method ?? `${m.grpc.service ?? '*'}/*` })
  if ('resp' in m) {
    const what = [m.resp.command?.toUpperCase() ?? t('rules.words.anyCommand'), m.resp.key !== undefined ? textWords(t, m.resp.key) : ''].filter(Boolean).join(' ')
    return t('rules.words.redis', { what })
  }
  if ('message' in m) {
    const g = m.message
    const parts = [
      g.protocol ?? '',
      g.dir !== undefined ? t(`rules.words.from.${g.dir}`) : '',
      g.summary !== undefined ? textWords(t, g.summary) : '',
      g.fields !== undefined ? Object.entries(g.fields).map(([k, v]) => `${k}=${typeof v === 'object' ? textWords(t, v) : String(v)}`).join(' ') : '',
      g.regex !== undefined ? t('rules.words.regex', { text: g.regex }) : '',
      g.hex ?? ''
    ].filter(Boolean)
    return t('rules.words.message', { what: parts.length ? parts.join(' ') : t('rules.words.any') })
  }
  if ('websocket' in m) {
    const w = m.websocket
    const parts = [
      'WebSocket',
      w.opcode !== undefined ? (Array.isArray(w.opcode) ? w.opcode : [w.opcode]).join('|') : '',
      w.dir !== undefined ? t(`rules.words.from.${w.dir}`) : '',
      w.text !== undefined ? textWords(t, w.text) : '',
      w.json !== undefined ? Object.entries(w.json).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(', ') : ''
    ].filter(Boolean)
    return t('rules.words.message', { what: parts.join(' ') })
  }
  const c = m.connection
  const parts = [
    c.client !== undefined ? t('rules.words.client', { text: textWords(t, c.client) }) : '',
    c.targetHost !== undefined || c.targetPort !== undefined ? t('rules.words.target', { text: `${c.targetHost !== undefined ? textWords(t, c.targetHost) : '*'}${c.targetPort !== undefined ? `:${c.targetPort}` : ''}` }) : '',
    c.sni !== undefined ? t('rules.words.sni', { text: textWords(t, c.sni) }) : '',
    c.alpn !== undefined ? t('rules.words.alpn', { text: c.alpn }) : ''
  ].filter(Boolean)
  return t('rules.words.connection', { what: parts.length ? parts.join(' ') : t('rules.words.any') })
}

export function stepWords(t: Translate, s: Step): string {
  if ('respond' in s) {
    const r = s.respond
    const body =
      r.json !== undefined
        ? t('rules.words.json')
        : r.body !== undefined
          ? t('rules.words.text')
          : r.file !== undefined
            ? t('rules.words.file', { file: r.file })
            : r.grpc !== undefined
              ? t('rules.words.grpcStatus', { status: r.grpc.status })
              : r.resp !== undefined
                ? t('rules.words.resp', { kind: Object.keys(r.resp)[0] })
                : r.text !== undefined || r.hex !== undefined
                  ? t('rules.words.raw')
                  : ''
    const status = r.status !== undefined || (r.grpc === undefined && r.resp === undefined && r.text === undefined && r.hex === undefined) ? String(r.status ?? 200) : ''
    return t('rules.words.respond', { what: [status, body].filter(Boolean).join(' ') })
  }
  if ('forward' in s) return t('rules.words.forward', { to: s.forward.to })
  if ('rewrite' in s) {
    const w = s.rewrite
    const part = (key: 'request' | 'response', o: object | undefined): string => (o ? `${t(`rules.words.${key}`)} (${names(o as Record<string, unknown>)})` : '')
    const what = [part('request', w.request), part('response', w.response), w.bytes ? t('rules.words.bytes') : '', w.websocket ? `WebSocket (${names(w.websocket as Record<string, unknown>)})` : ''].filter(Boolean).join(', ')
    return t('rules.words.rewrite', { what })
  }
  if ('delay' in s) return t('rules.words.delay', { ms: s.delay })
  if ('close' in s) return t('rules.words.close')
  if ('reset' in s) return t('rules.words.reset')
  if ('drop' in s) return t('rules.words.drop')
  return t('rules.words.timeout')
}

export const stepsWords = (t: Translate, steps: readonly Step[]): string => steps.map((s) => stepWords(t, s)).join(t('rules.words.then'))

/** How often it acts: `every time`, `once`, `3 times · 1 left`. */
export function limitWords(t: Translate, r: Pick<RuleInfo, 'spec' | 'left'>): string {
  const max = r.spec.once === true ? 1 : r.spec.times
  if (max === undefined) return t('rules.limit.always')
  const first = max === 1 ? t('rules.limit.once') : t('rules.limit.times', { n: max })
  return r.left !== undefined ? `${first} · ${t('rules.limit.left', { n: r.left })}` : first
}
