// Hand-made HTTP/2 for the rule stages' unit tests: frames, header blocks written with an
// HPACK encoder that indexes (so a later block depends on an earlier one), a fake port that
// keeps what each side is sent, and a reader of what came out.
import { CLIENT_PREFACE, F_END_HEADERS, F_PRIORITY, F_END_STREAM, FrameReader, T_DATA, T_HEADERS, T_SETTINGS, T_WINDOW_UPDATE } from '../../../../src/core/protocols/http2/frame-reader'
import type { RawFrame } from '../../../../src/core/protocols/http2/raw-frame'
import { HpackDecoder } from '../../../../src/core/protocols/http2/hpack/hpack-decoder'
import { concatBytes, encodeIndexed, encodeLiteral } from '../../../../src/core/protocols/http2/hpack/hpack-encoder'
import { staticFieldIndex } from '../../../../src/core/protocols/http2/hpack/static-table'
import { frame } from '../../../../src/core/breakpoint/h2/h2-frames'
import type { StagePort } from '../../../../src/core/proxy/forward-stage'

export { frame }

/** A client's or server's HPACK encoder: indexes every field it has not sent before, refers to those it has. */
export class Encoder {
  private readonly table: Array<[string, string]> = []

  block(fields: Array<[string, string]>): Uint8Array {
    return concatBytes(
      fields.map(([name, value]) => {
        const s = staticFieldIndex(name, value)
        if (s) return encodeIndexed(s)
        const at = this.table.findIndex(([n, v]) => n === name && v === value)
        if (at >= 0) return encodeIndexed(62 + at)
        this.table.unshift([name, value])
        return encodeLiteral({ name, value, rep: 'incremental', huffman: false })
      })
    )
  }
}

export const settings = (entries: Array<[number, number]> = []): Buffer => {
  const p = Buffer.alloc(entries.length * 6)
  entries.forEach(([id, v], i) => {
    p.writeUInt16BE(id, i * 6)
    p.writeUInt32BE(v, i * 6 + 2)
  })
  return frame(T_SETTINGS, 0, 0, p)
}

/** A SETTINGS frame's acknowledgement. */
export const settingsAck = (): Buffer => frame(T_SETTINGS, 1, 0, Buffer.alloc(0))
/** What a server sends first: its SETTINGS, then its acknowledgement of the client's. */
export const serverOpening = (entries: Array<[number, number]> = []): Buffer => Buffer.concat([settings(entries), settingsAck()])

export const headers = (stream: number, block: Uint8Array, end: boolean): Buffer => frame(T_HEADERS, F_END_HEADERS | (end ? F_END_STREAM : 0), stream, block)
export const data = (stream: number, bytes: string | Uint8Array, end: boolean): Buffer => frame(T_DATA, end ? F_END_STREAM : 0, stream, typeof bytes === 'string' ? Buffer.from(bytes) : bytes)
export const windowUpdate = (stream: number, n: number): Buffer => {
  const p = Buffer.alloc(4)
  p.writeUInt32BE(n, 0)
  return frame(T_WINDOW_UPDATE, 0, stream, p)
}
export const clientPreface = (): Buffer => Buffer.concat([Buffer.from(CLIENT_PREFACE), settings()])

export interface Port extends StagePort {
  sent: Buffer[]
  events: Array<Record<string, unknown>>
  ended: boolean
  closed: boolean
  held: boolean
  bytes(): Buffer
}

export function fakePort(): Port {
  const port: Port = {
    sent: [],
    events: [],
    ended: false,
    closed: false,
    held: false,
    send(b) {
      port.sent.push(Buffer.from(b))
      return true
    },
    end() {
      port.ended = true
    },
    hold(h) {
      port.held = h
    },
    event(_kind, info) {
      port.events.push(info)
    },
    reset() {
      port.closed = true
    },
    close() {
      port.closed = true
    },
    refuse() {
      port.closed = true
    },
    fail() {
      port.closed = true
    },
    bytes: () => Buffer.concat(port.sent)
  }
  return port
}

export interface ReadFrame extends RawFrame {
  fields?: Array<[string, string]>
  data?: Buffer
}

/** The frames in `bytes` (the client's preface first when `preface`), header blocks decoded with one receiver's context. */
export class Receiver {
  private readonly hpack = new HpackDecoder()
  readonly frames: ReadFrame[] = []
  readonly problems: string[] = []
  private readonly reader: FrameReader
  private fed = 0
  private all = Buffer.alloc(0)

  constructor(preface: boolean) {
    this.reader = new FrameReader(preface ? 'client' : 'server', 0, { frame: (f) => this.onFrame(f), problem: (p) => this.problems.push(p.message) }, preface)
  }

  push(bytes: Buffer): this {
    this.all = Buffer.concat([this.all, bytes])
    this.reader.push(bytes, this.fed, 0)
    this.fed += bytes.length
    return this
  }

  private onFrame(f: RawFrame): void {
    const out: ReadFrame = { ...f }
    if (f.type === T_DATA) out.data = this.all.subarray(f.offset + 9, f.offset + 9 + f.length)
    if (f.type === T_HEADERS && f.payload) {
      const r = this.hpack.decode(f.payload.subarray((f.flags & F_PRIORITY) !== 0 ? 5 : 0))
      if (r.error) this.problems.push(r.error.message)
      out.fields = r.fields.map((x) => [x.name, x.value])
    }
    this.frames.push(out)
  }

  of(type: number, stream?: number): ReadFrame[] {
    return this.frames.filter((f) => f.type === type && (stream === undefined || f.stream === stream))
  }
}
