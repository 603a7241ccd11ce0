// Reads one direction of an HTTP/1 connection as a sequence of messages, incrementally:
// a head, then a body framed as its head (and, for a response, its request) says. It keeps
// only the bytes it has not consumed yet (a head in progress, at most MAX_HEAD_BYTES), never
// a body, and lets the caller skip what it does not look at: the data of a Content-Length
// body or a chunk (wantFrom). Problems stop the direction at their offset; nothing throws.

import type { Direction } from '../../../shared/capture-types'
import type { DecodeProblem, HttpMessage } from '../../../shared/protocol-types'
import { CR, LF, latin1 } from './bytes'
import type { Framing } from './body-framing'
import { NOTHING_MORE } from '../stream-decoder'
import { chunkDataEnd, chunkSizeLine, growChunk, openChunk } from './chunked-coding'
import { findBlankLine, firstLineChecked, notAStart } from './head-boundary'
import { messageOf, parseHead, parseHeaderLines, type HeaderNames, type MessageKind } from './head-parser'
import { TimedByteQueue, type TimedPiece } from './timed-queue'

/** A head (or a trailer section, or a chunk-size line) longer than this is a problem, not a reason to buffer more. */
export const MAX_HEAD_BYTES = 64 * 1024
/** Bytes a paused direction (a request awaiting the answer to its Upgrade or CONNECT) may hold. */
const MAX_PAUSED_BYTES = 4 * MAX_HEAD_BYTES
/** What `data` is between pushes (one for all: run() is called per push). */
const EMPTY = new Uint8Array(0)

export interface ReaderHooks {
  /** A message's head arrived: how is its body framed? */
  head(msg: HttpMessage): Framing
  /** Its body grew. */
  progress(msg: HttpMessage): void
  /** It is whole. The hook may pause or detach the reader. */
  complete(msg: HttpMessage): void
  problem(problem: DecodeProblem): void
  /** The reader will read nothing more (ended, stopped at a problem). */
  finished(): void
}

type State = 'start' | 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' | 'paused' | 'detached' | 'stopped' | 'ended'

export class MessageReader {
  private state: State = 'start'
  /** The stream offset just past the last byte received. */
  private received: number
  private readonly queue = new TimedByteQueue()
  // Times start as NaN, a double, as every time they take is one: a field first given 0 (a
  // small integer) changes its object's layout when the first double comes, and V8 throws
  // away the code made for the old one. The end time's came at a connection's end, late in
  // a file, and the reader's code was compiled again on each decode worker.
  /** Where the push being read starts, and its time. */
  private nowOffset = 0
  private nowTime = NaN
  private ended = false
  private endTime = NaN

  private msg: HttpMessage | undefined
  private msgStart = 0
  private msgTime = NaN
  /** Where the search for the end of a head (or trailer section) resumes. */
  private scan = 0
  /** The search resumes at the start of a line (a trailer section may be empty). */
  private scanAtLineStart = false
  private firstLineChecked = false
  private remaining = 0
  private trailerStart = 0

  // The bytes being read by run(): `data[i]` is at stream offset `base + i`.
  private data: Uint8Array = EMPTY
  private i = 0
  private base = 0

  constructor(
    readonly dir: Direction,
    private readonly kind: MessageKind,
    private readonly hooks: ReaderHooks,
    start = 0,
    /** Only these headers are kept of each head (all without it). */
    private readonly keep?: HeaderNames
  ) {
    this.received = start
  }

  /** No more messages will come from this reader. */
  get finished(): boolean {
    return this.state === 'stopped' || this.state === 'ended' || this.state === 'detached'
  }

  /** It stopped at a problem: what follows in its stream cannot be placed. */
  get stopped(): boolean {
    return this.state === 'stopped'
  }

  /** The message being read, if any. */
  get current(): HttpMessage | undefined {
    return this.msg
  }

  /** The direction's end came (possibly while paused, or after detaching). */
  get hasEnded(): boolean {
    return this.ended
  }

  get endedAt(): number {
    return this.endTime
  }

