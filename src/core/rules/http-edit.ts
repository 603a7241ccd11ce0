// An HTTP/1 message as a rule reads and changes it: parsed exactly (shared/http-request-edit),
// its body decoded through the one body pipeline (de-chunked, content codings undone,
// bounded), changed, then encoded again with the codings it had, Content-Length fitted and
// chunked framing replaced by a length. Headers a rule does not touch keep their order and case.
// A gRPC body is not one text: it is changed message by message (grpc-edit.ts); json paths
// and a whole body, which would break its framing, are not set on it and a note says so.

import type { EditableRequest, EditableResponse, RequestHeader } from '../../shared/http-request-edit'
import { serializeRequest, serializeResponse, withFittedLength } from '../../shared/http-request-edit'
import { grpcKind } from '../../shared/protocol-types'
import type { HeaderChanges, MessageRewrite } from '../../shared/rules/rule-types'
import { contentCodings, decodeBody } from '../http/body/decode-body'
import { encodeCodings } from '../http/body/encode-codings'
import { rewriteGrpcContent } from './grpc-edit'
import { parseJsonPath, setJsonAt } from './json-path'
import { replaceAll } from './text-replace'

export type EditableMessage = EditableRequest | EditableResponse

/** A body read for a rule: its decoded content, as text, and as JSON when it is. */
export interface ReadBody {
  content: Uint8Array
  text?: string
  json?: unknown
  /** Why it could not be read whole (a coding that failed, the bound cut it): a rule then leaves it as sent. */
  problem?: string
}

/** Header values by name (case-insensitive). */
export const headerValue = (headers: readonly RequestHeader[], name: string): string | undefined => headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value

