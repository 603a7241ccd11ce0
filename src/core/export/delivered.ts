// What the receivers got, for HAR and curl exported `as: 'delivered'` (and, for HAR exported
// as sent, the answer tcpscope gave a request in the target's place). The capture keeps each
// side as its sender sent it; where a traffic rule or the script changed what the receiver
// got, a `rule` record on the connection, in the sender's direction, says where the message
// it acted on starts and keeps what was delivered instead (capture-format.md, "The rule
// record"). Here a connection's rule records are read once (rule-acts.ts), each is matched to
// the message it acted on by that place, what it delivered is read as a message
// (delivered-message.ts), and what that changed of the exchange is said in its entry's notes
// (delivered-changes.ts).

import type { Direction } from '../../shared/capture-types'
import type { ExportAs } from '../../shared/export-args'
import { isH2 } from '../../shared/h2-request'
import type { ExchangeState, HttpExchange, HttpMessage } from '../../shared/protocol-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { requestChanges, responseChanges, type Changes } from './delivered-changes'
import type { DeliveredMessage } from './delivered-message'
import { ruleActs, type RuleActs } from './rule-acts'

export type { ExportAs }

/** What the HAR's log comment says of each. */
export const AS_WORDS: Record<ExportAs, string> = { sent: 'what each side sent', delivered: "what the receivers got, after tcpscope's rules" }

// What the exports, the views and replay read of the delivered, from where they always read it.
export { whoActed } from './delivered-changes'
export type { DeliveredMessage } from './delivered-message'
export { ruleActs, type RuleAct, type RuleActs } from './rule-acts'

/** An exchange as its receivers got it. */
export interface DeliveredExchange {
  /** The exchange with its request and response as delivered. */
  exchange: HttpExchange
  /** The content of the messages read from rule records (the others are in the capture). */
  delivered: Map<HttpMessage, DeliveredMessage>
  /** What the entry says: which rule changed what, or why what was sent stays. */
  notes: string[]
  /** The request never reached the target. */
  local: boolean
}

const UNCHANGED = (ex: HttpExchange): DeliveredExchange => ({ exchange: ex, delivered: new Map(), notes: [], local: false })

/** DeliveredConnection.answered of a read: the request as the client sent it, with the answer it got when tcpscope answered it. */
function answeredOf(ex: HttpExchange, { delivered: d, asSent }: { delivered: DeliveredExchange; asSent: string[] }): DeliveredExchange {
  if (!d.local) return UNCHANGED(ex)
  const exchange: HttpExchange = { ...d.exchange }
  if (ex.request !== undefined) exchange.request = ex.request
  return { exchange, delivered: d.delivered, notes: asSent, local: true }
}

/** The request as the target got it (curl: one exchange, its response left alone). */
export async function requestAsDelivered(acts: RuleActs, ex: HttpExchange): Promise<Omit<DeliveredExchange, 'exchange'> & { request?: HttpMessage }> {
  const req = ex.request
  if (req === undefined) return { delivered: new Map(), notes: [], local: false }
  const changes = await requestChanges(acts, req, isH2(req))
  const delivered = new Map<HttpMessage, DeliveredMessage>()
  if (changes.request) delivered.set(changes.request.message, changes.request)
  return { delivered, notes: changes.notes, local: changes.local, ...(changes.request ? { request: changes.request.message } : {}) }
}

/**
 * One connection's exchanges as their receivers got them, taken in order. On HTTP/1 the
 * decoder already gave a request a rule answered no response (`answeredBy`), and the
 * target's responses to the requests that reached it: such a request has the answer the
 * client got instead.
 */
export class DeliveredConnection {
  private constructor(private readonly acts: RuleActs) {}

  static async open(view: CaptureView, connId: number): Promise<DeliveredConnection> {
    return new DeliveredConnection(await ruleActs(view, connId))
  }

  /** Rule records on what came after these places (a WebSocket's messages after its upgrade). */
  actsAfter(at: Record<Direction, number>): number {
    let n = 0
    for (const list of this.acts.values()) for (const a of list) if ((a.info.offset ?? 0) >= at[a.dir] && a.info.action !== 'delay' && a.info.action !== 'error') n++
    return n
  }

  async next(ex: HttpExchange): Promise<DeliveredExchange> {
    return (await this.read(ex)).delivered
  }

  /**
   * Exported as sent: an exchange whose request tcpscope answered in the target's place (a
   * mock, the script) with the answer the client got, as what tcpscope sent as the server,
   * and the entry's note naming the rule; its request stays as the client sent it. Any other
   * exchange comes back as it is: what the rules changed is for an export as delivered.
   */
  async answered(ex: HttpExchange): Promise<DeliveredExchange> {
    return answeredOf(ex, await this.read(ex))
  }

  /**
   * next's and answered's from one read of the records (`tcpscope show` as sent): `answered`
   * only where tcpscope gave the client an answer in the target's place, read from its record.
   */
  async both(ex: HttpExchange): Promise<{ delivered: DeliveredExchange; answered?: DeliveredExchange }> {
    const read = await this.read(ex)
    const answered = answeredOf(ex, read)
    const res = answered.exchange.response
    return { delivered: read.delivered, ...(answered.local && res !== undefined && answered.delivered.has(res) ? { answered } : {}) }
  }

  private async read(ex: HttpExchange): Promise<{ delivered: DeliveredExchange; asSent: string[] }> {
    const req = ex.request
    const h2 = isH2(req ?? ex.response)
    if (this.acts.size === 0) return { delivered: UNCHANGED(ex), asSent: [] }
    const changes: Changes = req ? await requestChanges(this.acts, req, h2) : { local: false, notes: [], asSent: [] }
    // A request that never reached the target has no response of the target's.
    const unanswered: ExchangeState = ex.state === 'pending' ? 'pending' : 'incomplete'
    const answer: Pick<HttpExchange, 'response' | 'state'> = changes.local && !h2 ? { response: undefined, state: unanswered } : ex
    if (answer.response !== undefined && changes.response === undefined) await responseChanges(this.acts, answer.response, req?.method, h2, changes)
    const delivered = new Map<HttpMessage, DeliveredMessage>()
    const request = changes.request?.message ?? req
    if (changes.request) delivered.set(changes.request.message, changes.request)
    let response = answer.response
    let state = answer.state
    if (changes.response === null) {
      response = undefined
      if (state === 'complete') state = 'incomplete'
    } else if (changes.response !== undefined) {
      response = changes.response.message
      delivered.set(response, changes.response)
      if (state !== 'upgraded') state = 'complete'
    }
    const exchange: HttpExchange = { ...ex, state }
    if (request !== undefined) exchange.request = request
    if (response !== undefined) exchange.response = response
    else delete exchange.response
    return { delivered: { exchange, delivered, notes: changes.notes, local: changes.local }, asSent: changes.asSent }
  }
}