  wantFrom(): number {
    if (this.finished) return NOTHING_MORE
    if (this.queue.length === 0) {
      // One byte of a length body is kept so the message's end time is that byte's chunk's.
      if (this.state === 'length' && this.remaining > 1) return this.received + this.remaining - 1
      if (this.state === 'chunk-data') return this.received + this.remaining
    }
    return this.received
  }

  push(bytes: Uint8Array, offset: number, time: number): void {
    if (this.finished || this.ended) return
    let fresh = bytes
    if (offset < this.received) {
      if (offset + bytes.length <= this.received) return
      fresh = bytes.subarray(this.received - offset)
    } else if (offset > this.received) {
      this.setNow(this.received, time)
      if (!this.skipTo(offset)) return
    }
    if (fresh.length === 0) return
    this.setNow(this.received, time)
    this.received += fresh.length
    if (this.state === 'paused') {
      this.queue.append(fresh, this.nowOffset, time)
      if (this.queue.length > MAX_PAUSED_BYTES) {
        this.stop(this.received - this.queue.length, `more than ${MAX_PAUSED_BYTES} bytes sent before the upgrade was answered`)
      }
      return
    }
    this.run(fresh)
  }

  /** The direction will send nothing more. */
  end(time: number): void {
    if (this.ended) return
    this.ended = true
    this.endTime = time
    if (this.state !== 'paused' && this.state !== 'detached') this.finishEnd()
  }

  /** The capture kept nothing more of this direction (a gap): a problem where it begins, never an end that completes a body. */
  notKept(): void {
    if (this.state === 'stopped' || this.state === 'ended' || this.state === 'detached') return
    this.stop(this.received, 'the capture did not keep what was sent from here on (the disk was slower than the traffic)')
  }

  /** Holds what comes next (until resume or detach): the request before it asked to switch protocols, whose answer decides what the rest is. */
  pause(): void {
    if (this.state === 'start') this.state = 'paused'
  }

  resume(): void {
    if (this.state !== 'paused') return
    this.state = 'start'
    this.nowOffset = this.received
    this.run(new Uint8Array(0))
    if (this.ended) this.finishEnd()
  }

  /** Stops reading HTTP where the reader is: the rest of the stream is another protocol's (see remainder). */
  detach(): void {
    if (this.state === 'stopped' || this.state === 'ended') return
    if (this.msg) {
      this.hooks.problem({ dir: this.dir, offset: this.received - this.queue.length, message: 'the protocol switched before this message was whole' })
      this.msg = undefined
    }
    this.state = 'detached'
  }

  /** After detach: the bytes received but not read as HTTP, as the pushes brought them (offset, time); handed over once. */
  remainder(): TimedPiece[] {
    return this.queue.takeAll()
  }

  /** Bytes received and not yet read. */
  get queued(): number {
    return this.queue.length
  }

  /** The next stream offset after what was received. */
  get position(): number {
    return this.received
  }

  private setNow(offset: number, time: number): void {
    this.nowOffset = offset
    this.nowTime = time
  }

  /** The time of the push that brought the byte at `offset`. */
  private timeAt(offset: number): number {
    if (offset >= this.nowOffset) return this.nowTime
    return this.queue.timeAt(offset) ?? this.nowTime
  }

  /** A gap in what was pushed: fine over bytes the reader said it does not need, a problem anywhere else. */
  private skipTo(offset: number): boolean {
    const gap = offset - this.received
    if (offset > this.wantFrom()) {
      this.stop(this.received, `${gap} bytes of the stream are missing`)
      return false
    }
    this.received = offset
    this.remaining -= gap
    this.grow(gap, gap)
    if (this.remaining === 0) {
      if (this.state === 'chunk-data') this.state = 'chunk-end'
      else this.completeAt(offset - 1, this.nowTime)
    }
    return true
  }

