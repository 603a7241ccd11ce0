// A forward proxy's destination that cannot be reached (the name does not resolve, nothing
// listens, the connect timed out) need not end the tunnel. When the proxy's traffic rules
// or its script can answer the client themselves, as they do for a target proxy whose target
// is down (proxy-connection.ts targetFailed), the client keeps its tunnel: the rules answer
// what they match, and what no rule answers gets a 502 naming the destination and why
// (HTTP/1: http-response-side.ts targetDown; HTTP/2 and gRPC: h2/h2-target-down.ts). So "mock /api/user while the backend is down" and
// "send api.example.test to my local build" work through the forward proxy too.
//
// This is the one place that decides it, for CONNECT, absolute-form and SOCKS5 alike
// (tunnel.ts asks from its dial's targetFailed, before the client is answered): the stages
// the tunnel would run with are made now and asked, and the tunnel runs with those very
// stages, so what decided is what answers. Without traffic rules or a script nothing takes
// over, and the client gets the proxy's refusal (502, or the SOCKS5 code) as before.

import type { RecordedConnection } from '../../capture/write/recorded-connection'
import type { ConnectFailure } from '../../net/target/connect-target'
import { stageFailure, type ForwardStages, type StagePair } from '../forward-stage'

/** The stages that answer for an unreachable destination (told why already), or undefined: the client is refused. */
export function stagesTakingOver(stages: ForwardStages | undefined, connId: number, failure: ConnectFailure, rec: RecordedConnection): StagePair | undefined {
  // A TLS failure is tcpscope's own refusal of the destination, not a destination that is down.
  if (stages === undefined || failure.tls !== undefined) return undefined
  const pair = stages(connId)
  if (pair === undefined) return undefined
  try {
    if (pair.server?.targetDown?.(failure.message) === true) return pair
  } catch (err) {
    // As a connection's stage that throws (proxy-connection.ts stageFailed): recorded, and the client refused.
    rec.event('error', 'server', stageFailure('server', err))
  }
  closePair(pair)
  return undefined
}

/** Lets go of stages that will not run (a toxic watches its registry; a breakpoint may hold a place). */
export function closePair(pair: StagePair): void {
  for (const stage of [pair.client, pair.server]) {
    try {
      stage?.close?.()
    } catch {
      // Over either way.
    }
  }
}
