// tcpscope's own HTTP/2 server, the rule stages' target when there is none: `serve --rules`
// (no target behind) and a proxy whose target is down (h2-target-down.ts). The rule stages run
// as they do on a proxy (h2-rule-pair.ts): what they answer, reset, drop or forward is theirs,
// and what they would send on to a target comes here, to a small HTTP/2 server that answers
// every request it gets with one answer (`OwnAnswers`: `404 Not Found` for `serve`, as
// HTTP/1's mock server does; a 502 saying why for a target that is down), and whose frames go
// back through the target's direction of the stages to the client, so the client's header
// table and windows are kept by the one code that keeps them for a proxy.
//
// As a server it sends its SETTINGS once the client's preface has come, acknowledges the
// client's SETTINGS, answers PINGs, gives back the window of every DATA it reads (on the
// connection, and on the stream while the request is still coming), and says GOAWAY (the
// client's highest stream, NO_ERROR) when the client ends the connection (unless the client
// said GOAWAY first). Its header blocks
// start with a dynamic table size update to 0 and are literals (h2-frames.ts literalBlock):
// they neither use nor change the client's table, whatever SETTINGS_HEADER_TABLE_SIZE says.
// A frame it cannot read (or a header block it cannot decode) is a connection error: GOAWAY
// PROTOCOL_ERROR (or COMPRESSION_ERROR) and the end.
//
// OwnWire (below) wires the stages to it: the client's direction writes to it, and its frames
// come back through the target's direction a turn later.
//
// What it answers is not flow-controlled here: its answers are small, and the target's
// direction of the stages sends DATA only as the client's windows take it (h2-outbox.ts).

import { F_ACK, F_END_STREAM, FRAME_HEADER, T_DATA, T_GOAWAY, T_HEADERS, T_PING, T_RST_STREAM, T_SETTINGS } from '../../protocols/http2/frame-reader'
import { HpackDecoder } from '../../protocols/http2/hpack/hpack-decoder'
import { concatBytes, encodeSizeUpdate } from '../../protocols/http2/hpack/hpack-encoder'
import { H2FrameFeed, type BlockFrames, type FeedSink, type FramePart } from '../../breakpoint/h2/h2-frame-feed'
import { DEFAULT_MAX_FRAME, dataFrames, frame, headerFrames, literalBlock, windowUpdate } from '../../breakpoint/h2/h2-frames'
import { fieldValue, goaway, isGrpc, NO_ERROR, plainAnswer, type Answer } from './h2-message'
import type { StagePair, StagePort } from '../../proxy/forward-stage'
import type { RequestLeg } from './h2-request-leg'
import type { ResponseLeg } from './h2-response-leg'
import type { StreamIds } from './h2-stream-ids'

/** The rule stages of one connection (h2-rule-pair.ts), as ownTargetPair drives them. */
export interface RuleStages {
  readonly request: RequestLeg
  readonly response: ResponseLeg
  /** What the own server gets is in the target's stream ids. */
  readonly ids: StreamIds
  readonly closed: boolean
  close(): void
}

/** RFC 9113 section 7. */
const PROTOCOL_ERROR = 0x1
const COMPRESSION_ERROR = 0x9

const NOT_FOUND_BODY = Buffer.from('no rule answers this request.\r\n')

/** What the own server answers each request it gets (no rule answered it) with, and who hears of it. */
export interface OwnAnswers {
  /** The answer to a request of `method` (`grpc`: a gRPC call). */
  answer(method: string, grpc: boolean): Answer
  /** It was sent on `stream`: its frames, as the stages pass them on. */
  sent?(stream: number, answer: Answer, frames: Buffer): void
}

/** `serve --rules`: what no rule answers is not found. */
export const NOT_FOUND: OwnAnswers = { answer: (method) => plainAnswer(404, [{ name: 'content-type', value: 'text/plain' }], NOT_FOUND_BODY, method) }

