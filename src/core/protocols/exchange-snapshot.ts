// What every HTTP decoder (HTTP/1.x, HTTP/2) hands out of the exchanges it is still
// building: copies the caller may keep while the decoder goes on changing the originals,
// and the connection's summary from its first exchange.

import type { HttpExchange, HttpMessage, ProtocolSummary } from '../../shared/protocol-types'
import { headerValues } from './http1/head-parser'

/** A copy the caller may keep: what the decoder goes on changing (body progress, state) is copied; finished parts are shared. */
export function snapshot(ex: HttpExchange): HttpExchange {
  return {
    ...ex,
    ...(ex.request ? { request: copyMessage(ex.request) } : {}),
    informational: ex.informational.slice(),
    ...(ex.response ? { response: copyMessage(ex.response) } : {})
  }
}

function copyMessage(msg: HttpMessage): HttpMessage {
  if (msg.body.complete) return { ...msg, body: { ...msg.body } }
  const body = { ...msg.body }
  if (body.chunks) body.chunks = body.chunks.slice()
  if (body.chunkTimes) body.chunkTimes = body.chunkTimes.slice()
  return { ...msg, body }
}

/** The headers the summary reads. */
export const SUMMARY_HEADERS = ['content-type']

/** The connection list's short form of an HTTP connection: how many exchanges, and its first one's request and response. */
export function exchangeSummary(first: HttpExchange | undefined, count: number, hadProblem: boolean): Omit<ProtocolSummary, 'protocol'> {
  const res = first?.response
  const contentType = res ? headerValues(res.headers, 'content-type')[0] : undefined
  return {
    exchanges: count,
    ...(first
      ? {
          first: {
            ...(first.request ? { method: first.request.method, target: first.request.target } : {}),
            ...(res ? { status: res.status, size: res.body.size } : {}),
            ...(contentType !== undefined ? { contentType } : {})
          }
        }
      : {}),
    ...(hadProblem ? { problem: true } : {})
  }
}
