// The bytes a direction has received but not read yet, with the offset and time of the push
// that brought each piece: a message's start and end times are those of the pushes that
// brought its first and last bytes, and after a protocol switch the bytes not read as HTTP
// are handed on as they came.

import { ByteQueue } from './bytes'

export interface TimedPiece {
  offset: number
  bytes: Uint8Array
  time: number
}

export class TimedByteQueue {
  private readonly queue = new ByteQueue()
  /** [stream offset, time] of each push whose bytes sit in the queue, oldest first. */
  private times: Array<[number, number]> = []
  /** The stream offset just past the last queued byte. */
  private end = 0

  get length(): number {
    return this.queue.length
  }

  /** The queued bytes, valid until the next append or consume. */
  view(): Uint8Array {
    return this.queue.view()
  }

  /** Bytes from stream offset `offset`, pushed at `time`; they follow the queued ones. */
  append(bytes: Uint8Array, offset: number, time: number): void {
    if (bytes.length === 0) return
    this.queue.append(bytes)
    this.times.push([offset, time])
    this.end = offset + bytes.length
  }

  /** The time of the queued push that brought the byte at `offset`; undefined when it came before every queued push. */
  timeAt(offset: number): number | undefined {
    for (let k = this.times.length - 1; k >= 0; k--) if (this.times[k][0] <= offset) return this.times[k][1]
    return undefined
  }

  /** Drops the first `n` queued bytes, and the times of pushes none of whose bytes are left. */
  consume(n: number): void {
    this.queue.consume(n)
    const from = this.end - this.queue.length
    let drop = 0
    while (drop + 1 < this.times.length && this.times[drop + 1][0] <= from) drop++
    if (this.queue.length === 0) this.times = []
    else if (drop > 0) this.times.splice(0, drop)
  }

  /** Everything queued, as the pushes brought it (copies); the queue is left empty. */
  takeAll(): TimedPiece[] {
    const data = this.queue.view()
    const from = this.end - data.length
    const pieces: TimedPiece[] = []
    for (let k = 0; k < this.times.length; k++) {
      const [at, time] = this.times[k]
      const stop = k + 1 < this.times.length ? this.times[k + 1][0] : this.end
      const start = Math.max(at, from)
      if (stop > start) pieces.push({ offset: start, bytes: data.slice(start - from, stop - from), time })
    }
    this.clear()
    return pieces
  }

  clear(): void {
    this.queue.clear()
    this.times = []
  }
}
