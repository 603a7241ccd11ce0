// One connection's WebSocket messages as decoded, in columns: a long conversation keeps
// tens of bytes a message plus its preview (at most WS_PREVIEW_BYTES, in one byte pool),
// not an object each. ws.messages builds objects for the page asked for only.

import type { Direction } from '../../shared/capture-types'
import type { WsMessage } from '../../shared/protocol-types'

const OPCODES: WsMessage['opcode'][] = ['text', 'binary', 'close', 'ping', 'pong', 'reserved']
const OPCODE = new Map(OPCODES.map((o, i) => [o, i]))
const F_SERVER = 1
const F_COMPRESSED = 2
const F_MASKED = 4
const F_COMPLETE = 8

/** `a` with room for `n` (doubled, so growing one at a time stays linear). */
export function grown<T extends Float64Array | Uint32Array | Uint8Array | Int32Array>(a: T, n: number, make: (n: number) => T): T {
  if (n <= a.length) return a
  const next = make(Math.max(n, a.length * 2))
  next.set(a)
  return next
}

export class MessageList {
  size = 0
  private flags = new Uint8Array(8)
  private opcode = new Uint8Array(8)
  /** frames, range offset and length, size, startedAt, endedAt (NaN: none), preview at and length, close code (NaN: none) */
  private nums = new Float64Array(8 * 9)
  private previews = new Uint8Array(1024)
  private previewEnd = 0
  private readonly reasons = new Map<number, string>()

  /** Adds or updates message `m.index` (updates come in order of index, as the decoder sends them). */
  put(m: WsMessage): void {
    const i = m.index
    if (i >= this.size) {
      this.size = i + 1
      this.flags = grown(this.flags, this.size, (n) => new Uint8Array(n))
      this.opcode = grown(this.opcode, this.size, (n) => new Uint8Array(n))
      this.nums = grown(this.nums, this.size * 9, (n) => new Float64Array(n))
    }
    this.flags[i] = (m.dir === 'server' ? F_SERVER : 0) | (m.compressed ? F_COMPRESSED : 0) | (m.masked ? F_MASKED : 0) | (m.complete ? F_COMPLETE : 0)
    this.opcode[i] = OPCODE.get(m.opcode) ?? OPCODE.get('reserved')!
    const at = i * 9
    const n = this.nums
    n[at] = m.frames
    n[at + 1] = m.range.offset
    n[at + 2] = m.range.length
    n[at + 3] = m.size
    n[at + 4] = m.startedAt
    n[at + 5] = m.endedAt ?? NaN
    // A preview only grows while its message arrives: it is stored again only when it did.
    if (m.preview.length !== n[at + 7] || n[at + 6] === 0) {
      if (m.preview.length > 0) {
        this.previews = grown(this.previews, this.previewEnd + m.preview.length, (k) => new Uint8Array(k))
        this.previews.set(m.preview, this.previewEnd)
        n[at + 6] = this.previewEnd + 1
        this.previewEnd += m.preview.length
      }
      n[at + 7] = m.preview.length
    }
    n[at + 8] = m.closeCode ?? NaN
    if (m.closeReason !== undefined) this.reasons.set(i, m.closeReason)
  }

  get(i: number): WsMessage {
    const n = this.nums
    const at = i * 9
    const f = this.flags[i]
    const dir: Direction = f & F_SERVER ? 'server' : 'client'
    const previewAt = n[at + 6] - 1
    const m: WsMessage = {
      index: i,
      dir,
      opcode: OPCODES[this.opcode[i]] as WsMessage['opcode'],
      frames: n[at],
      range: { dir, offset: n[at + 1], length: n[at + 2] },
      size: n[at + 3],
      compressed: (f & F_COMPRESSED) !== 0,
      masked: (f & F_MASKED) !== 0,
      preview: previewAt >= 0 ? this.previews.slice(previewAt, previewAt + n[at + 7]) : new Uint8Array(0),
      complete: (f & F_COMPLETE) !== 0,
      startedAt: n[at + 4]
    }
    if (!Number.isNaN(n[at + 5])) m.endedAt = n[at + 5]
    if (!Number.isNaN(n[at + 8])) m.closeCode = n[at + 8]
    const reason = this.reasons.get(i)
    if (reason !== undefined) m.closeReason = reason
    return m
  }

  page(from: number, limit: number): WsMessage[] {
    const out: WsMessage[] = []
    for (let i = from; i < Math.min(this.size, from + limit); i++) out.push(this.get(i))
    return out
  }
}
