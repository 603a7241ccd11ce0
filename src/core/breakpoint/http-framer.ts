// Where HTTP/1.x messages begin and end in one direction of a connection, as its bytes pass,
// so an HTTP breakpoint can hold a whole message and let everything else through at once.
// It finds heads with the decoders' own functions (protocols/http1) and frames bodies as
// RFC 9112 does (Content-Length, chunked, until the close for a response), a response after
// a HEAD, 1xx, 204 or 304 having none. Heads are bounded (MAX_HEAD); a body it keeps to hold
// is bounded too (MAX_HELD_MESSAGE: past it, it is let through as it comes).
//
// It may start in the middle of a connection (a rule added while it was open): it takes the
// first chunk that begins like a start line as a message's start, and until then, or after
// anything it cannot frame (a bad head, a 101 upgrade, a CONNECT tunnel), passes bytes as
// they come. Keep-alive clients send each request in a read of its own, so this finds the
// next message in practice; a pipelined burst cut mid-message is let through untouched.

import { MAX_HELD_MESSAGE } from '../../shared/break-types'
import type { Direction } from '../../shared/direction'
import { requestFraming, responseFraming, type Framing } from '../protocols/http1/body-framing'
import { findBlankLine, notAStart } from '../protocols/http1/head-boundary'
import { headerValues, parseHead, type MessageKind } from '../protocols/http1/head-parser'
import type { MessageHead } from './break-match'

/** Longest head framed; a longer one is let through and framing stops until the next message. */
const MAX_HEAD = 64 * 1024
/** Longest chunk-size or trailer line. */
const MAX_LINE = 8 * 1024
/** Request methods a response direction remembers, in order (pipelining beyond this is let through). */
const MAX_PENDING_METHODS = 1024

/** What both directions of a connection share: the methods asked, and whether it left HTTP. */
export class HttpConversation {
  readonly methods: string[] = []
  /** A 101 or a CONNECT tunnel: what follows is not HTTP/1. */
  over = false
}

/** What one feed gave: bytes to send on as they are, and maybe a whole message to hold, with what came after it. */
export interface Framed {
  pass: Buffer[]
  message?: { bytes: Buffer; head: MessageHead; summary: string }
  /** A message was too big to hold: let through as it came (its head's summary). */
  tooBig?: { summary: string; size: number }
  /** Bytes after the held message: the next feed's, once it is released. */
  rest?: Buffer
  /** With `stopAtEnd`: a message (held or not) ended, and `rest` is what came after it. */
  ended?: boolean
}

type State = 'start' | 'head' | 'body' | 'off'

export class HttpFramer {
  private state: State = 'start'
  private readonly kind: MessageKind
  /** The head (or, collecting, the whole message) so far. */
  private parts: Buffer[] = []
  private partsLength = 0
  private body: BodyEnd | undefined
  /** Keeping this message (to hold it) rather than letting it through. */
  private collecting = false
  private head: MessageHead | undefined
  /** The status line's reason, for the summary (made only when a message is held or too big). */
  private reason = ''
  private leaves = false

  constructor(
    dir: Direction,
    private readonly conv: HttpConversation,
    /** Whether a rule holds this message. */
    private readonly wanted: (head: MessageHead) => boolean,
    /** Return at the end of every message, held or not (a stage that answers in order needs each boundary). */
    private readonly stopAtEnd = false
  ) {
    this.kind = dir === 'client' ? 'request' : 'response'
  }

  /** Between messages: what comes next starts a message (or is not HTTP). */
  get between(): boolean {
    return this.state === 'start' || this.state === 'off'
  }

  /** Framing stopped for good: the rest passes untouched. */
  get passing(): boolean {
    return this.state === 'off' && this.conv.over
  }

