// h2.frames: an HTTP/2 connection's frames as the Frames view lists them (Wireshark's): read
// again from the capture when asked, from the connection's start (an h2c one's frames begin
// after its 101), with DATA payloads skipped, and only the asked page kept.

import type { H2Frame, H2FramePage } from '../../shared/protocol-types'
import { h2FrameTypeName } from '../../shared/protocol-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { createConnectionDecoder } from './decoders'
import { frameInfo } from '../protocols/http2/frame-info'
import { FRAME_HEADER } from '../protocols/http2/frame-reader'
import type { RawFrame } from '../protocols/http2/raw-frame'
import { replay } from './replay'

export interface FrameQuery {
  connId: number
  from: number
  limit: number
  /** Only this stream's frames (0: the connection's own, SETTINGS, PING, GOAWAY). */
  stream?: number
}

export async function readH2Frames(view: CaptureView, q: FrameQuery): Promise<H2FramePage> {
  const frames: H2Frame[] = []
  let total = 0
  let index = 0
  const onH2Frame = (f: RawFrame): void => {
    const i = index++
    if (q.stream !== undefined && f.stream !== q.stream) return
    if (total >= q.from && frames.length < q.limit) {
      frames.push({ index: i, dir: f.dir, time: f.time, type: f.type, typeName: h2FrameTypeName(f.type), flags: f.flags, stream: f.stream, length: f.length, range: { dir: f.dir, offset: f.offset, length: FRAME_HEADER + f.length }, info: frameInfo(f) })
    }
    total++
  }
  const d = createConnectionDecoder({ onH2Frame })
  const problems: H2FramePage['problems'] = []
  await replay(view, q.connId, { client: 0, server: 0 }, d, () => {
    problems.push(...d.takeChanges().problems)
    return false
  })
  problems.push(...d.takeChanges().problems)
  return { from: q.from, total, frames, problems: problems.slice(0, 100) }
}
