// "Mock this response": a rule that answers an exchange's method and path as the recorded
// response did (its status, content type and decoded body). Plain data, so the editor shows
// it as JSON to check before it is added.

import type { HttpExchange } from '../../../../shared/protocol-types'
import type { Respond, RuleSpec } from '../../../../shared/rules/rule-types'

/** The largest body copied into a mock: an editor of more would be no help. */
export const MOCK_BODY_MAX = 256 * 1024

/** The path of a request target (origin-form `/a?b`, or absolute-form `http://h/a?b`), without its query. */
export function targetPath(target: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    try {
      return new URL(target).pathname || '/'
    } catch {
      return target
    }
  }
  const q = target.indexOf('?')
  return q < 0 ? target : target.slice(0, q)
}

const headerOf = (x: HttpExchange['response'], name: string): string | undefined => x?.headers.find((h) => h.name.toLowerCase() === name)?.value

const isJsonType = (type: string | undefined): boolean => type !== undefined && /^application\/(?:[\w.+-]+\+)?json\b/i.test(type.split(';')[0].trim())

/** The body as a respond step takes it: JSON as data when its type says JSON, text when it is UTF-8, else hex. */
function bodyOf(bytes: Uint8Array, type: string | undefined): Pick<Respond, 'json' | 'body' | 'hex'> {
  if (bytes.length === 0) return {}
  let text: string | undefined
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    text = undefined
  }
  if (text === undefined) return { hex: Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('') }
  if (isJsonType(type)) {
    try {
      return { json: JSON.parse(text) as unknown }
    } catch {
      // A JSON type over a body that is not: kept as the text it is.
    }
  }
  return { body: text }
}

/**
 * A rule answering the exchange's method and path with its recorded status, content type
 * and body (`body`: its content, codings undone; none when it had none). The path matches
 * exactly: a `*` in it would otherwise be read as a glob.
 */
export function mockRuleFor(x: Pick<HttpExchange, 'request' | 'response'>, body: Uint8Array | undefined): RuleSpec {
  const method = (x.request?.method ?? 'GET').toUpperCase()
  const path = targetPath(x.request?.target ?? '/')
  const type = headerOf(x.response, 'content-type')
  const respond: Respond = {
    status: x.response?.status ?? 200,
    ...(type !== undefined ? { headers: { 'content-type': type } } : {}),
    ...bodyOf(body ?? new Uint8Array(), type)
  }
  return {
    name: `mock ${method} ${path}`,
    match: { http: { method, path: /[*?]/.test(path) ? { exact: path } : path } },
    steps: [{ respond }]
  }
}
