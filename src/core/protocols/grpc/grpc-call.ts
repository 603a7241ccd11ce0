// A gRPC call as one HTTP exchange tells it: the method from the request's path, the status
// and message from the trailers (HTTP/2 trailers, gRPC-Web's trailer frame) or, for a
// trailers-only response, from the response headers.

import { grpcStatusName, type GrpcCall } from '../../../shared/grpc-types'
import { grpcKind, type HttpExchange, type HttpMessage } from '../../../shared/protocol-types'

type Fields = ReadonlyArray<{ name: string; value: string }>

const valueOf = (fields: Fields | undefined, name: string): string | undefined => fields?.find((h) => h.name.toLowerCase() === name)?.value

export const contentTypeOfMessage = (msg: HttpMessage | undefined): string | undefined => valueOf(msg?.headers, 'content-type')

/** The call's kind from the request's content type, else the response's; undefined when it is not gRPC. */
export const callKind = (ex: HttpExchange): GrpcCall['kind'] | undefined => grpcKind(contentTypeOfMessage(ex.request) ?? contentTypeOfMessage(ex.response))

/** The path of a request target: an absolute-form target (`http://host/pkg.S/M`, through a forward proxy) loses its scheme and authority. */
export function targetPath(target: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(target)
  return m ? target.slice(m[0].length) || '/' : target
}

/** grpc-message is percent-encoded UTF-8 (PROTOCOL-HTTP2.md); a bad escape leaves it as sent. */
export function decodeGrpcMessage(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

/** The call, with `trailerFrame` the fields of gRPC-Web's trailer frame when one was read. */
export function grpcCallOf(ex: HttpExchange, kind: GrpcCall['kind'], side: HttpMessage | undefined, trailerFrame?: Fields): GrpcCall {
  const call: GrpcCall = { kind, method: targetPath(ex.request?.target ?? '') }
  const contentType = contentTypeOfMessage(ex.request)
  if (contentType !== undefined) call.contentType = contentType
  const encoding = valueOf(side?.headers, 'grpc-encoding')
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') call.encoding = encoding
  const sources: Array<[GrpcCall['statusFrom'], Fields | undefined]> = [
    ['trailers', ex.response?.body.trailers],
    ['trailer-frame', trailerFrame],
    ['headers', ex.response?.headers]
  ]
  for (const [from, fields] of sources) {
    const status = valueOf(fields, 'grpc-status')
    if (status === undefined || !fields) continue
    const code = Number(status)
    if (Number.isInteger(code) && code >= 0) {
      call.status = code
      call.statusName = grpcStatusName(code)
    }
    const message = valueOf(fields, 'grpc-message')
    if (message !== undefined) call.message = decodeGrpcMessage(message)
    call.statusFrom = from
    call.trailers = fields.filter((f) => from !== 'headers' || f.name.toLowerCase().startsWith('grpc-')).map((f) => ({ name: f.name, value: f.value }))
    break
  }
  return call
}