export class OwnTarget implements FeedSink {
  private readonly feed = new H2FrameFeed('client', this)
  /** The client's blocks as the stages send them on (re-encoded where they must be: the stages keep this table right). */
  private readonly hpack = new HpackDecoder()
  private fed = 0
  private started = false
  private over = false
  /** The client sent GOAWAY. */
  private clientWent = false
  private lastStream = 0
  /** Streams whose request is still coming: its method, and whether it is a gRPC call. */
  private readonly open = new Map<number, { method: string; grpc: boolean }>()

  constructor(
    private readonly answers: OwnAnswers,
    /** Bytes from this server, for the client (through the target's direction of the stages). */
    private readonly send: (bytes: Buffer) => void,
    /** It has said all it will: its FIN. */
    private readonly end: () => void,
    /** The client's highest stream, the ones the stages answered themselves counted (a GOAWAY names it). */
    private readonly clientsLast: () => number = () => 0
  ) {}

  /** What the stages send on toward the target. */
  push(chunk: Buffer): void {
    if (this.over) return
    const at = this.fed
    this.fed += chunk.length
    this.feed.push(chunk, at)
    if (this.feed.stopped) this.fail(PROTOCOL_ERROR)
  }

  /**
   * The client ended its side: GOAWAY, then this side ends too. A client that said GOAWAY
   * itself before its FIN has closed the connection (curl closes its socket outright): a
   * GOAWAY back would only meet its reset.
   */
  finish(): void {
    if (this.over) return
    this.over = true
    this.start()
    if (!this.clientWent) this.send(goaway(Math.max(this.lastStream, this.clientsLast()), NO_ERROR))
    this.end()
  }

  private fail(code: number): void {
    if (this.over) return
    this.over = true
    this.start()
    this.send(goaway(Math.max(this.lastStream, this.clientsLast()), code))
    this.end()
  }

  /** Its SETTINGS (none changed from their defaults), first of all it sends. */
  private start(): void {
    if (this.started) return
    this.started = true
    this.send(frame(T_SETTINGS, 0, 0, new Uint8Array(0)))
  }

  // ---- FeedSink

  /** The client's preface (what a stop lets through is never read). */
  pass(): void {
    this.start()
  }

  observed(p: FramePart): void {
    this.frame(p)
  }

  frame(p: FramePart): void {
    if (this.over) return
    this.start()
    const payload = p.frame.subarray(FRAME_HEADER)
    switch (p.type) {
      case T_SETTINGS:
        if ((p.flags & F_ACK) === 0) this.send(frame(T_SETTINGS, F_ACK, 0, new Uint8Array(0)))
        return
      case T_PING:
        if ((p.flags & F_ACK) === 0 && payload.length === 8) this.send(frame(T_PING, F_ACK, 0, payload))
        return
      case T_DATA: {
        const end = (p.flags & F_END_STREAM) !== 0
        const flow = p.flowLength ?? 0
        if (flow > 0) {
          this.send(windowUpdate(0, flow))
          if (!end && this.open.has(p.stream)) this.send(windowUpdate(p.stream, flow))
        }
        if (end) this.answer(p.stream)
        return
      }
      case T_RST_STREAM:
        this.open.delete(p.stream)
        return
      case T_GOAWAY:
        this.clientWent = true
        return
      default:
      // WINDOW_UPDATE, PRIORITY and frames of unknown types: nothing to answer.
    }
  }

  block(g: BlockFrames): void {
    if (this.over) return
    this.start()
    const decoded = this.hpack.decode(g.fragment)
    if (decoded.error !== undefined) return this.fail(COMPRESSION_ERROR)
    const f = g.first
    // A client never pushes.
    if (f.type !== T_HEADERS) return this.fail(PROTOCOL_ERROR)
    const s = f.stream
    if (!this.open.has(s) && s > this.lastStream) {
      this.lastStream = s
      this.open.set(s, { method: fieldValue(decoded.fields, ':method') ?? 'GET', grpc: isGrpc(decoded.fields) })
    }
    if ((f.flags & F_END_STREAM) !== 0) this.answer(s)
  }