  private run(fresh: Uint8Array): void {
    const queued = this.queue.length > 0
    if (queued) this.queue.append(fresh, this.nowOffset, this.nowTime)
    this.data = queued ? this.queue.view() : fresh
    this.base = this.received - this.data.length
    this.i = 0
    while (this.step());
    const data = this.data
    const consumed = this.i
    this.data = EMPTY
    if (queued) {
      this.queue.consume(consumed)
    } else if (consumed < data.length) {
      this.queue.append(data.subarray(consumed), this.base + consumed, this.nowTime)
    }
  }

  /** One step of the state machine over data[i..]; false when it needs more bytes or must stop. */
  private step(): boolean {
    switch (this.state) {
      case 'start':
        return this.startMessage()
      case 'head':
        return this.readHead()
      case 'length':
      case 'chunk-data':
      case 'close':
        return this.readData()
      case 'chunk-size':
        return this.readChunkSize()
      case 'chunk-end':
        return this.readChunkEnd()
      case 'trailers':
        return this.readTrailers()
      default:
        return false
    }
  }

  private startMessage(): boolean {
    const data = this.data
    // Empty lines between messages are tolerated (RFC 9112 2.2).
    while (this.i < data.length && (data[this.i] === CR || data[this.i] === LF)) this.i++
    if (this.i >= data.length) return false
    // What cannot begin a start line is a problem now, not after MAX_HEAD_BYTES of buffering.
    if (this.badStart(this.i)) return false
    this.msgStart = this.scan = this.base + this.i
    this.msgTime = this.timeAt(this.msgStart)
    this.firstLineChecked = false
    this.state = 'head'
    return true
  }

  /** Stops at `i` when the bytes there (as many as have come) cannot begin a start line. */
  private badStart(i: number): boolean {
    const problem = notAStart(this.kind, this.data, i)
    if (problem === undefined) return false
    this.stop(this.base + i, problem)
    return true
  }

