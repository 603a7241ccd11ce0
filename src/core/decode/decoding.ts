// Protocol decoding of every open capture, kept next to it: per connection, what it
// carries and its exchanges and messages, found as bytes arrive (live) or when a file is
// opened, and paged like the connection list. STUB: to be built (issue 16).

import type { BodyPiece, ExchangeListPage, ExchangePage, ExchangeSortKey, WsMessagePage } from '../../shared/protocol-types'
import { UserError } from '../../shared/errors'
import type { CaptureView } from '../capture/capture-queries'

export interface ExchangeQuery {
  offset: number
  limit: number
  filter?: string
  sort?: ExchangeSortKey
  descending?: boolean
}

export interface BodyQuery {
  connId: number
  exchange: number
  part: 'request' | 'response'
  decode?: boolean
  offset: number
  length: number
}

export interface WsPayloadQuery {
  connId: number
  message: number
  offset: number
  length: number
}

const notYet = (): never => {
  throw new UserError('protocol decoding is not built yet')
}

export class Decoding {
  exchanges(_view: CaptureView, _connId: number, _from?: number, _limit?: number): Promise<ExchangePage> {
    return Promise.resolve().then(notYet)
  }
  messages(_view: CaptureView, _connId: number, _from?: number, _limit?: number): Promise<WsMessagePage> {
    return Promise.resolve().then(notYet)
  }
  body(_view: CaptureView, _q: BodyQuery, _signal?: AbortSignal): Promise<BodyPiece> {
    return Promise.resolve().then(notYet)
  }
  wsPayload(_view: CaptureView, _q: WsPayloadQuery): Promise<BodyPiece> {
    return Promise.resolve().then(notYet)
  }
  exchangePage(_view: CaptureView, _q: ExchangeQuery, _signal?: AbortSignal): Promise<ExchangeListPage> {
    return Promise.resolve().then(notYet)
  }
  /** A capture closed: its decodings go. */
  forget(_captureId: string): void {}
  close(): Promise<void> {
    return Promise.resolve()
  }
}