export async function readBody(m: EditableMessage): Promise<ReadBody> {
  if (m.body.length === 0) return { content: m.body, text: '' }
  const decoded = await decodeBody(m.body, m.headers, { framing: 'framed' })
  const out: ReadBody = { content: decoded.content }
  const problem = decoded.facts.problem?.message ?? decoded.note
  if (problem !== undefined) out.problem = problem
  const text = decoded.text ?? Buffer.from(decoded.content).toString('utf8')
  out.text = text
  if (/json/i.test(headerValue(m.headers, 'content-type') ?? '') || /^\s*[[{]/.test(text)) {
    try {
      out.json = JSON.parse(text)
    } catch {
      // Not JSON after all: text matchers still apply.
    }
  }
  return out
}

/** Headers with `changes` applied: set replaces the first and drops the rest of that name, null removes. */
export function changeHeaders(headers: readonly RequestHeader[], changes: HeaderChanges): RequestHeader[] {
  let out = headers.map((h) => ({ ...h }))
  for (const [name, value] of Object.entries(changes)) {
    const lower = name.toLowerCase()
    const first = out.findIndex((h) => h.name.toLowerCase() === lower)
    out = out.filter((h, i) => h.name.toLowerCase() !== lower || (value !== null && i === first))
    if (value === null) continue
    const at = out.findIndex((h) => h.name.toLowerCase() === lower)
    if (at >= 0) out[at].value = value
    else out.push({ name, value })
  }
  return out
}

/** What a rewrite made of a message, and what a person should know of it. */
export interface Rewritten<M extends EditableMessage> {
  message: M
  notes: string[]
}

/** Whether a rewrite changes a body (which is then held whole for it). */
export const changesBody = (rw: MessageRewrite): boolean => rw.body !== undefined || rw.replace !== undefined || rw.json !== undefined || rw.grpc !== undefined

/** Applies a rewrite's header and body changes to `m`. */
export async function rewriteMessage<M extends EditableMessage>(m: M, rw: MessageRewrite): Promise<Rewritten<M>> {
  const notes: string[] = []
  let out: M = { ...m, headers: rw.headers === undefined ? m.headers : changeHeaders(m.headers, rw.headers) }
  if (rw.status !== undefined && 'status' in out) out = { ...out, status: String(rw.status) }
  if (!changesBody(rw)) return { message: out, notes }
  const contentType = headerValue(m.headers, 'content-type') ?? ''
  if (grpcKind(contentType) !== undefined) return { message: await rewriteGrpc(m, out, rw, contentType, notes), notes }
  if (rw.grpc !== undefined) notes.push(`grpc fields not set: the body is not gRPC (content-type ${contentType === '' ? 'none' : contentType})`)
  if (rw.body === undefined && rw.replace === undefined && rw.json === undefined) return { message: out, notes }
  const body = await readBody(m)
  if (body.problem !== undefined) {
    notes.push(`body left as sent: ${body.problem}`)
    return { message: out, notes }
  }
  let text = rw.body ?? body.text ?? ''
  if (rw.json !== undefined && rw.body === undefined) {
    if (body.json === undefined) notes.push('json paths not set: the body is not JSON')
    else {
      const doc = body.json
      for (const [path, value] of Object.entries(rw.json)) {
        const steps = parseJsonPath(path)
        if (steps === undefined || !setJsonAt(doc, steps, value)) notes.push(`${path} not set: no such place in the body`)
      }
      text = JSON.stringify(doc)
    }
  }
  text = replaceAll(text, rw.replace ?? [])
  return { message: await withBody(out, new TextEncoder().encode(text), notes), notes }
}

/**
 * `out` (`m` with its head rewritten) with `rw`'s body changes made in each message of its
 * gRPC body. What would break its framing (json paths, a whole body) is not done and said.
 */
async function rewriteGrpc<M extends EditableMessage>(m: M, out: M, rw: MessageRewrite, contentType: string, notes: string[]): Promise<M> {
  if (rw.json !== undefined) notes.push('not rewritten: json paths do not apply to a gRPC body (set its messages\' fields with grpc.field)')
  if (rw.body !== undefined) notes.push('not rewritten: a whole body cannot be set on a gRPC body (set its messages\' fields with grpc.field)')
  if (rw.replace === undefined && rw.grpc === undefined) return out
  const body = await readBody(m)
  if (body.problem !== undefined) {
    notes.push(`body left as sent: ${body.problem}`)
    return out
  }
  const edit = { ...(rw.replace !== undefined ? { replace: rw.replace } : {}), ...(rw.grpc !== undefined ? { field: rw.grpc.field } : {}) }
  const edited = await rewriteGrpcContent(body.content, contentType, headerValue(m.headers, 'grpc-encoding'), edit)
  if ('problem' in edited) {
    notes.push(`body left as sent: ${edited.problem}`)
    return out
  }
  notes.push(...edited.notes)
  return edited.changed ? withBody(out, edited.content, notes) : out
}

/** A rewrite step on a request: its request part applied now (undefined when it has none), its response part added to what the response will get. */
export async function rewriteStep<M extends EditableMessage>(
  request: M,
  rw: { request?: MessageRewrite; response?: MessageRewrite },
  forResponse: MessageRewrite | undefined
): Promise<{ rewritten?: Rewritten<M>; forResponse: MessageRewrite | undefined }> {
  const rewritten = rw.request === undefined ? undefined : await rewriteMessage(request, rw.request)
  return { ...(rewritten !== undefined ? { rewritten } : {}), forResponse: rw.response === undefined ? forResponse : { ...forResponse, ...rw.response } }
}

/** `m` with `content` as its body: encoded with its content codings again, framed by Content-Length. */
export async function withBody<M extends EditableMessage>(m: M, content: Uint8Array, notes: string[]): Promise<M> {
  let headers = m.headers.filter((h) => h.name.toLowerCase() !== 'transfer-encoding')
  let body = content
  const codings = contentCodings(m.headers)
  if (codings.length > 0) {
    const encoded = await encodeCodings(content, codings)
    if ('cannot' in encoded) {
      notes.push(`sent without its ${codings.join(', ')} content coding: this Node cannot encode ${encoded.cannot}`)
      headers = headers.filter((h) => h.name.toLowerCase() !== 'content-encoding')
    } else body = encoded.bytes
  }
  return withFittedLength({ ...m, headers, body }) as M
}

export const serialize = (m: EditableMessage): Buffer => {
  const bytes = 'method' in m ? serializeRequest(m) : serializeResponse(m)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
