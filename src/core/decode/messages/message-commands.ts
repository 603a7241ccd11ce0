// The messages part of the engine's command table: a raw connection's messages (as sent, or
// as their receivers got them), and the framing chosen for it ("decode as").

import type { CommandTable } from '../../command-table'
import type { Captures } from '../../capture/open-captures'
import type { Messages } from './messages'
import type { DeliveredMessageView } from '../../../shared/delivered-types'

export type MessageCommand = 'msg.page' | 'msg.delivered' | 'msg.changes' | 'msg.delivered.page' | 'frame.set'

export function messageCommands(captures: Pick<Captures, 'get'>, messages: Messages): CommandTable<MessageCommand> {
  return {
    'msg.page': async (args, ctx) => messages.page(captures.get(args.capture), args, ctx?.signal),
    'msg.delivered': async (args) => messages.delivered(captures.get(args.capture), args),
    'msg.changes': async (args) => messages.changes(captures.get(args.capture), args),
    // msg.changes's page, each message a rule left something to read of read as msg.delivered reads it (tcpscope show --as delivered).
    'msg.delivered.page': async (args) => {
      const view = captures.get(args.capture)
      const page = await messages.changes(view, args)
      const frame = args.frame !== undefined ? { frame: args.frame } : {}
      const views: DeliveredMessageView[] = []
      for (const [k, { got, ...facts }] of page.messages.entries()) views.push(got === undefined ? facts : await messages.delivered(view, { connId: args.connId, message: page.from + k, ...frame }))
      return { from: page.from, total: page.total, messages: views }
    },
    'frame.set': async (args) => messages.choose(captures.get(args.capture), args.connId, args.frame, args.owner === true)
  }
}
