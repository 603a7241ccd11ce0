// What every protocol's traffic-rule stages are given (traffic-pair.ts picks the stages; each
// protocol's pair takes these), apart from the switch so that no pair imports it back.

import type { FrameSpec } from '../../shared/message-types'
import type { ScriptHost } from './script/script-host'
import type { ConnFacts } from './rule-match'
import type { RuleSet } from './rule-set'
import type { H2Forwarded, H2ForwardReply, Http1Only } from './h2/h2-forward-client'

/** What every protocol's rule stages are given. */
export interface TrafficDeps {
  rules: RuleSet
  /** The connection's id in the capture (a script's `connId`). */
  connId: number
  /** The connection's facts (client, target, SNI, ALPN). */
  conn(): ConnFacts
  /** Where a respond step's relative `file` is read from. */
  baseDir?: string
  /** Sends an HTTP/1 request elsewhere (a forward step) and resolves with its whole response. */
  forward?(to: string, request: Buffer, method: string): Promise<Buffer>
  /** Sends an HTTP/2 stream's request elsewhere (a forward step) and resolves with its whole answer (h2/h2-forward-client.ts). */
  forwardH2?(to: string, request: H2Forwarded, signal: AbortSignal, http1: Http1Only): Promise<H2ForwardReply>
  /** No target behind (`serve --rules`): what no rule answers is answered by tcpscope (404, or nothing for raw). */
  noTarget?: boolean
  /** How a raw connection is cut into messages when chosen (the proxy's --frame, "decode as"). */
  framing?(): FrameSpec | undefined
  /** The target's port, to recognise a protocol by it. */
  port?(): number | undefined
  /** The user's script, when one is loaded. */
  script?: ScriptHost
}

/**
 * What a rule's record says after an answer, a drop or a reset given in the target's place:
 * that the target never got the request, after `note` (a stream, a reset's code). A server
 * session (`noTarget`) answers for itself, with no target to say so of: only the note stays.
 */
export function inTargetsPlace(deps: Pick<TrafficDeps, 'noTarget'>, note?: string): string {
  const parts = [note, deps.noTarget === true ? undefined : 'not sent to the target'].filter((p) => p !== undefined)
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`
}

/** What a forward's record says after its destination: that it went there instead of the target, which a server session (`noTarget`) does not have. */
export function insteadOfTarget(deps: Pick<TrafficDeps, 'noTarget'>): string {
  return deps.noTarget === true ? '' : ' instead of the target'
}
