// What tcpscope puts on a WebSocket connection itself: whole frames (an answer, a rewritten
// message, a Close), masked with a fresh random key toward the server as RFC 6455 section
// 5.3 asks of a client and unmasked toward the client; and one direction's output, where a
// frame made here never lands inside a frame of the sender's that is passing as it comes.

import { randomFillSync } from 'node:crypto'
import type { StagePort } from '../../proxy/forward-stage'

/** One frame, FIN set and RSV bits clear (so never compressed), with `payload`. */
export function wsFrame(opcode: number, payload: Uint8Array, masked: boolean): Buffer {
  const n = payload.length
  const lengthBytes = n < 126 ? 0 : n < 65536 ? 2 : 8
  const head = 2 + lengthBytes + (masked ? 4 : 0)
  const out = Buffer.allocUnsafe(head + n)
  out[0] = 0x80 | (opcode & 0x0f)
  out[1] = (masked ? 0x80 : 0) | (lengthBytes === 0 ? n : lengthBytes === 2 ? 126 : 127)
  if (lengthBytes === 2) out.writeUInt16BE(n, 2)
  else if (lengthBytes === 8) out.writeBigUInt64BE(BigInt(n), 2)
  if (!masked) {
    out.set(payload, head)
    return out
  }
  const mask = out.subarray(head - 4, head)
  randomFillSync(mask)
  for (let i = 0; i < n; i++) out[head + i] = payload[i] ^ mask[i & 3]
  return out
}

/** A Close frame's payload: the status code, then a UTF-8 reason. */
export function closePayload(code: number, reason: string): Buffer {
  const text = Buffer.from(reason)
  const out = Buffer.alloc(2 + text.length)
  out.writeUInt16BE(code, 0)
  text.copy(out, 2)
  return out
}

/** One direction's output: the sender's bytes as they pass, and frames made here between them. */
export class WsOutput {
  /** The last bytes passed ended inside a frame of the sender's. */
  private midFrame = false
  private waiting: Buffer[] = []

  constructor(private readonly port: () => StagePort | undefined) {}

  /** The sender's bytes; `boundary`: they end a frame, so what waits may follow. */
  pass(bytes: Buffer, boundary: boolean): void {
    if (bytes.length > 0) this.port()?.send(bytes)
    this.midFrame = !boundary
    if (!this.midFrame) for (const frame of this.waiting.splice(0)) this.port()?.send(frame)
  }

  /** A whole frame made here: now, or once the sender's frame that is passing has ended. */
  inject(frame: Buffer): void {
    if (this.midFrame) this.waiting.push(frame)
    else this.port()?.send(frame)
  }

  /** Whether a frame made here would go now (not inside one of the sender's). */
  get atBoundary(): boolean {
    return !this.midFrame
  }
}