  /** A request has come whole: its answer. */
  private answer(stream: number): void {
    const req = this.open.get(stream)
    if (req === undefined) return
    this.open.delete(stream)
    const a = this.answers.answer(req.method, req.grpc)
    const block = concatBytes([encodeSizeUpdate(0), literalBlock(a.fields)])
    const endOnHead = a.body.length === 0
    const frames = [...headerFrames(T_HEADERS, stream, block, endOnHead, DEFAULT_MAX_FRAME), ...(endOnHead ? [] : dataFrames(stream, a.body, true, DEFAULT_MAX_FRAME))]
    for (const f of frames) this.send(f)
    this.answers.sent?.(stream, a, Buffer.concat(frames))
  }
}

/**
 * The own server wired to the stages (`conv`): the client's direction writes to it (`own`),
 * and its frames reach the target's direction of the stages a turn later, as a target's
 * would, never within the call that sent it what they answer; they wait for the port to the
 * client (`toClient`) if it is not known yet.
 */
export class OwnWire {
  readonly target: OwnTarget
  private toClient: StagePort | undefined
  private readonly queue: Array<Buffer | 'fin'> = []
  private scheduled = false
  private readonly wrapped = new WeakMap<StagePort, StagePort>()

  constructor(
    private readonly conv: RuleStages,
    answers: OwnAnswers
  ) {
    this.target = new OwnTarget(answers, (bytes) => this.later(bytes), () => this.later('fin'), () => (conv.ids.renumbered ? conv.ids.highest : conv.request.lastStream))
  }

  /** The target direction's port: the client, where what the own server says goes through the stages. */
  client(port: StagePort): void {
    this.toClient = port
    if (this.queue.length > 0) this.schedule()
  }

  /** The client direction's port, its sends and FIN going to the own server; the rest of it is the connection's. */
  own(port: StagePort): StagePort {
    let w = this.wrapped.get(port)
    if (w === undefined) {
      const target = this.target
      w = {
        send: (bytes) => {
          target.push(bytes)
          return true
        },
        end: () => target.finish(),
        hold: (held) => port.hold(held),
        event: (kind, info) => port.event(kind, info),
        reset: (by) => port.reset(by),
        close: () => port.close(),
        refuse: () => port.refuse(),
        fail: (err) => port.fail(err)
      }
      this.wrapped.set(port, w)
    }
    return w
  }

  private later(item: Buffer | 'fin'): void {
    this.queue.push(item)
    this.schedule()
  }

  private schedule(): void {
    if (this.scheduled || this.toClient === undefined) return
    this.scheduled = true
    queueMicrotask(() => this.deliver())
  }

  /** What it said since the last turn, as one chunk (the stages then write it to the client in one go, as a server's write would come), then its FIN. */
  private deliver(): void {
    this.scheduled = false
    const items = this.queue.splice(0)
    const bytes = items.filter((item): item is Buffer => item !== 'fin')
    const port = this.toClient
    if (port === undefined || this.conv.closed) return
    if (bytes.length > 0) this.conv.response.data(bytes.length === 1 ? bytes[0] : Buffer.concat(bytes), port)
    if (items.includes('fin') && !this.conv.closed) this.conv.response.fin(port)
  }
}

/** `serve --rules`: the stages run as on a proxy, with tcpscope's own server as their target from the start. */
export function ownTargetPair(conv: RuleStages, answers: OwnAnswers): StagePair {
  const wire = new OwnWire(conv, answers)
  return {
    client: {
      open: (port) => conv.request.open(wire.own(port)),
      data: (chunk, port) => conv.request.data(chunk, wire.own(port)),
      fin: (port) => conv.request.fin(wire.own(port)),
      close: () => conv.close()
    },
    server: {
      open: (port) => {
        wire.client(port)
        conv.response.open(port)
      },
      data: (chunk, port) => conv.response.data(chunk, port),
      fin: (port) => conv.response.fin(port),
      close: () => conv.close()
    }
  }
}
