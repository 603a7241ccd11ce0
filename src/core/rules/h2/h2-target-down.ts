// The HTTP/2 rule stages of a proxied connection (h2-rule-pair.ts), wired to the target, and
// to tcpscope's own HTTP/2 server (h2-own-target.ts) should the target turn out to be down
// (ProxyConnection.targetFailed asks the target direction's stage, `targetDown`).
//
// Once it is down the connection goes on as `serve --rules` does: the own server is the
// stages' target (its SETTINGS, PING answers, windows given back, GOAWAY when the client ends),
// the rules answer, reset, drop and forward what they match as they would on a proxy, and a
// request no rule or script answers gets a 502 on its stream naming the destination and why
// (the `why` of targetDown, which names it), or for a gRPC call trailers-only UNAVAILABLE
// with that as its grpc-message (h2-message.ts cannotReach). Each such answer is a `rule`
// record on the request (no rule's: `rule` empty, `label` tcpscope, action `respond`, since
// the target never got it) keeping the frames the client got.
//
// The failure may come after the client spoke (a target proxy dials as it accepts, and the
// client's preface and first requests go toward the connecting socket, lost with it): what
// the stages sent toward the target is kept until the target is heard from (its first byte,
// an HTTP/2 server's SETTINGS, or its FIN), bounded by KEPT_UNTIL_HEARD, and given to the
// own server, so its HPACK table and streams are what the target's would have been; a client
// that had ended is ended there too. Past the bound nothing can answer truthfully: the client
// is reset, as without rules.

import type { StagePair, StagePort } from '../../proxy/forward-stage'
import { recordRule } from '../rule-record'
import { FRAME_HEADER } from '../../protocols/http2/frame-reader'
import { cannotReach } from './h2-message'
import { OwnWire, type OwnAnswers, type RuleStages } from './h2-own-target'

/** What the stages may send toward a target not yet heard from, kept in case it is down. */
const KEPT_UNTIL_HEARD = 1024 * 1024

/** No rule's record: tcpscope answered for a target that is down (`rule` empty; named in views as tcpscope). */
const NO_RULE = { id: '', label: 'tcpscope' }

export function targetPair(conv: RuleStages): StagePair {
  const sent = new SentToTarget()
  let wire: OwnWire | undefined
  let toClient: StagePort | undefined
  const route = (port: StagePort): StagePort => (wire !== undefined ? wire.own(port) : sent.port(port))
  const heard = (): void => {
    sent.heard()
    conv.request.heads = undefined
  }
  return {
    client: {
      open: (port) => conv.request.open(route(port)),
      data: (chunk, port) => conv.request.data(chunk, route(port)),
      fin: (port) => conv.request.fin(route(port)),
      close: () => conv.close()
    },
    server: {
      open: (port) => {
        toClient = port
        wire?.client(port)
        conv.response.open(port)
      },
      data: (chunk, port) => {
        heard()
        conv.response.data(chunk, port)
      },
      fin: (port) => {
        heard()
        conv.response.fin(port)
      },
      close: () => conv.close(),
      targetDown: (why) => {
        if (wire !== undefined) return true
        const before = sent.take()
        if (before === undefined || conv.closed) return false
        wire = new OwnWire(conv, downAnswers(conv, why))
        if (toClient !== undefined) wire.client(toClient)
        // The client's direction writes to the own server from now on.
        if (before.port !== undefined) conv.request.open(wire.own(before.port))
        if (before.bytes.length > 0) wire.target.push(before.bytes)
        if (before.ended) wire.target.finish()
        return true
      }
    }
  }
}

/** With the target down: what no rule answers gets why, and each answer is recorded on its request. */
function downAnswers(conv: RuleStages, why: string): OwnAnswers {
  return {
    answer: (method, grpc) => cannotReach(grpc, why, method),
    sent: (target, answer, sent) => {
      // The own server speaks the target's stream ids: the record, the client's.
      const stream = conv.ids.toClient(target)
      const frames = stream === target ? sent : withStream(sent, stream)
      const at = conv.request.heads?.get(stream)
      conv.request.heads?.delete(stream)
      const what = at?.summary ?? `the request on stream ${stream}`
      recordRule(conv.request.port, NO_RULE, 'respond', `answered ${what} with ${answer.status} on stream ${stream}: no rule answers it, and the target is down (${why})`, at ?? {}, frames)
    }
  }
}

/** `frames` (whole) on `stream`. */
function withStream(frames: Buffer, stream: number): Buffer {
  const out = Buffer.from(frames)
  for (let at = 0; at + FRAME_HEADER <= out.length; at += FRAME_HEADER + out.readUIntBE(at, 3)) out.writeUInt32BE(stream, at + 5)
  return out
}

/** What the client's direction sent toward the target until it is heard from. */
class SentToTarget {
  private parts: Buffer[] | undefined = []
  private size = 0
  private ended = false
  /** The last port the stages were given: the connection's, toward the target. */
  private last: StagePort | undefined
  private readonly wrapped = new WeakMap<StagePort, StagePort>()

  /** `port`, its sends and FIN kept. */
  port(port: StagePort): StagePort {
    this.last = port
    let w = this.wrapped.get(port)
    if (w === undefined) {
      w = {
        ...port,
        send: (bytes) => {
          this.keep(bytes)
          return port.send(bytes)
        },
        end: () => {
          this.ended = true
          port.end()
        }
      }
      this.wrapped.set(port, w)
    }
    return w
  }

  private keep(bytes: Buffer): void {
    if (this.parts === undefined) return
    this.size += bytes.length
    if (this.size > KEPT_UNTIL_HEARD) this.parts = undefined
    else this.parts.push(bytes)
  }

  /** The target answered: it is up, and nothing need be kept. */
  heard(): void {
    this.parts = undefined
  }

  /** What was sent, for the own server; undefined when it was not all kept. */
  take(): { bytes: Buffer; ended: boolean; port: StagePort | undefined } | undefined {
    const parts = this.parts
    this.parts = undefined
    return parts === undefined ? undefined : { bytes: Buffer.concat(parts), ended: this.ended, port: this.last }
  }
}
