// An HTTP exchange as its receivers got it, where a traffic rule or the script changed it
// (http.delivered): the capture keeps what each side sent, and a `rule` record keeps what
// the receiver got instead (capture-format.md, "The rule record"). The HTTP tab shows one
// or the other; replay may send the request as delivered.

import type { Direction } from './direction'
import type { MessageField } from './message-types'
import type { HttpExchange, HttpMessage } from './protocol-types'
import type { RuleEventInfo } from './rules/rule-types'
import type { ReadableContent } from './response-comparison-types'

/** One message as delivered. Its ranges are in the delivered bytes, not in the capture: front ends link it to no bytes. */
export interface DeliveredPart {
  message: HttpMessage
  /** Its content as delivered (chunk framing removed, content coding left on), at most DELIVERED_PREVIEW. */
  body: Uint8Array
  /** How the content reads, with its decoded first bytes when a content coding was undone. */
  content: ReadableContent
}

export interface DeliveredView {
  /** Which rule or script changed what, or why what was sent stays (one line each). */
  notes: string[]
  /** The request never reached the target: a rule or the script answered it (or closed, reset, dropped it). */
  local: boolean
  /** The request as the target got it, when a rule changed it. */
  request?: DeliveredPart
  /** The response as the client got it, when a rule changed it or answered instead of the target. */
  response?: DeliveredPart
  /** The client got no response: a rule closed, reset or dropped the exchange. */
  noResponse?: boolean
}

/**
 * What http.changes says of each exchange of a page: the notes and which sides changed, as
 * DeliveredView says them, with no content read (tcpscope show prints only these).
 */
export interface DeliveredFacts {
  notes: string[]
  local: boolean
  request?: true
  response?: true
  noResponse?: true
  /**
   * http.changes: a request tcpscope answered in the target's place (a mock, the script's
   * answer, an HTTP/2 forward's): the exchange as each side sent it, with that answer as its
   * response (what tcpscope sent in the server's stead, read from its record: its body by
   * http.delivered.body), as the HAR export as sent has it; `notes` then say it as that
   * entry's comment does.
   */
  answered?: HttpExchange
}

export interface DeliveredFactsPage {
  from: number
  /** The connection's exchanges. */
  total: number
  exchanges: DeliveredFacts[]
}

/**
 * What http.delivered.page says of each exchange of a page: its DeliveredFacts, and, when a
 * rule changed a side or left the client with no response, the exchange as its receivers got
 * it (tcpscope show --as delivered). A message read from a record has its ranges in what was
 * delivered, not in the capture: its body is read by http.delivered.body.
 */
export interface DeliveredExchangeFacts extends DeliveredFacts {
  exchange?: HttpExchange
}

export interface DeliveredExchangePage {
  from: number
  /** The connection's exchanges. */
  total: number
  exchanges: DeliveredExchangeFacts[]
}

/** The most of a delivered body a view is given (a `rule` record keeps at most 1 MiB of it). */
export const DELIVERED_PREVIEW = 256 * 1024

/** A raw connection's message as its receiver got it (msg.delivered), when a rule or the script acted on it. */
export interface DeliveredMessageView {
  /** What each rule or the script did to it, one line each; none: no rule acted on it. */
  notes: string[]
  /** The rule records themselves, in that order (what they delivered left out: it is `got`), for a front end's own words. */
  acts: RuleEventInfo[]
  /** What was delivered instead: the message rewritten (the same direction), or the answer a rule gave its sender (`answer`). */
  got?: {
    dir: Direction
    answer: boolean
    summary: string
    fields: MessageField[]
    fieldsCut?: boolean
    /** At most DELIVERED_PREVIEW of it. */
    bytes: Uint8Array
    size: number
  }
  /** The receiver got nothing: the message was dropped, or the connection closed or reset at it. */
  none?: boolean
  /** What was delivered was over 1 MiB: only its size was kept. */
  notKept?: number
}

/** What msg.changes says of a message: DeliveredMessageView without what was delivered (neither read nor decoded). */
export type DeliveredMessageFacts = Omit<DeliveredMessageView, 'got'> & { got?: Pick<NonNullable<DeliveredMessageView['got']>, 'dir' | 'answer'> }

export interface DeliveredMessageFactsPage {
  from: number
  /** The connection's messages. */
  total: number
  messages: DeliveredMessageFacts[]
}

/** A page of a raw connection's messages as msg.delivered says each (msg.delivered.page): what was delivered read only for those a rule changed. */
export interface DeliveredMessagePage {
  from: number
  /** The connection's messages. */
  total: number
  messages: DeliveredMessageView[]
}
