// Where a byte of an HTTP message's content lies on the wire, and when it came: through the
// body's framing (a Content-Length or close-delimited body is one range; a chunked body's
// chunks and an HTTP/2 body's DATA payloads are listed ranges). An HTTP/2 body lists each
// DATA frame's time; an HTTP/1 one has the time of the recorded data holding the byte.

import type { HttpMessage } from '../../../shared/protocol-types'
import type { CaptureView } from '../../capture/query/capture-queries'

export interface ContentPlaces {
  /** The wire offset of content byte `at`, or undefined when the body's ranges do not reach it (chunks past those listed). */
  wire(at: number): number | undefined
  /** When content byte `at` arrived: its DATA frame's time, or its recorded chunk's; the message's start when unknown. */
  time(at: number): Promise<number>
}

export function contentPlaces(view: CaptureView, connId: number, msg: HttpMessage): ContentPlaces {
  const body = msg.body
  const ranges = body.framing === 'none' ? [] : body.framing === 'chunked' || body.framing === 'h2' ? (body.chunks ?? []) : [body.range]
  // Content offsets where each range starts, for a binary search.
  const starts: number[] = []
  let total = 0
  for (const r of ranges) {
    starts.push(total)
    total += r.length
  }
  const rangeOf = (at: number): number => {
    if (at < 0 || at >= total) return -1
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (starts[mid] <= at) lo = mid
      else hi = mid - 1
    }
    return lo
  }
  const wire = (at: number): number | undefined => {
    const k = rangeOf(at)
    return k < 0 ? undefined : ranges[k].offset + (at - starts[k])
  }
  const time = async (at: number): Promise<number> => {
    const k = rangeOf(at)
    if (k < 0) return msg.startedAt
    if (body.framing === 'h2') return body.chunkTimes?.[k] ?? msg.startedAt
    const index = await view.locate(connId, msg.dir, ranges[k].offset + (at - starts[k]))
    if (index < 0) return msg.startedAt
    const [event] = await view.readEvents(connId, index, 1)
    return event?.time ?? msg.startedAt
  }
  return { wire, time }
}