  feed(chunk: Buffer): Framed {
    const out: Framed = { pass: [] }
    // Off: a new read may begin a message again (not once the connection left HTTP).
    if (this.state === 'off' && !this.conv.over && notAStart(this.kind, chunk, 0) === undefined && chunk.length > 0) this.state = 'start'
    let at = 0
    while (at < chunk.length) {
      if (this.state === 'off') {
        out.pass.push(at === 0 ? chunk : chunk.subarray(at))
        return out
      }
      if (this.state === 'start') {
        if (notAStart(this.kind, chunk, at) !== undefined) {
          this.state = 'off'
          continue
        }
        this.state = 'head'
      }
      at = this.state === 'head' ? this.takeHead(chunk, at, out) : this.takeBody(chunk, at, out)
      if (out.message !== undefined || out.ended === true) {
        if (at < chunk.length) out.rest = chunk.subarray(at)
        return out
      }
    }
    return out
  }

  /** The sender's FIN: a message that ends with the close is whole now; a cut one is let through. */
  finish(): Framed {
    const out: Framed = { pass: [] }
    if (this.state === 'body' && this.collecting && this.body?.untilClose === true) {
      out.message = { bytes: Buffer.concat(this.parts, this.partsLength), head: this.head!, summary: this.summary() }
    } else if (this.partsLength > 0) out.pass.push(Buffer.concat(this.parts, this.partsLength))
    this.reset('off')
    return out
  }

  private takeHead(chunk: Buffer, at: number, out: Framed): number {
    const prior = this.partsLength
    // The usual case, a head that came whole in one read, is cut from the chunk as it is.
    const inChunk = prior === 0 ? findBlankLine(chunk, at, true) : -1
    let headBytes: Buffer
    let used: number
    if (inChunk >= 0) {
      headBytes = chunk.subarray(at, inChunk)
      used = inChunk
    } else {
      this.keep(chunk.subarray(at))
      const whole = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.partsLength)
      this.parts = [whole]
      const end = findBlankLine(whole, 0, true)
      if (end < 0) {
        if (whole.length > MAX_HEAD) this.giveUp(out)
        return chunk.length
      }
      used = at + (end - prior)
      headBytes = whole.subarray(0, end)
    }
    this.parts = [headBytes]
    this.partsLength = headBytes.length
    const parsed = parseHead(headBytes.toString('latin1'), 0, this.kind === 'request' ? 'client' : 'server', this.kind)
    if (typeof parsed === 'string') {
      this.giveUp(out)
      return used
    }
    let framing: Framing
    if (this.kind === 'request') {
      const method = parsed.method!.toUpperCase()
      if (this.conv.methods.length < MAX_PENDING_METHODS) this.conv.methods.push(method)
      framing = requestFraming(parsed.headers)
      this.head = { method: parsed.method, target: parsed.target, host: headerValues(parsed.headers, 'host')[0], headers: parsed.headers }
    } else {
      const status = parsed.status!
      // A 1xx other than 101 is followed by the real answer to the same request.
      const method = status >= 100 && status < 200 && status !== 101 ? this.conv.methods[0] : this.conv.methods.shift()
      framing = responseFraming(status, parsed.headers, method)
      this.head = { status, headers: parsed.headers }
      this.reason = parsed.reason ?? ''
      if (status === 101 || (method === 'CONNECT' && status >= 200 && status < 300)) this.leaves = true
    }
    if ('problem' in framing) {
      this.giveUp(out)
      return used
    }
    this.body = new BodyEnd(framing)
    this.collecting = this.wanted(this.head)
    if (!this.collecting) {
      out.pass.push(headBytes)
      this.parts = []
      this.partsLength = 0
    }
    this.state = 'body'
    // A message with no body is whole with its head.
    return this.body.empty ? this.takeBody(chunk, used, out) : used
  }

  private takeBody(chunk: Buffer, at: number, out: Framed): number {
    const end = this.body!.advance(chunk, at)
    const stop = end < 0 ? chunk.length : end
    const piece = chunk.subarray(at, stop)
    if (this.collecting) {
      this.keep(piece)
      if (this.partsLength > MAX_HELD_MESSAGE) {
        out.tooBig = { summary: this.summary(), size: this.partsLength }
        out.pass.push(Buffer.concat(this.parts, this.partsLength))
        this.parts = []
        this.partsLength = 0
        this.collecting = false
      }
    } else if (piece.length > 0) out.pass.push(piece)
    if (end === -2) {
      this.giveUp(out)
      return stop
    }
    if (end < 0) return stop
    if (this.collecting) out.message = { bytes: Buffer.concat(this.parts, this.partsLength), head: this.head!, summary: this.summary() }
    if (this.stopAtEnd) out.ended = true
    if (this.leaves) this.conv.over = true
    this.reset(this.leaves ? 'off' : 'start')
    return stop
  }

  /** The held message's start line in short (its request line, or status and reason). */
  private summary(): string {
    const head = this.head!
    const text = head.status === undefined ? `${head.method} ${head.target}` : `${head.status} ${this.reason}`.trim()
    return text.length > 120 ? `${text.slice(0, 119)}…` : text
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0) return
    this.parts.push(bytes)
    this.partsLength += bytes.length
  }

  /** Cannot frame what came: let it through, and look again at the next read. */
  private giveUp(out: Framed): void {
    if (this.partsLength > 0) out.pass.push(Buffer.concat(this.parts, this.partsLength))
    this.reset('off')
  }

  private reset(state: State): void {
    this.state = state
    this.parts = []
    this.partsLength = 0
    this.body = undefined
    this.collecting = false
    this.head = undefined
    this.leaves = false
  }
}

