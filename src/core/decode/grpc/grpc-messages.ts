// grpc.messages: one side of a gRPC (or gRPC-Web) call, its length-prefixed messages each
// decoded as a tree of protobuf fields, a page at a time. The side's content is read from
// the capture by its ranges (body-content), framed as it streams, and only the page's
// payloads are kept: at most GRPC_PAGE_BYTES of them and GRPC_PAGE_FIELDS fields, so a
// call of a million messages costs a read of its body, not its memory.

import { ERROR_CODES, UserError } from '../../../shared/errors'
import { GRPC_DEFAULT_MAX_MESSAGE, type GrpcMessage, type GrpcMessagePage, type ProtoField } from '../../../shared/grpc-types'
import type { HttpExchange, HttpMessage } from '../../../shared/protocol-types'
import type { CaptureView } from '../../capture/query/capture-queries'
import { undoCodings } from '../../http/body/content-coding'
import { callKind, contentTypeOfMessage, grpcCallOf } from '../../protocols/grpc/grpc-call'
import { GrpcFramer, parseTrailerFrame, type GrpcFrame } from '../../protocols/grpc/grpc-framing'
import { Base64Pieces } from '../../protocols/grpc/grpc-web-text'
import { decodeProto } from '../../protocols/grpc/proto-decode'
import type { SchemaType } from '../../protocols/grpc/proto-schema'
import { contentCodings, messageContent } from '../body-content'
import { contentPlaces } from './content-places'
import { inflateGrpcMessage } from './grpc-inflate'
import type { ProtoSchemas } from './proto-schemas'

/** Payload bytes one page keeps at most (past the first message, which is always given). */
const GRPC_PAGE_BYTES = 16 * 1024 * 1024
/** Fields one page lists at most (past the first message): a page of 100 messages of 10,000 fields would be a million objects. */
const GRPC_PAGE_FIELDS = 100_000

export interface GrpcMessagesQuery {
  part: 'request' | 'response'
  from: number
  limit: number
  /** Declared lengths above this are a framing problem (default: gRPC's 4 MiB). */
  maxMessage?: number
}

interface Scan {
  frames: GrpcFrame[]
  /** gRPC-Web's trailer frame's fields, when one was read. */
  trailers?: Array<{ name: string; value: string }>
  total: number
  /** Content offsets map to the wire (not base64 text, not a body with a content coding). */
  mapped: boolean
  problems: string[]
}

/** Frames one side's content, keeping the payloads `want` asks for. */
async function scan(view: CaptureView, connId: number, msg: HttpMessage, want: (index: number, size: number) => boolean, maxMessage: number, signal?: AbortSignal): Promise<Scan> {
  const framer = new GrpcFramer({ maxMessage, want })
  const out: Scan = { frames: [], total: 0, mapped: true, problems: [] }
  const text = contentTypeOfMessage(msg)?.toLowerCase().startsWith('application/grpc-web-text') ? new Base64Pieces() : undefined
  const take = (piece: Uint8Array): boolean => {
    if (signal?.aborted) throw new UserError('reading the gRPC messages was cancelled', ERROR_CODES.ECANCELED)
    // Only kept frames are held: a call of a million messages is counted, not listed.
    for (const f of framer.push(text ? text.push(piece) : piece)) if (f.payload) out.frames.push(f)
    return framer.problem === undefined && text?.problem === undefined
  }
  const codings = contentCodings(msg)
  if (text || codings.length > 0) out.mapped = false
  if (codings.length > 0) {
    const r = await undoCodings(codings, messageContent(view, connId, msg, 0, signal), take, { signal })
    if (r.problem) out.problems.push(`its content coding stops: ${r.problem.message}`)
    if (r.cut) out.problems.push('its content coding expands past the body limit: the messages after it are not read')
  } else {
    for await (const piece of messageContent(view, connId, msg, 0, signal)) if (!take(piece)) break
  }
  const last = framer.end(msg.body.complete && out.problems.length === 0)
  if (last?.payload) out.frames.push(last)
  if (text?.problem) out.problems.push(text.problem.message)
  if (framer.problem) out.problems.push(framer.problem.message)
  out.total = framer.messages
  const trailer = out.frames.find((f) => f.trailer && f.payload)
  if (trailer) out.trailers = parseTrailerFrame(trailer.payload!)
  return out
}

