// Exports of one connection's recording: one direction's bytes exactly as captured (raw),
// an xxd-style hex dump of them (hex), or its events as JSON lines (jsonl; a data event
// carries its bytes as hex), or its messages as JSON lines (jsonl with messages, the shape
// `show --json` prints). Read a piece at a time; progress counts bytes, events or messages.

import type { CaptureEvent, Direction } from '../../shared/capture-types'
import { hexDump, toHex } from '../../shared/hexdump'
import type { CaptureView } from '../capture/query/capture-queries'
import type { ExportProgress } from './export-progress'
import type { BatchedSink } from './export-sink'
import type { Messages } from '../decode/messages/messages'
import { keptPieces } from './kept-bytes'
import { messageJson } from '../../shared/message-json'
import { readRanges } from '../../shared/read-spans'

/** A multiple of 16: each hex dump line starts on a 16-byte boundary of the stream. */
const READ_STEP = 1024 * 1024
const EVENT_STEP = 1000
/** Messages described per page: their field trees are built for each. */
const MESSAGE_STEP = 200

/**
 * Bytes `[0, total)` of one direction, as they are (raw) or as a hex dump. A gap (bytes
 * forwarded but not kept) is skipped: raw holds the kept bytes only, and the hex dump, whose
 * offsets stay the stream's, says where and how much in a line of its own.
 */
export async function writeDirection(view: CaptureView, connId: number, dir: Direction, total: number, hex: boolean, sink: BatchedSink, progress: ExportProgress): Promise<void> {
  for await (const piece of keptPieces(view, connId, dir, 0, total, READ_STEP)) {
    if ('gap' in piece) {
      if (hex) await sink.text(`-- ${piece.gap} bytes not kept at ${piece.offset} (the disk was slower than the traffic) --\n`)
      progress.step(piece.gap)
      continue
    }
    if (hex) await sink.text(hexDump(piece.bytes, piece.offset).join('\n') + '\n')
    else await sink.write(piece.bytes)
    progress.step(piece.bytes.length)
  }
}

/** The connection's events in order, one JSON object a line; with `dir`, that side's (and the events of neither side). */
export async function writeEvents(view: CaptureView, connId: number, dir: Direction | undefined, sink: BatchedSink, progress: ExportProgress): Promise<void> {
  for (let from = 0; ; from += EVENT_STEP) {
    const events = await view.readEvents(connId, from, EVENT_STEP)
    if (events.length === 0) return
    const shown = events.filter((e) => dir === undefined || e.dir === undefined || e.dir === dir)
    const data = shown.filter((e) => e.kind === 'data')
    const hex = new Map<CaptureEvent, string>()
    await readRanges(
      data.map((e) => ({ dir: e.dir!, offset: e.offset!, length: e.length! })),
      (d, offset, length) => view.readBytes(connId, d, offset, length),
      (k, bytes) => hex.set(data[k], toHex(bytes))
    )
    let text = ''
    for (const e of shown) text += JSON.stringify({ conn: connId, ...e, ...(e.kind === 'data' ? { hex: hex.get(e) } : {}) }) + '\n'
    await sink.text(text)
    progress.step(events.length)
  }
}

/** The connection's messages in order (as msg.page cuts them), one `{"type":"message"}` object a line (show --json's shape); with `dir`, that side's. */
export async function writeMessages(view: CaptureView, messages: Messages, connId: number, dir: Direction | undefined, bodyLimit: number, sink: BatchedSink, progress: ExportProgress): Promise<void> {
  for (let from = 0; ; ) {
    const page = await messages.page(view, { connId, from, limit: MESSAGE_STEP, fields: true })
    if (page.messages.length === 0) return
    const shown = page.messages.filter((m) => dir === undefined || m.dir === dir)
    const bytes: Uint8Array[] = []
    await readRanges(
      shown.map((m) => ({ dir: m.dir, offset: m.range.offset, length: Math.min(m.range.length, bodyLimit) })),
      (d, offset, length) => view.readBytes(connId, d, offset, length),
      (k, b) => (bytes[k] = b)
    )
    let text = ''
    shown.forEach((m, k) => (text += JSON.stringify(messageJson(connId, page.framing, m, bytes[k] ?? new Uint8Array(0), 'bodyLimit')) + '\n'))
    await sink.text(text)
    progress.step(page.messages.length)
    from += page.messages.length
    if (from >= page.total) return
  }
}
