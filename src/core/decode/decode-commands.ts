// The decoding part of the engine's command table: what a capture's bytes were decoded as,
// HTTP exchanges and their bodies, WebSocket messages and their payloads, the list of
// every exchange in a capture, and a connection's bytes, exchanges and bodies as their
// receivers got them.

import type { CommandArgs } from '../../shared/contract'
import type { CommandTable } from '../command-table'
import type { Captures } from '../capture/open-captures'
import type { Decoding } from './decoding'
import { deliveredMap, readDelivered } from './delivered-stream'
import { deliveredFacts } from './delivered-view'
import { deliveredBody } from './delivered-body'

export type DecodeCommand =
  | 'http.exchanges'
  | 'http.body'
  | 'http.delivered'
  | 'http.changes'
  | 'http.delivered.page'
  | 'http.delivered.body'
  | 'ws.messages'
  | 'ws.payload'
  | 'exchange.page'
  | 'h2.frames'
  | 'conn.delivered'
  | 'conn.delivered.read'

export function decodeCommands(captures: Pick<Captures, 'get'>, decoding: Decoding): CommandTable<DecodeCommand> {
  /** The page as http.exchanges decodes it (kept for the body reads that follow), then the records walked once for it. */
  const changesPage = async (args: CommandArgs<'http.changes'>, withExchanges: boolean, signal?: AbortSignal) => {
    const view = captures.get(args.capture)
    const page = await decoding.exchanges(view, args.connId, args.from, args.limit)
    return { from: page.from, total: page.total, exchanges: await deliveredFacts(view, args.connId, page.exchanges, signal, withExchanges) }
  }
  return {
    'http.exchanges': async (args) => decoding.exchanges(captures.get(args.capture), args.connId, args.from, args.limit, args.bodiesAhead === true),
    'http.body': async (args, ctx) => decoding.body(captures.get(args.capture), args, ctx?.signal),
    'http.delivered': async (args, ctx) => decoding.delivered(captures.get(args.capture), args.connId, args.exchange, ctx?.signal),
    'http.changes': async (args, ctx) => changesPage(args, false, ctx?.signal),
    // As http.changes, with each changed exchange as delivered: one walk of the records a page (tcpscope show --as delivered).
    'http.delivered.page': async (args, ctx) => changesPage(args, true, ctx?.signal),
    'http.delivered.body': async (args, ctx) => {
      const view = captures.get(args.capture)
      return deliveredBody(view, await decoding.exchange(view, args.connId, args.exchange), args, ctx?.signal)
    },
    'ws.messages': async (args) => decoding.messages(captures.get(args.capture), args.connId, args.from, args.limit),
    'ws.payload': async (args) => decoding.wsPayload(captures.get(args.capture), args),
    'h2.frames': async (args) => decoding.h2Frames(captures.get(args.capture), { connId: args.connId, from: args.from ?? 0, limit: args.limit ?? 100, ...(args.stream !== undefined ? { stream: args.stream } : {}) }),
    'exchange.page': async (args, ctx) => decoding.exchangePage(captures.get(args.capture), args, ctx?.signal),
    'conn.delivered': async (args) => deliveredMap(captures.get(args.capture), args.connId, args.dir),
    'conn.delivered.read': async (args) => readDelivered(captures.get(args.capture), args.connId, args.dir, args.offset, args.length)
  }
}
