// A forward step on an HTTP/2 stream: the request goes to the step's destination instead of
// the target (h2-forward-client.ts reaches it and records that connection), and the answer
// comes back on the client's stream as an answer made here (h2-response-leg.ts): status,
// headers, body cut to the client's frame size and windows, then trailers (gRPC's
// grpc-status and grpc-message come after the DATA).
//
// The target never gets the stream: it is handled as a respond step's (its id skipped, its
// header block counted for HPACK), at once, so the streams after it go on while the
// destination answers. The request is held whole first (needsBody in h2-request-leg.ts), a
// streaming call's too: a forward sends one whole request, bounded by the hold limit (one
// over it goes to the target as it came, and the record says so). `host: 'rewrite'` sets
// :authority (and a `host` field) to the destination; by default they stay as the client
// sent them.
//
// A forward that fails (refused, timed out, a bad answer, an answer over the hold limit, or
// more than MAX_GOING of the connection's forwards waiting at once) answers the stream 502
// with the reason, or, for a gRPC call, trailers-only with grpc-status 14 (UNAVAILABLE) and
// the reason as grpc-message. Either way one `rule` record (action `forward`) says what the
// client got, and keeps the frames it got. A stream the client resets meanwhile, or a
// connection that closes, cancels its forward. The connection's end toward the client waits
// for the forwards still going (h2-response-leg.ts), so a client that ended its side first
// still gets their answers.

import type { EditableRequest } from '../../../shared/http-request-edit'
import type { Forward } from '../../../shared/rules/rule-types'
import { T_HEADERS } from '../../protocols/http2/frame-reader'
import { recordRule } from '../rule-record'
import { forwardHost } from '../rule-forward'
import type { RuleEntry } from '../rule-set'
import { insteadOfTarget, type TrafficDeps } from '../traffic-deps'
import type { Held } from './h2-leg'
import { Http1Only } from './h2-forward-client'
import { cannotReach, fieldsOf, isGrpc, type Answer } from './h2-message'
import type { RequestLeg } from './h2-request-leg'
import type { ResponseLeg } from './h2-response-leg'

/** What a forward asks of its connection. */
export interface ForwardHost {
  readonly deps: TrafficDeps
  readonly closed: boolean
  readonly request: RequestLeg
  readonly response: ResponseLeg
  /** Client streams the target never got. */
  readonly local: { add(stream: number): void }
  flush(): void
}

/** Forwards one connection may have waiting at once (each has a connection of its own); past it a stream is answered as a failed forward. */
const MAX_GOING = 100

export class StreamForwards {
  /** Forwards waiting for their destination's answer, by the client's stream. */
  private readonly going = new Map<number, AbortController>()
  private readonly http1 = new Http1Only()

  constructor(private readonly host: ForwardHost) {}

  /** The client reset `stream`: its forward, if one waits, is cancelled. */
  reset(stream: number): void {
    this.going.get(stream)?.abort()
  }

  /** Whether a forward waits for its destination's answer (the client's FIN waits for it). */
  get waiting(): boolean {
    return this.going.size > 0
  }

  /** The connection is over: every forward is cancelled. */
  endAll(): void {
    for (const c of this.going.values()) c.abort()
    this.going.clear()
  }

  /** Sends the held request (as the rule's steps left it: `request`) to `f.to`, and answers its stream with what comes back. */
  async forward(held: Held, request: EditableRequest, f: Forward, entry: RuleEntry, at: { offset: number; size: number; summary: string }): Promise<void> {
    const { deps, request: leg, response } = this.host
    const send = deps.forwardH2
    if (send === undefined) return
    const s = held.stream
    const fields = fieldsOf(held.head.decoded.fields, request)
    if (f.host === 'rewrite') for (const field of fields) if (field.name === ':authority' || field.name === 'host') field.value = forwardHost(f.to)
    const trailers = held.parts.flatMap((p) => ('block' in p && p.block.type === T_HEADERS ? p.block.decoded.fields.map((x) => ({ name: x.name, value: x.value })) : []))
    const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength)
    // The target never gets the stream; the streams after it go on meanwhile.
    this.host.local.add(s)
    leg.swallowHeld(held)
    this.host.flush()
    const ctl = new AbortController()
    this.going.set(s, ctl)
    let answer: Answer
    let message: string
    try {
      if (this.going.size > MAX_GOING) throw new Error(`${MAX_GOING} forwards of this connection are waiting already; try again once they are answered`)
      const reply = await send(f.to, { fields, body, trailers }, ctl.signal, this.http1)
      answer = reply.answer
      message = `sent ${at.summary} to ${f.to}${insteadOfTarget(deps)} (${reply.protocol === 'h2' ? 'HTTP/2' : 'HTTP/1.1'}): answered ${answer.status} on stream ${s}`
    } catch (err) {
      const why = `${f.to}: ${((err as Error).message ?? String(err)).split('\n')[0]}`
      answer = cannotReach(isGrpc(fields), why, request.method)
      message = `could not forward ${at.summary} to ${f.to}: ${why}; answered ${answer.status} on stream ${s}`
    } finally {
      this.going.delete(s)
    }
    if (this.host.closed) return
    if (ctl.signal.aborted) recordRule(leg.port, entry, 'forward', `sent ${at.summary} to ${f.to}${insteadOfTarget(deps)}: the client reset stream ${s} before the answer came`, at)
    else recordRule(leg.port, entry, 'forward', message, at, response.answer(s, answer, false))
    // An end that waited for this answer may go once it is sent.
    response.windowOpened()
  }
}
