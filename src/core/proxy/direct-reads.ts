// The read buffers of a proxied connection's two sockets (proxy-connection.ts): on the fast
// path each TCP socket reads into a buffer of its own, taken from the process's shared pool
// (read-buffers.ts), instead of a new one per read, and gives it back once both sockets have
// closed. A TLS leg is read through 'data' events: these buffers are for TCP sockets only.

import type { Socket } from 'node:net'
import type { Direction } from '../../shared/capture-types'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { readInto } from '../net/target/node-internals'
import { READ_BUFFER_SIZE, type ReadBuffers } from '../net/read-buffers'

/** Reads from this size up hand their buffer on when kept, smaller ones are copied (at most half a buffer is pinned for nothing). */
export const HAND_ON_BYTES = READ_BUFFER_SIZE / 2

/** Forwards a chunk of `dir`; true when a stage kept the chunk itself (a read's buffer must then be left to it). */
export type Forward = (dir: Direction, chunk: Buffer, to: Socket) => boolean

export class DirectReads {
  /** The buffer each side's socket reads into (readDirect), if it has one. */
  private readonly readBuf: Record<Direction, Buffer | undefined> = { client: undefined, server: undefined }

  constructor(
    private readonly rec: RecordedConnection,
    private readonly pool: ReadBuffers
  ) {}

  /**
   * Lets `from` read into a buffer of its own instead of a new one per read (node-internals.ts
   * readInto), where the capture copies what it records. The buffer takes the next read
   * unless something kept these bytes: a write queued behind earlier writes or a connect, a
   * detailed listener, a write the kernel took only in part, or a stage that holds them. Then
   * a large read leaves its buffer to them and the socket reads into a fresh one, and a small
   * one is forwarded as a copy of just its bytes. Without a buffer to spare (or the internals) the socket emits
   * 'data' as usual.
   */
  readDirect(dir: Direction, from: Socket, to: Socket, forward: Forward): void {
    // A TLS socket's reads are decrypted in Node's TLS layer, not read from a TCP handle; a
    // socket already gone (a forward proxy's destination that is down) reads nothing.
    if (!this.rec.copiesChunks || (from as { encrypted?: boolean }).encrypted === true || from.destroyed) return
    const pool = this.pool
    const buf = pool.take()
    if (buf === undefined) return
    const onRead = (n: number, b: Buffer): void => {
      const chunk = b.subarray(0, n)
      const kept = to.writableLength > 0 || to.connecting || !this.rec.chunksReusable
      // A few bytes are copied rather than pinning a whole buffer; a large read keeps its buffer.
      if (kept && n < HAND_ON_BYTES) return void forward(dir, Buffer.from(chunk), to)
      const staged = forward(dir, chunk, to)
      if (kept || staged || to.writableLength > 0) this.readBuf[dir] = pool.fresh()
    }
    if (!readInto(from, buf, onRead, () => this.readBuf[dir]!)) return pool.give(buf)
    this.readBuf[dir] = buf
  }

  /** Whether `chunk` lies in `dir`'s read buffer, which the next read reuses. */
  inReadBuffer(dir: Direction, chunk: Buffer): boolean {
    return chunk.buffer === this.readBuf[dir]?.buffer
  }

  /** Both sockets are closed: neither reads again, and no pending write holds a buffer still in readBuf. */
  giveBack(): void {
    for (const b of [this.readBuf.client, this.readBuf.server]) if (b !== undefined) this.pool.give(b)
  }
}