  private readHead(): boolean {
    const data = this.data
    const from = this.msgStart - this.base
    const found = findBlankLine(data, this.scan - this.base, false)
    if (found < 0) {
      if (!this.firstLineChecked) {
        // A start line that is not one is a problem as soon as it is whole, not when the head is.
        if (this.badStart(from)) return false
        const checked = firstLineChecked(this.kind, data, from)
        if (typeof checked === 'string') {
          this.stop(this.msgStart, checked)
          return false
        }
        this.firstLineChecked = checked
      }
      this.scan = this.base + -found - 1
      if (this.base + data.length - this.msgStart > MAX_HEAD_BYTES) this.stop(this.msgStart, `a head longer than ${MAX_HEAD_BYTES} bytes`)
      return false
    }
    if (!this.firstLineChecked && this.badStart(from)) return false
    // Checked here too, so a long head is refused whether it came whole or in pieces.
    if (found - from > MAX_HEAD_BYTES) {
      this.stop(this.msgStart, `a head longer than ${MAX_HEAD_BYTES} bytes`)
      return false
    }
    const head = parseHead(latin1(data, from, found), this.msgStart, this.dir, this.kind, this.keep)
    if (typeof head === 'string') {
      this.stop(this.msgStart, head)
      return false
    }
    const bodyAt = this.base + found
    const msg = messageOf(head, this.dir, this.msgStart, bodyAt, this.msgTime)
    for (const p of head.problems) this.hooks.problem(p)
    this.i = found
    this.msg = msg
    const framing = this.hooks.head(msg)
    if ('problem' in framing) {
      this.stop(bodyAt, framing.problem)
      return false
    }
    msg.body.framing = framing.kind === 'length' ? 'length' : framing.kind
    if (framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0)) {
      this.completeAt(bodyAt - 1, this.timeAt(bodyAt - 1))
      return true
    }
    if (framing.kind === 'length') this.remaining = framing.length
    if (framing.kind === 'chunked') msg.body.chunks = []
    this.state = framing.kind === 'chunked' ? 'chunk-size' : framing.kind
    return true
  }

  /** Body bytes read as they are: a length body, a chunk's data, a body to the close. */
  private readData(): boolean {
    const avail = this.data.length - this.i
    const n = this.state === 'close' ? avail : Math.min(this.remaining, avail)
    if (n === 0) return false
    this.i += n
    this.remaining -= n
    this.grow(n, n)
    if (this.state === 'close' || this.remaining > 0) return this.i < this.data.length
    if (this.state === 'chunk-data') this.state = 'chunk-end'
    else this.completeAt(this.base + this.i - 1, this.nowTime)
    return true
  }

  private readChunkSize(): boolean {
    const line = chunkSizeLine(this.data, this.i, MAX_HEAD_BYTES)
    if (line === undefined) return false
    if ('problem' in line) {
      this.stop(this.base + this.i, line.problem)
      return false
    }
    const lineLength = line.end - this.i
    this.i = line.end
    this.grow(lineLength, 0)
    if (line.size === 0) {
      this.trailerStart = this.scan = this.base + this.i
      this.scanAtLineStart = true
      this.state = 'trailers'
      return true
    }
    this.remaining = line.size
    openChunk(this.msg!.body, this.dir, this.base + this.i)
    this.state = 'chunk-data'
    return true
  }

  private readChunkEnd(): boolean {
    const crlf = chunkDataEnd(this.data, this.i)
    if (crlf === 0) return false
    if (crlf < 0) {
      this.stop(this.base + this.i, 'chunk data not followed by CRLF')
      return false
    }
    this.i += crlf
    this.grow(crlf, 0)
    this.state = 'chunk-size'
    return true
  }

  private readTrailers(): boolean {
    const data = this.data
    const from = this.trailerStart - this.base
    const resumeFrom = this.scan - this.base
    const found = findBlankLine(data, resumeFrom, this.scanAtLineStart)
    if (found < 0) {
      this.scanAtLineStart &&= -found - 1 === resumeFrom
      this.scan = this.base + -found - 1
      if (this.base + data.length - this.trailerStart > MAX_HEAD_BYTES) this.stop(this.trailerStart, `a trailer section longer than ${MAX_HEAD_BYTES} bytes`)
      return false
    }
    if (found - from > MAX_HEAD_BYTES) {
      this.stop(this.trailerStart, `a trailer section longer than ${MAX_HEAD_BYTES} bytes`)
      return false
    }
    const body = this.msg!.body
    if (found - from > 2 || (found - from === 2 && data[from] !== CR)) {
      const { headers, problems } = parseHeaderLines(latin1(data, from, found), 0, this.trailerStart, this.dir, this.keep)
      for (const p of problems) this.hooks.problem(p)
      body.trailers = headers
    }
    this.i = found
    this.grow(found - from, 0)
    this.completeAt(this.base + found - 1, this.nowTime)
    return true
  }

  /** The current body took `wire` more bytes of the stream, `content` of them its content. */
  private grow(wire: number, content: number): void {
    const msg = this.msg
    if (!msg || wire === 0) return
    const body = msg.body
    body.range = { dir: this.dir, offset: body.range.offset, length: body.range.length + wire }
    body.size += content
    if (this.state === 'chunk-data' && content > 0) growChunk(body, this.dir, content)
    this.hooks.progress(msg)
  }

  private completeAt(lastOffset: number, time: number): void {
    const msg = this.msg!
    msg.body.complete = true
    msg.endedAt = lastOffset >= this.nowOffset ? time : this.timeAt(lastOffset)
    this.msg = undefined
    this.state = 'start'
    this.hooks.complete(msg)
  }

  private finishEnd(): void {
    if (this.finished) return
    if (this.state === 'close' && this.msg) {
      this.completeAt(this.received, this.endTime)
    } else if (this.state !== 'start' && this.state !== 'paused') {
      const what = this.state === 'head' ? 'head' : this.state === 'trailers' ? 'trailer section' : 'body'
      this.hooks.problem({ dir: this.dir, offset: this.received, message: `the stream ended inside a message's ${what}` })
    }
    this.msg = undefined
    this.state = 'ended'
    this.queue.clear()
    this.hooks.finished()
  }

  private stop(offset: number, message: string): void {
    this.hooks.problem({ dir: this.dir, offset, message })
    this.msg = undefined
    this.state = 'stopped'
    this.queue.clear()
    this.hooks.finished()
  }
}