const countFields = (fields: ProtoField[]): number => fields.reduce((n, f) => n + 1 + (f.children ? countFields(f.children) : 0), 0)

/** One message decoded: inflated when compressed, its fields by `type` or raw. */
async function messageOf(f: GrpcFrame, msg: HttpMessage, encoding: string | undefined, type: SchemaType | undefined, maxMessage: number): Promise<Omit<GrpcMessage, 'startedAt'>> {
  const m: Omit<GrpcMessage, 'startedAt'> = { index: f.index, dir: msg.dir, contentOffset: f.offset, size: f.size, compressed: f.compressed, complete: f.complete, fields: [] }
  let payload = f.payload ?? new Uint8Array(0)
  if (!f.complete) m.problem = `only ${payload.length} of its ${f.size} bytes arrived`
  if (f.compressed) {
    if (!f.complete) return m
    const r = await inflateGrpcMessage(payload, encoding, maxMessage)
    if ('problem' in r) return { ...m, problem: r.problem }
    payload = r.bytes
    m.decodedSize = payload.length
  }
  const d = decodeProto(payload, type ? { type } : {})
  if (type) m.type = type.name
  m.fields = d.fields
  if (d.omitted) m.omitted = d.omitted
  if (d.problem && f.complete) m.problem = `its protobuf stops at byte ${d.problem.offset}: ${d.problem.message}`
  return m
}

/** A page of one side's messages of the exchange `ex` (its index on connection `connId`). */
export async function readGrpcMessages(view: CaptureView, connId: number, ex: HttpExchange, q: GrpcMessagesQuery, schemas?: ProtoSchemas, signal?: AbortSignal): Promise<GrpcMessagePage> {
  const kind = callKind(ex)
  if (!kind) {
    const type = contentTypeOfMessage(ex.request) ?? contentTypeOfMessage(ex.response)
    throw new UserError(`exchange ${ex.index} of connection #${connId} is not a gRPC call (${type === undefined ? 'it has no content type' : `its content type is ${type}`})`)
  }
  const msg = q.part === 'request' ? ex.request : ex.response
  if (!msg) throw new UserError(`exchange ${ex.index} of connection #${connId} has no ${q.part} yet`)
  const maxMessage = q.maxMessage ?? GRPC_DEFAULT_MAX_MESSAGE
  let kept = 0
  let refused = false
  // The page is contiguous: once one payload would pass the byte budget, none after it is kept.
  const want = (index: number, size: number): boolean => {
    if (refused || index < q.from || index >= q.from + q.limit) return false
    if (kept > 0 && kept + size > GRPC_PAGE_BYTES) refused = true
    else kept += size
    return !refused
  }
  const side = await scan(view, connId, msg, want, maxMessage, signal)
  let trailers = side.trailers
  // gRPC-Web's status is in the response's trailer frame: read it when the request is asked for.
  if (kind === 'grpc-web' && q.part === 'request' && ex.response && ex.response.body.framing !== 'none') trailers = (await scan(view, connId, ex.response, () => false, maxMessage, signal)).trailers
  const call = grpcCallOf(ex, kind, msg, trailers)
  const types = schemas?.method(call.method)
  const type = q.part === 'request' ? types?.input : types?.output
  const page: GrpcMessagePage = { call, part: q.part, from: q.from, total: side.total, messages: [], complete: msg.body.complete, problems: side.problems }
  if (schemas?.loaded && !types) page.schemaNote = `the loaded .proto files have no method ${call.method}: its fields are read without a schema`
  const places = contentPlaces(view, connId, msg)
  let fields = 0
  for (const f of side.frames) {
    if (f.trailer || !f.payload || (page.messages.length > 0 && fields >= GRPC_PAGE_FIELDS)) continue
    const m = await messageOf(f, msg, call.encoding, type, maxMessage)
    fields += countFields(m.fields)
    const startedAt = side.mapped ? await places.time(f.offset) : msg.startedAt
    const message: GrpcMessage = { ...m, startedAt }
    if (side.mapped) {
      const first = places.wire(f.offset)
      // Its last byte that arrived (the prefix's last, for an empty message).
      const last = places.wire(f.offset + 4 + f.payload.length)
      if (first !== undefined && last !== undefined) message.range = { dir: msg.dir, offset: first, length: last + 1 - first }
    }
    page.messages.push(message)
  }
  return page
}
