// The HTTP/2 request a replay sends: the captured one's header block as decoded (the
// pseudo-headers first, as sent) and its body read from its DATA payloads in the capture, or
// an edited one in the text form of shared/h2-request-edit.ts. With fixLength, `:authority`
// is set to the target and a content-length to the body's length; nothing else is touched.

import type { Endpoint } from '../../shared/endpoint'
import { formatEndpoint } from '../../shared/endpoint'
import { UserError } from '../../shared/errors'
import { parseH2Request } from '../../shared/h2-request-edit'
import type { NamedValue } from '../../shared/h2-request'
import type { HttpMessage } from '../../shared/protocol-types'

export interface H2Request {
  /** Pseudo-headers first, in order; duplicates kept. */
  headers: NamedValue[]
  /** The body: the captured message's DATA payloads (read from the capture as it is sent), or the edited bytes. */
  body: { captured: HttpMessage } | { bytes: Uint8Array }
  bodySize: number
  /** Headers fixLength changed. */
  fixed: string[]
}

type Fit = { target: Endpoint } | undefined

/** The captured request as it was: its header block as decoded, its body from the capture. */
export function capturedH2Request(req: HttpMessage, fix: Fit): H2Request {
  const size = req.body.framing === 'none' ? 0 : req.body.size
  return fitted({ headers: req.headers.map((h) => ({ name: h.name, value: h.value })), body: { captured: req }, bodySize: size, fixed: [] }, fix)
}

/** An edited request in the text form; refused in one line when it is not one. */
export function editedH2Request(bytes: Uint8Array, fix: Fit): H2Request {
  const parsed = parseH2Request(bytes)
  if ('error' in parsed) throw new UserError(`the edited request is not an HTTP/2 request in its text form (pseudo-headers first, then headers, a blank line, the body): ${parsed.error}`, 'EINVAL')
  const { headers, body } = parsed.request
  return fitted({ headers, body: { bytes: body }, bodySize: body.length, fixed: [] }, fix)
}

/** `:authority` set to the target and every content-length to the body's length (one added when a body has none). */
function fitted(r: H2Request, fix: Fit): H2Request {
  if (fix === undefined) return r
  const fixed = new Set<string>()
  const set = (name: string, value: string): boolean => {
    let found = false
    for (const h of r.headers) {
      if (h.name !== name) continue
      found = true
      if (h.value !== value) fixed.add(name)
      h.value = value
    }
    return found
  }
  if (fix.target.kind === 'tcp') set(':authority', formatEndpoint(fix.target))
  if (!set('content-length', String(r.bodySize)) && r.bodySize > 0) {
    r.headers.push({ name: 'content-length', value: String(r.bodySize) })
    fixed.add('content-length')
  }
  return { ...r, fixed: [...fixed] }
}