const LF = 0x0a
const CR = 0x0d

/** Where a body ends, fed its bytes as they come. */
class BodyEnd {
  readonly untilClose: boolean
  /** No body at all: the message ends with its head. */
  readonly empty: boolean
  private remaining: number
  private chunked: 'size' | 'data' | 'data-end' | 'trailer' | undefined
  private line = 0
  private sizeText = ''

  constructor(framing: Exclude<Framing, { problem: string }>) {
    this.untilClose = framing.kind === 'close'
    this.remaining = framing.kind === 'length' ? framing.length : 0
    this.chunked = framing.kind === 'chunked' ? 'size' : undefined
    this.empty = framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0)
  }

  /** Index just past the body's end in `data` (from `at`), -1 if it goes on past `data`, -2 for a framing it cannot follow. */
  advance(data: Buffer, at: number): number {
    if (this.untilClose) return -1
    if (this.chunked === undefined) {
      const take = Math.min(this.remaining, data.length - at)
      this.remaining -= take
      return this.remaining === 0 ? at + take : -1
    }
    let i = at
    while (i < data.length) {
      switch (this.chunked) {
        case 'size': {
          const b = data[i++]
          if (b === LF) {
            const size = parseInt(this.sizeText.split(';')[0].trim(), 16)
            if (!/^\s*[0-9a-f]+/i.test(this.sizeText) || !Number.isSafeInteger(size)) return -2
            this.sizeText = ''
            this.line = 0
            if (size === 0) this.chunked = 'trailer'
            else {
              this.remaining = size
              this.chunked = 'data'
            }
          } else {
            if (b !== CR) this.sizeText += String.fromCharCode(b)
            if (++this.line > MAX_LINE) return -2
          }
          break
        }
        case 'data': {
          const take = Math.min(this.remaining, data.length - i)
          this.remaining -= take
          i += take
          if (this.remaining === 0) this.chunked = 'data-end'
          break
        }
        case 'data-end': {
          const b = data[i++]
          if (b === LF) this.chunked = 'size'
          else if (b !== CR) return -2
          break
        }
        case 'trailer': {
          // Trailer lines until an empty one; `line` counts the bytes of the current line.
          const b = data[i++]
          if (b === LF) {
            if (this.line === 0) return i
            this.line = 0
          } else if (b !== CR && ++this.line > MAX_LINE) return -2
          break
        }
      }
    }
    return -1
  }
}
