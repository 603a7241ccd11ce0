// A response body's content as replay compares it: its content codings undone by the one
// body pipeline (core/http/body), at most MAX_COMPARED_BODY of it. Replay's one call into
// body decoding, for the recorded and the replayed response alike.

import type { HttpMessage } from '../../shared/protocol-types'
import { MAX_COMPARED_BODY } from '../../shared/response-comparison-types'
import { sentSize } from '../decode/body-content'
import { decodeBody } from '../http/body/decode-body'

export interface ComparisonContent {
  /** The decoded content (as sent when it has no coding, or one that could not be undone), at most MAX_COMPARED_BODY. */
  bytes: Uint8Array
  /** `bytes` is all of it: the content was kept whole and decoded to no more than the bound. */
  whole: boolean
  /** The codings undone, in Content-Encoding order. */
  codings: string[]
  /** The decoded size, when decoding reached the end. */
  size?: number
  /** A coding that could not be undone: `bytes` is the content as sent. */
  problem?: string
  /** Why decoding stopped short of the end (the bound, or a ratio that says decompression bomb). */
  note?: string
}

/** `sent` (the content as sent, chunk framing removed; `whole` when that is all of it) with `message`'s content codings undone. */
export async function comparisonContent(message: HttpMessage, sent: Uint8Array, whole: boolean, signal?: AbortSignal): Promise<ComparisonContent> {
  const asSent = (problem?: string): ComparisonContent => {
    const out: ComparisonContent = { bytes: sent.subarray(0, MAX_COMPARED_BODY), whole: whole && sent.length <= MAX_COMPARED_BODY, codings: [] }
    if (whole) out.size = sent.length
    if (problem !== undefined) out.problem = problem
    return out
  }
  const { content, facts } = await decodeBody(sent, message.headers, { limit: MAX_COMPARED_BODY, sentSize: sentSize(message), ...(signal ? { signal } : {}) })
  if (facts.codings.length === 0 && facts.problem === undefined) return asSent()
  // Content cut short (not kept whole) ends its coding early: what decoded before is still the content's start.
  if (facts.problem !== undefined && (whole || content.length === 0)) return asSent(facts.problem.message)
  const out: ComparisonContent = { bytes: content, whole: whole && facts.end && facts.cut === undefined, codings: facts.codings }
  if (whole && facts.end) out.size = facts.given
  if (facts.note !== undefined) out.note = facts.note
  return out
}
