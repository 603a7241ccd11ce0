// One direction of a connection as its receiver got it (conn.delivered, conn.delivered.read),
// for the Hex and Text views' "as delivered": the capture keeps each direction as its sender
// sent it, and a `rule` record keeps what the receiver got instead
// of one message (capture-format.md, "The rule record"). The delivered stream is the sent
// one with each message a rule changed replaced by what was delivered, removed where the
// receiver got nothing, and a rule's answer to the other side's message put in where it went.

import type { Direction } from './direction'
import type { RuleEventInfo } from './rules/rule-types'

/** How a direction's bytes are read: as its sender sent them (the capture), or as its receiver got them. */
export const STREAM_AS = ['sent', 'delivered'] as const
export type StreamAs = (typeof STREAM_AS)[number]

/** A connection with more rule records than this has no delivered map (each read would walk them all). */
export const MAX_DELIVERED_RECORDS = 10_000

/** A stretch of the delivered stream a rule made differ from the sent one. */
export interface DeliveredSpan {
  /** Where it starts in the delivered stream, and its size there (0: the receiver got none of the message). */
  at: number
  size: number
  /** The sent bytes it stands for: the message's place and size; an answer put in has size 0 at the place it went. */
  sentOffset: number
  sentSize: number
  action: RuleEventInfo['action']
  /** The rule's id and label (`script` for the script's hooks). */
  rule: string
  label: string
  /** What was done, in one English line (as the HAR's comments say it). */
  note: string
  /** A rule's answer to the other side's message (a mock), put in rather than replacing. */
  answer?: boolean
  /** A person's edit at a breakpoint (`rule` is its id), not a rule's. */
  by?: 'break'
  /**
   * What the receiver got is not in this capture: over 1 MiB, the record kept only its size
   * and SHA-256 (the span shows the sent bytes), or an HTTP/1 forward's answer (recorded on
   * tcpscope's own connection to where it went).
   */
  unknown?: boolean
}

export interface DeliveredStreamMap {
  dir: Direction
  /** The connection's rule records, both directions: 0 means as delivered is as sent. */
  records: number
  /** Why there is no delivered stream (too many records; HTTP/2, whose messages interleave): the spans are then empty. */
  unavailable?: string
  /** Bytes of the delivered stream, and of the sent one it was made from. */
  size: number
  sentSize: number
  /** In delivered order. */
  spans: DeliveredSpan[]
}
