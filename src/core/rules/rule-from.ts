// A rule made from a recorded exchange ("Mock this response", `tcpscope rules from`): it
// matches the request's method and path, and answers as the server did, the body decoded
// (its content codings undone, so the mock sends it plain and says so with no
// Content-Encoding), JSON kept as JSON, text as text, anything else as hex.

import type { RuleSpec } from '../../shared/rules/rule-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { Decoding } from '../decode/decoding'
import { UserError } from '../net/net-errors'

/** Largest recorded body a rule carries (a rule file is read whole). */
export const MAX_RULE_BODY = 4 * 1024 * 1024

/** Headers a mock does not repeat: the framing is its own, the coding undone, the rest hop by hop or of that moment. */
const LEFT_OUT = new Set(['content-length', 'transfer-encoding', 'content-encoding', 'connection', 'keep-alive', 'date', 'set-cookie'])

export async function ruleFromExchange(view: CaptureView, decoding: Decoding, connId: number, exchange: number): Promise<RuleSpec> {
  const page = await decoding.exchanges(view, connId, exchange, 1)
  const ex = page.exchanges[0]
  if (ex === undefined) throw new UserError(page.total === 0 ? `connection #${connId} carries no HTTP exchange` : `connection #${connId} has no HTTP exchange ${exchange} (it has ${page.total})`, 'ENOENT')
  const req = ex.request
  const res = ex.response
  if (req?.method === undefined) throw new UserError(`exchange ${exchange} of connection #${connId} has no request`, 'ENOENT')
  if (res?.status === undefined) throw new UserError(`exchange ${exchange} of connection #${connId} has no response to answer with`, 'ENOENT')
  const parts: Uint8Array[] = []
  let size = 0
  for (;;) {
    const p = await decoding.body(view, { connId, exchange, part: 'response', decode: true, offset: size, length: MAX_RULE_BODY + 1 - size })
    if (p.problem !== undefined || p.cut !== undefined) throw new UserError(`the response's body cannot be read whole (${p.problem?.message ?? p.note ?? 'cut'}): answer with a file instead`, 'EINVAL')
    parts.push(p.bytes)
    size += p.bytes.length
    if (size > MAX_RULE_BODY) throw new UserError(`the response's body is over ${MAX_RULE_BODY / 1024 / 1024} MiB: a rule carries at most that; answer with a file instead`, 'EINVAL')
    if (p.end || p.bytes.length === 0) break
  }
  const body = Buffer.concat(parts)
  const headers: Record<string, string> = {}
  for (const h of res.headers) if (!h.name.startsWith(':') && !LEFT_OUT.has(h.name.toLowerCase())) headers[h.name] = h.name in headers ? `${headers[h.name]}, ${h.value}` : h.value
  const type = res.headers.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? ''
  const text = body.toString('utf8')
  const isText = !text.includes('\uFFFD') && !/[\x00-\x08\x0e-\x1f]/.test(text)
  const respond: RuleSpec['steps'][number] & { respond: object } = { respond: { status: res.status, ...(Object.keys(headers).length > 0 ? { headers } : {}) } }
  const r = respond.respond as Record<string, unknown>
  if (body.length > 0) {
    let json: unknown
    if (/json/i.test(type)) {
      try {
        json = JSON.parse(text)
      } catch {
        // Labelled JSON but not: kept as text.
      }
    }
    if (json !== undefined) r.json = json
    else if (isText) r.body = text
    else r.hex = body.toString('hex')
  }
  const path = (req.target ?? '/').replace(/^https?:\/\/[^/]+/i, '').split('?')[0] || '/'
  return { name: `${req.method} ${path} as recorded`, match: { http: { method: req.method, path: { exact: path } } }, steps: [respond] }
}
